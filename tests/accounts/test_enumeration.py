"""No page tells a visitor whether an address has an account (issue 15, finding 5):
password reset, allauth's sign-up and the vendor registration answer alike for a
known and an unknown address, and e-mail the address instead."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import OutgoingEmail, User
from tests.conftest import PASSWORD
from vendors.models import VendorCompany

pytestmark = pytest.mark.django_db


def _mail_to(address: str) -> list[OutgoingEmail]:
    return [m for m in OutgoingEmail.objects.order_by("pk") if address in m.to]


def _same_answer(first, second) -> None:
    assert first.status_code == second.status_code
    assert first.get("Location") == second.get("Location")


def test_password_reset_answers_alike_for_known_and_unknown_addresses(buyer_admin) -> None:
    url = reverse("account_reset_password")
    known = Client().post(url, {"email": buyer_admin.email})
    unknown = Client().post(url, {"email": "nobody-here@example.com"})
    _same_answer(known, unknown)
    assert known.status_code == 302
    assert "not assigned" not in Client().post(url, {"email": "x@example.com"}).content.decode()
    assert _mail_to(buyer_admin.email)  # the owner gets the reset link
    assert _mail_to("nobody-here@example.com")  # the stranger is told there is no account


def test_signup_with_a_taken_address_answers_like_a_new_one(buyer_admin) -> None:
    url = reverse("account_signup")
    form = {"password1": PASSWORD, "password2": PASSWORD, "full_name": "Someone"}
    taken = Client().post(url, {**form, "email": buyer_admin.email})
    fresh = Client().post(url, {**form, "email": "brand-new@example.com"})
    _same_answer(taken, fresh)
    assert taken.status_code == 302
    assert User.objects.filter(email=buyer_admin.email).count() == 1
    assert _mail_to(buyer_admin.email)  # "you already have an account"


def test_vendor_registration_with_a_taken_address_answers_like_a_new_one(vendor_a) -> None:
    form = {
        "legal_name": "Quito Contact SA",
        "headquarters_country": "EC",
        "full_name": "Someone Else",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    taken = Client().post(reverse("vendor_register"), {**form, "email": vendor_a.email})
    assert not VendorCompany.objects.filter(legal_name="Quito Contact SA").exists()
    fresh = Client().post(reverse("vendor_register"), {**form, "email": "new@quito.example"})
    _same_answer(taken, fresh)
    assert taken.status_code == 302 and taken["Location"] == reverse("vendor_register_done")
    assert User.objects.filter(email=vendor_a.email).count() == 1
    told = _mail_to(vendor_a.email)[-1]
    assert "already have an account" in told.text
    assert "/accounts/password/reset/" in told.text
