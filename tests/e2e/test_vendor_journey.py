"""A vendor registers and completes its profile; a buyer finds and qualifies it."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from tests.conftest import PASSWORD, add_member, make_buyer_org

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_vendor_registers_and_a_buyer_qualifies_it(journey, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    organization = make_buyer_org("admin@buyer.example", "Northwind Health")
    add_member(organization, "pm@buyer.example", "procurement_manager")

    vendor = journey("vendor-registration")
    vendor.goto("/")
    vendor.step("home page")
    vendor.page.click("text=Create an account")
    vendor.goto("/vendors/register/")
    vendor.step("register your company")
    page = vendor.page
    page.fill("#id_legal_name", "Ottawa Care Inc.")
    page.select_option("#id_headquarters_country", "CA")
    page.fill("#id_website", "https://ottawacare.example")
    page.fill("#id_full_name", "Olivia Chen")
    page.fill("#id_email", "olivia@ottawacare.example")
    page.fill("#id_password1", "short")
    page.fill("#id_password2", "short")
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator(".error-summary").is_visible()
    assert page.input_value("#id_legal_name") == "Ottawa Care Inc."  # input kept
    vendor.step("registration error summary")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "Check your inbox" in page.content()
    vendor.step("check your inbox")

    link = re.search(r"http://\S+/accounts/confirm-email/\S+/", mail.outbox[-1].body).group(0)
    vendor.goto("/" + link.split("/", 3)[3])
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    vendor.login("olivia@ottawacare.example", PASSWORD)
    vendor.goto("/vendors/profile/")
    assert "complete" in page.content()
    vendor.step("profile with checklist")

    vendor.goto("/vendors/profile/centres/new/")
    page.select_option("#id_country", "CA")
    page.fill("#id_city", "Ottawa")
    page.fill("#id_seats", "250")
    page.select_option("#id_languages", ["en", "fr"])
    page.fill("#id_opens_at", "08:00")
    page.fill("#id_closes_at", "20:00")
    vendor.step("add a delivery centre")
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "Delivery centre saved." in page.content()
    vendor.step("profile after adding a centre")

    buyer = journey("buyer-directory")
    buyer.login("pm@buyer.example", PASSWORD)
    buyer.goto("/vendors/?location_model=nearshore")
    assert "Ottawa Care Inc." in buyer.page.content()
    buyer.step("directory filtered to nearshore")
    buyer.page.click("text=Ottawa Care Inc.")
    buyer.page.wait_for_load_state("networkidle")
    buyer.page.select_option("#id_status", "qualified")
    buyer.page.fill("#id_notes", "Strong bilingual team")
    buyer.page.click("text=Save qualification")
    buyer.page.wait_for_load_state("networkidle")
    assert "Qualification of Ottawa Care Inc. saved." in buyer.page.content()
    buyer.step("vendor qualified")
