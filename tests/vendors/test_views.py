"""The vendor portal and the buyers' directory, through the pages."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from tests.conftest import PASSWORD, make_vendor
from tests.vendors.factories import add_centre, complete_profile, pdf_upload
from vendors import services
from vendors.models import (
    Certification,
    DeliveryCentre,
    Industry,
    Language,
    SecurityControl,
    ServiceFunction,
    Technology,
    VendorCompany,
    VendorQualification,
)

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_new_vendor_registers_completes_its_profile_and_is_found(
    buyer_admin, procurement_manager, django_capture_on_commit_callbacks
):
    # Register: company and owner at once, with e-mail verification.
    anonymous = Client()
    with django_capture_on_commit_callbacks(execute=True):
        response = anonymous.post(
            reverse("vendor_register"),
            {
                "legal_name": "Ottawa Care Inc.",
                "headquarters_country": "CA",
                "website": "https://ottawacare.example",
                "full_name": "Olivia Chen",
                "email": "olivia@ottawacare.example",
                "password1": PASSWORD,
                "password2": PASSWORD,
            },
        )
    assert response.status_code == 302 and response["Location"] == reverse("vendor_register_done")
    link = re.search(r"/accounts/confirm-email/\S+/", mail.outbox[-1].body).group(0)
    # Not verified yet: logging in asks for the e-mail confirmation first.
    client = Client()
    client.post(
        reverse("account_login"), {"login": "olivia@ottawacare.example", "password": PASSWORD}
    )
    assert client.get(reverse("vendor_profile")).status_code == 302
    client = Client()
    assert client.post(link).status_code == 302
    client.post(
        reverse("account_login"), {"login": "olivia@ottawacare.example", "password": PASSWORD}
    )
    response = client.get(reverse("vendor_profile"))
    assert response.status_code == 200
    assert (
        "Profile 9% complete" in response.content.decode()
        or "complete" in response.content.decode()
    )

    # Complete the profile through the pages.
    user = User.objects.get(email="olivia@ottawacare.example")
    company = user.vendor_membership.company
    response = client.post(
        reverse("vendor_profile_details"),
        {
            "legal_name": "Ottawa Care Inc.",
            "trading_name": "Ottawa Care",
            "website": "https://ottawacare.example",
            "headquarters_country": "CA",
            "headquarters_city": "Ottawa",
            "year_founded": "2012",
            "employee_band": "250-999",
            "revenue_band": "10-50m",
            "description": "Bilingual customer care for Canadian and US healthcare payers. " * 3,
        },
    )
    assert response.status_code == 302

    client.post(
        reverse("vendor_profile_services"),
        {
            "service_functions": [ServiceFunction.objects.get(slug="customer-support-by-phone").pk],
            "industries": [Industry.objects.get(slug="healthcare").pk],
        },
    )
    client.post(
        reverse("vendor_profile_technology"),
        {"technologies": [Technology.objects.get(name="Genesys Cloud").pk]},
    )
    client.post(
        reverse("vendor_profile_security"),
        {
            "security_controls": [SecurityControl.objects.first().pk],
            "security_notes": "Encrypted everything.",
        },
    )
    response = client.post(
        reverse("vendor_centre_add"),
        {
            "country": "CA",
            "city": "Ottawa",
            "seats": "250",
            "languages": [Language.objects.get(code="en").pk, Language.objects.get(code="fr").pk],
            "delivery_mode": "offsite",
            "opens_at": "08:00",
            "closes_at": "20:00",
        },
    )
    assert response.status_code == 302, response.content.decode()
    assert str(DeliveryCentre.objects.get(company=company).time_zone) == "America/Toronto"
    response = client.post(
        reverse("vendor_certification_add"),
        {
            "certification_type": 1,
            "issued_on": "2025-01-10",
            "expires_on": "2028-01-10",
            "evidence": pdf_upload(),
        },
    )
    assert response.status_code == 302, response.content.decode()
    client.post(
        reverse("vendor_reference_add"),
        {"client_name": "Maple Health", "years": "3", "contact_name": "", "contact_email": ""},
    )
    page = client.get(reverse("vendor_profile")).content.decode()
    assert "Profile 100% complete" in page

    # A US buyer finds it as nearshore and qualifies it.
    buyer = logged_in(procurement_manager)
    found = buyer.get(
        reverse("vendor_directory"),
        {"location_model": "nearshore", "function": "customer-support-by-phone"},
    )
    assert "Ottawa Care" in found.content.decode()
    offshore = buyer.get(reverse("vendor_directory"), {"location_model": "offshore"})
    assert "Ottawa Care" not in offshore.content.decode()
    response = buyer.post(
        reverse("vendor_detail", args=[company.pk]),
        {
            "status": "qualified",
            "risk_rating": "low",
            "tags": "bilingual, healthcare",
            "notes": "Strong French",
        },
    )
    assert response.status_code == 302
    qualification = VendorQualification.objects.get(company=company)
    assert qualification.status == "qualified"
    assert (
        buyer.get(reverse("vendor_directory"), {"status": "qualified"})
        .content.decode()
        .count("Ottawa Care")
        >= 1
    )


def test_duplicate_registration_offers_to_ask_for_access(
    vendor_a, django_capture_on_commit_callbacks
):
    form = {
        "legal_name": "Manila Contact Co",
        "headquarters_country": "PH",
        "full_name": "New Person",
        "email": "new@manila.example",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    response = Client().post(reverse("vendor_register"), form)
    html = response.content.decode()
    assert response.status_code == 400
    assert "is already on BPO Portal" in html and "ask for access" in html.lower()
    assert not User.objects.filter(email="new@manila.example").exists()  # nothing half-saved
    company = vendor_a.vendor_membership.company
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(
            reverse("vendor_register"),
            {**form, "action": "request_access", "company_id": company.pk, "message": "hi"},
        )
    assert response.status_code == 302
    assert company.access_requests.get().requester.email == "new@manila.example"
    assert any(vendor_a.email in message.to for message in mail.outbox)


def test_vendor_cannot_touch_another_vendors_profile_or_files(vendor_a, vendor_b):
    company_a = vendor_a.vendor_membership.company
    complete_profile(vendor_a, company_a)
    centre = DeliveryCentre.objects.get(company=company_a)
    certification = Certification.objects.get(company=company_a)
    b = logged_in(vendor_b)
    assert b.get(reverse("vendor_centre_edit", args=[centre.pk])).status_code == 404
    assert b.post(reverse("vendor_child_delete", args=["centre", centre.pk])).status_code == 404
    assert (
        b.get(reverse("vendor_certification_evidence", args=[certification.pk])).status_code == 404
    )
    assert b.get(reverse("vendor_detail", args=[company_a.pk])).status_code == 403
    assert b.get(reverse("vendor_directory")).status_code == 403
    assert DeliveryCentre.objects.filter(pk=centre.pk).exists()
    # Its own users and buyers may download the evidence.
    own = logged_in(vendor_a).get(reverse("vendor_certification_evidence", args=[certification.pk]))
    assert own.status_code == 200 and own["Content-Disposition"].startswith("attachment")
    assert b"".join(own.streaming_content).startswith(b"%PDF")


def test_buyers_download_evidence_anonymous_cannot(vendor_a, evaluator):
    company_a = vendor_a.vendor_membership.company
    complete_profile(vendor_a, company_a)
    certification = Certification.objects.get(company=company_a)
    assert (
        logged_in(evaluator)
        .get(reverse("vendor_certification_evidence", args=[certification.pk]))
        .status_code
        == 200
    )
    anonymous = Client().get(reverse("vendor_certification_evidence", args=[certification.pk]))
    assert anonymous.status_code == 302
    # There is no public URL for the stored file.
    assert Client().get("/media/" + certification.evidence.name).status_code == 404


def test_qualification_is_invisible_to_the_vendor_and_other_buyers(
    procurement_manager, other_buyer, vendor_a
):
    company = vendor_a.vendor_membership.company
    services.qualification_update(
        actor=procurement_manager,
        company=company,
        status="qualified",
        notes="SECRET-NOTE",
        tags=["secret-tag"],
    )
    vendor_page = logged_in(vendor_a).get(reverse("vendor_profile")).content.decode()
    assert (
        "SECRET-NOTE" not in vendor_page
        and "secret-tag" not in vendor_page
        and "Qualified" not in vendor_page
    )
    other = logged_in(other_buyer)
    assert (
        "SECRET-NOTE" not in other.get(reverse("vendor_detail", args=[company.pk])).content.decode()
    )
    directory = other.get(reverse("vendor_directory")).content.decode()
    assert "secret-tag" not in directory and "status-qualified" not in directory
    ours = (
        logged_in(procurement_manager)
        .get(reverse("vendor_detail", args=[company.pk]))
        .content.decode()
    )
    assert "SECRET-NOTE" in ours


def test_evaluators_read_qualification_but_cannot_change_it(
    evaluator, procurement_manager, vendor_a
):
    company = vendor_a.vendor_membership.company
    services.qualification_update(
        actor=procurement_manager, company=company, status="qualified", notes="ok"
    )
    client = logged_in(evaluator)
    page = client.get(reverse("vendor_detail", args=[company.pk])).content.decode()
    assert "Save qualification" not in page and "Qualified" in page
    assert (
        client.post(reverse("vendor_detail", args=[company.pk]), {"status": "blocked"}).status_code
        == 403
    )
    assert VendorQualification.objects.get().status == "qualified"


def test_centre_form_errors_keep_input(vendor_a):
    response = logged_in(vendor_a).post(
        reverse("vendor_centre_add"),
        {"country": "PH", "city": "Davao", "seats": "-5", "delivery_mode": "offsite"},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "There is a problem" in html and 'value="Davao"' in html
    assert not DeliveryCentre.objects.exists()


def test_directory_query_count_is_constant(procurement_manager, django_assert_max_num_queries):
    client = logged_in(procurement_manager)

    def make(n, start):
        for i in range(start, start + n):
            user = make_vendor(f"v{i}@example.com", f"Vendor {i:03d}", "PH")
            company = user.vendor_membership.company
            add_centre(user, company, "PH", languages=["en", "tl"])
            add_centre(user, company, "MX", languages=["es"])
            services.qualification_update(
                actor=procurement_manager, company=company, status="qualified", tags=["x"]
            )

    def count(params):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("vendor_directory"), params).status_code == 200
        return len(ctx.captured_queries)

    make(2, 0)
    small = count({"location_model": "offshore"})
    small_plain = count({})
    make(48, 2)
    assert count({"location_model": "offshore"}) == small
    assert count({}) == small_plain


def test_location_overrides_page(buyer_admin, evaluator):
    client = logged_in(buyer_admin)
    response = client.post(
        reverse("vendor_location_overrides"), {"country": "CO", "location_model": "nearshore"}
    )
    assert response.status_code == 302
    assert buyer_admin.buyer_membership.organization.location_overrides.get().country == "CO"
    assert logged_in(evaluator).get(reverse("vendor_location_overrides")).status_code == 403


def test_colleague_invitation_and_last_owner(vendor_a):
    client = logged_in(vendor_a)
    response = client.post(
        reverse("vendor_company_users"), {"email": "mate@vendor-a.example", "role": "contributor"}
    )
    assert response.status_code == 302
    own = vendor_a.vendor_membership
    response = client.post(
        reverse("vendor_company_user_action", args=[own.pk, "remove"]), follow=True
    )
    assert "last owner" in response.content.decode()
    assert VendorCompany.objects.get().memberships.count() == 1
