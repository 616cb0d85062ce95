from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import User
from accounts.services import invitation_accept_new_user
from bpo_portal.errors import ApplicationError, ConflictError, PermissionDeniedError
from tests.conftest import PASSWORD, make_user
from tests.vendors.factories import PNG, add_centre, complete_profile, pdf_upload
from vendors import selectors, services
from vendors.models import (
    AccessRequest,
    CertificationType,
    DeliveryCentre,
    Language,
    VendorCompany,
    VendorMembership,
    VendorQualification,
)

pytestmark = pytest.mark.django_db


def test_registration_refuses_same_name_and_country(vendor_a):
    newcomer = make_user("someone@example.com")
    with pytest.raises(ConflictError) as exc:
        services.vendor_company_create(
            user=newcomer, legal_name="  manila contact co ", headquarters_country="PH"
        )
    assert "already registered" in exc.value.message
    assert exc.value.extra["company_id"] == vendor_a.vendor_membership.company_id
    # Same name in another country is another company.
    services.vendor_company_create(
        user=newcomer, legal_name="Manila Contact Co", headquarters_country="US"
    )


def test_registration_refuses_same_website_domain(vendor_a, vendor_a_company):
    services.vendor_profile_update(
        actor=vendor_a, company=vendor_a_company, website="https://www.manila.example/about"
    )
    with pytest.raises(ConflictError):
        services.vendor_company_create(
            user=make_user("x@example.com"),
            legal_name="Different Name",
            headquarters_country="IN",
            website="http://manila.example",
        )


def test_unknown_country_is_refused():
    with pytest.raises(ApplicationError) as exc:
        services.vendor_company_create(
            user=make_user("x@example.com"), legal_name="X", headquarters_country="XX"
        )
    assert "headquarters_country" in exc.value.fields
    assert not VendorCompany.objects.exists()


def test_access_request_approve_and_decline(
    vendor_a, vendor_a_company, django_capture_on_commit_callbacks
):
    requester = make_user("colleague@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        request = services.access_request_create(
            user=requester, company=vendor_a_company, message="I run ops"
        )
    assert mail.outbox[-1].to == [vendor_a.email]
    with pytest.raises(ConflictError):
        services.access_request_create(user=requester, company=vendor_a_company)
    outsider = make_user("outsider@example.com")
    services.vendor_company_create(user=outsider, legal_name="Other", headquarters_country="IN")
    with pytest.raises(PermissionDeniedError):
        services.access_request_decide(actor=outsider, access_request=request, approve=True)
    services.access_request_decide(actor=vendor_a, access_request=request, approve=True)
    assert VendorMembership.objects.get(user=requester).role == "contributor"
    with pytest.raises(ConflictError, match="already been answered"):
        services.access_request_decide(actor=vendor_a, access_request=request, approve=False)

    other = make_user("other@example.com")
    declined = services.access_request_create(user=other, company=vendor_a_company)
    services.access_request_decide(actor=vendor_a, access_request=declined, approve=False)
    assert AccessRequest.objects.get(pk=declined.pk).status == "declined"
    assert not VendorMembership.objects.filter(user=other).exists()


def test_last_owner_cannot_leave_but_contributors_can(vendor_a, vendor_a_company):
    own = vendor_a.vendor_membership
    with pytest.raises(ConflictError, match="last owner"):
        services.vendor_membership_remove(actor=vendor_a, membership=own)
    with pytest.raises(ConflictError, match="at least one owner"):
        services.vendor_membership_change_role(actor=vendor_a, membership=own, role="contributor")
    colleague = make_user("c@example.com")
    request = services.access_request_create(user=colleague, company=vendor_a_company)
    services.access_request_decide(actor=vendor_a, access_request=request, approve=True)
    colleague = type(colleague).objects.get(pk=colleague.pk)
    services.vendor_membership_remove(actor=colleague, membership=colleague.vendor_membership)
    assert not VendorMembership.objects.filter(user=colleague).exists()


def test_contributor_cannot_manage_colleagues(vendor_a, vendor_a_company):
    colleague = make_user("c@example.com")
    request = services.access_request_create(user=colleague, company=vendor_a_company)
    services.access_request_decide(actor=vendor_a, access_request=request, approve=True)
    colleague = type(colleague).objects.get(pk=colleague.pk)
    with pytest.raises(PermissionDeniedError):
        services.vendor_membership_remove(actor=colleague, membership=vendor_a.vendor_membership)


def test_profile_update_validates(vendor_a, vendor_a_company, vendor_b):
    with pytest.raises(ApplicationError) as exc:
        services.vendor_profile_update(
            actor=vendor_a, company=vendor_a_company, year_founded=timezone.now().year + 1
        )
    assert "year_founded" in exc.value.fields
    with pytest.raises(ApplicationError):
        services.vendor_profile_update(actor=vendor_a, company=vendor_a_company, is_claimed=False)
    with pytest.raises(PermissionDeniedError):
        services.vendor_profile_update(
            actor=vendor_b, company=vendor_a_company, trading_name="Hijack"
        )


@pytest.mark.parametrize(
    "data, field",
    [
        ({"seats": 0}, "seats"),
        ({"country": "XX"}, "country"),
        ({"languages": []}, "languages"),
        ({"opens_at": None, "closes_at": None}, "opens_at"),
    ],
)
def test_delivery_centre_bad_input_saves_nothing(vendor_a, vendor_a_company, data, field):
    base = {
        "country": "PH",
        "city": "Cebu",
        "seats": 10,
        "languages": list(Language.objects.filter(code="en")),
        "opens_at": dt.time(9),
        "closes_at": dt.time(18),
        "time_zone": "Asia/Manila",
    }
    with pytest.raises(ApplicationError) as exc:
        services.delivery_centre_save(actor=vendor_a, company=vendor_a_company, **{**base, **data})
    assert field in exc.value.fields
    assert not DeliveryCentre.objects.exists()


def test_delivery_centres_update_the_directory_columns(vendor_a, vendor_a_company):
    add_centre(vendor_a, vendor_a_company, "PH", seats=300)
    add_centre(vendor_a, vendor_a_company, "PH", seats=200, is_24_7=True)
    vendor_a_company.refresh_from_db()
    assert vendor_a_company.total_seats == 500
    assert vendor_a_company.has_24_7


def test_night_shift_centre_keeps_its_hours(vendor_a, vendor_a_company):
    centre = add_centre(
        vendor_a, vendor_a_company, "PH", opens_at=dt.time(21), closes_at=dt.time(6)
    )
    assert centre.hours_label.startswith("21:00–06:00")


def test_certification_dates_and_evidence_are_checked(vendor_a, vendor_a_company):
    iso = CertificationType.objects.get(slug="iso-9001")
    today = timezone.localdate()
    with pytest.raises(ApplicationError) as exc:
        services.certification_save(
            actor=vendor_a,
            company=vendor_a_company,
            certification_type=iso,
            issued_on=today,
            expires_on=today - dt.timedelta(days=1),
        )
    assert exc.value.fields["expires_on"] == ["The expiry date is before the issue date."]
    fake = SimpleUploadedFile(
        "certificate.pdf", b"MZ\x90\x00 this is an executable", "application/pdf"
    )
    with pytest.raises(ApplicationError) as exc:
        services.certification_save(
            actor=vendor_a,
            company=vendor_a_company,
            certification_type=iso,
            issued_on=today,
            evidence=fake,
        )
    assert "content does not match" in exc.value.fields["evidence"][0]
    ok = services.certification_save(
        actor=vendor_a,
        company=vendor_a_company,
        certification_type=iso,
        issued_on=today,
        evidence=SimpleUploadedFile("scan.png", PNG, "image/png"),
    )
    assert ok.evidence_content_type == "image/png"
    # Stored under a random name, not the uploaded one.
    assert "scan" not in ok.evidence.name and ok.evidence.name.startswith("private/vendors/")


def test_oversized_evidence_is_refused(vendor_a, vendor_a_company, settings):
    settings.MAX_UPLOAD_SIZE = 1024
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + b"0" * 4096, "application/pdf")
    with pytest.raises(ApplicationError, match="limit"):
        services.certification_save(
            actor=vendor_a,
            company=vendor_a_company,
            certification_type=CertificationType.objects.get(slug="iso-9001"),
            issued_on=timezone.localdate(),
            evidence=big,
        )


def test_completeness_reaches_100(vendor_a, vendor_a_company):
    percent, items = selectors.profile_completeness(
        selectors.vendor_profile(company_id=vendor_a_company.pk)
    )
    assert percent < 20 and not all(item.done for item in items)
    company = complete_profile(vendor_a, vendor_a_company)
    percent, items = selectors.profile_completeness(selectors.vendor_profile(company_id=company.pk))
    assert percent == 100, [i.label for i in items if not i.done]
    assert company.completeness == 100


def test_qualification_is_per_organization(
    buyer_admin, procurement_manager, other_buyer, vendor_a_company, evaluator
):
    services.qualification_update(
        actor=procurement_manager,
        company=vendor_a_company,
        status="qualified",
        risk_rating="low",
        notes="Great references",
        tags=["healthcare", " tier 1 ", ""],
    )
    services.qualification_update(actor=other_buyer, company=vendor_a_company, status="blocked")
    ours = VendorQualification.objects.get(organization=buyer_admin.buyer_membership.organization)
    assert ours.status == "qualified" and ours.notes == "Great references"
    assert sorted(t.name for t in ours.tags.all()) == ["healthcare", "tier 1"]
    assert selectors.vendor_is_blocked(
        organization=other_buyer.buyer_membership.organization, company_id=vendor_a_company.pk
    )
    assert not selectors.vendor_is_blocked(
        organization=ours.organization, company_id=vendor_a_company.pk
    )
    with pytest.raises(PermissionDeniedError):
        services.qualification_update(actor=evaluator, company=vendor_a_company, status="rejected")
    with pytest.raises(ApplicationError):
        services.qualification_update(actor=buyer_admin, company=vendor_a_company, status="maybe")


def test_location_models_relative_to_the_buyer(buyer_admin, other_buyer):
    us = buyer_admin.buyer_membership.organization  # US buyer
    fr = other_buyer.buyer_membership.organization  # French buyer
    assert selectors.location_model_for(organization=us, country="CA") == "nearshore"
    assert selectors.location_model_for(organization=us, country="IN") == "offshore"
    assert selectors.location_model_for(organization=us, country="PH") == "offshore"
    assert selectors.location_model_for(organization=us, country="US") == "onshore"
    assert selectors.location_model_for(organization=fr, country="ES") == "nearshore"
    assert selectors.location_model_for(organization=fr, country="IT") == "nearshore"
    assert selectors.location_model_for(organization=us, country="GT") == "offshore"
    services.location_override_set(actor=buyer_admin, country="GT", location_model="nearshore")
    assert selectors.location_model_for(organization=us, country="GT") == "nearshore"
    # Only for that buyer.
    assert selectors.location_model_for(organization=fr, country="GT") == "offshore"
    with pytest.raises(ApplicationError, match="always onshore"):
        services.location_override_set(actor=buyer_admin, country="US", location_model="offshore")
    services.location_override_set(actor=buyer_admin, country="GT", location_model=None)
    assert selectors.location_model_for(organization=us, country="GT") == "offshore"


def test_unclaimed_vendor_is_claimed_by_its_contact(
    procurement_manager, django_capture_on_commit_callbacks
):
    company = services.vendor_company_create_unclaimed(
        actor=procurement_manager,
        legal_name="Lima Contact SAC",
        headquarters_country="PE",
        contact_email="Boss@Lima.example",
    )
    assert not company.is_claimed
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.vendor_claim_invitation_send(
            actor=procurement_manager, company=company
        )
    assert mail.outbox[-1].to == ["boss@lima.example"]
    user = invitation_accept_new_user(
        token=invitation.plain_token, full_name="Boss", password=PASSWORD
    )
    company.refresh_from_db()
    assert company.is_claimed
    assert user.vendor_membership.role == "owner"


def test_evidence_is_replaced_and_old_file_deleted(
    vendor_a, vendor_a_company, django_capture_on_commit_callbacks
):
    iso = CertificationType.objects.get(slug="iso-9001")
    certification = services.certification_save(
        actor=vendor_a,
        company=vendor_a_company,
        certification_type=iso,
        issued_on=timezone.localdate(),
        evidence=pdf_upload("a.pdf"),
    )
    old = certification.evidence.name
    storage = certification.evidence.storage
    with django_capture_on_commit_callbacks(execute=True):
        services.certification_save(
            actor=vendor_a,
            company=vendor_a_company,
            certification=certification,
            evidence=pdf_upload("b.pdf"),
        )
    assert not storage.exists(old)
    assert storage.exists(certification.evidence.name)


def test_registration_is_all_or_nothing(vendor_a):
    """One service for the account and the company (or the access request): a refused
    company leaves no account behind, so the visitor can simply try again."""
    with pytest.raises(ConflictError):
        services.vendor_registration(
            email="late@example.com",
            password="correct-horse-battery-9",
            full_name="Late Comer",
            legal_name="Manila Contact Co",
            headquarters_country="PH",
        )
    assert not User.objects.filter(email="late@example.com").exists()
    company = vendor_a.vendor_membership.company
    user = services.vendor_registration(
        email="late@example.com",
        password="correct-horse-battery-9",
        full_name="Late Comer",
        join_company_id=company.pk,
        message="I run the Cebu site.",
    )
    assert AccessRequest.objects.filter(requester=user, company=company).exists()
    with pytest.raises(ApplicationError):
        services.vendor_registration(
            email="ghost@example.com",
            password="correct-horse-battery-9",
            full_name="Ghost",
            join_company_id=999999,
        )
    assert not User.objects.filter(email="ghost@example.com").exists()
