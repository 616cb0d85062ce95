"""The vendor endpoints: directory search, profiles, children, qualification."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.accounts.test_api import assert_error_shape
from tests.conftest import api_as, make_vendor, token_client
from tests.vendors.factories import PDF, add_centre, complete_profile
from vendors import services
from vendors.models import DeliveryCentre

pytestmark = pytest.mark.django_db


def test_directory_filters_match_the_page(procurement_manager, vendor_a, vendor_b):
    add_centre(vendor_a, vendor_a.vendor_membership.company, "PH", languages=["en", "tl"])
    add_centre(vendor_b, vendor_b.vendor_membership.company, "CA", languages=["fr"], is_24_7=True)
    client = api_as(procurement_manager)
    everyone = client.get("/api/v1/vendors/").json()
    assert everyone["count"] == 2
    nearshore = client.get("/api/v1/vendors/", {"location_model": "nearshore"}).json()["results"]
    assert [v["legal_name"] for v in nearshore] == ["Bangalore Process Ltd"]
    assert nearshore[0]["location_models"] == ["nearshore"]
    assert nearshore[0]["qualification_status"] == "new"
    french = client.get("/api/v1/vendors/", {"language": "fr", "open_24_7": "true"}).json()
    assert french["count"] == 1
    assert client.get("/api/v1/vendors/", {"q": "manila"}).json()["count"] == 1
    body = assert_error_shape(client.get("/api/v1/vendors/", {"location_model": "moon"}), 400)
    assert "location_model" in body["extra"]["fields"]


def test_vendor_sees_only_itself_and_no_qualification(vendor_a, vendor_b, procurement_manager):
    company_b = vendor_b.vendor_membership.company
    services.qualification_update(
        actor=procurement_manager, company=company_b, status="blocked", notes="x"
    )
    client = api_as(vendor_b)
    listed = client.get("/api/v1/vendors/").json()
    assert [v["id"] for v in listed["results"]] == [company_b.pk]
    own = client.get(f"/api/v1/vendors/{company_b.pk}/").json()
    assert own["qualification"] is None and own["qualification_status"] is None
    assert_error_shape(client.get(f"/api/v1/vendors/{vendor_a.vendor_membership.company_id}/"), 404)
    assert_error_shape(client.get(f"/api/v1/vendors/{company_b.pk}/qualification/"), 403)


def test_buyer_reads_only_its_own_qualification(procurement_manager, other_buyer, vendor_a):
    company = vendor_a.vendor_membership.company
    services.qualification_update(
        actor=procurement_manager, company=company, status="qualified", notes="ours", tags=["t"]
    )
    ours = api_as(procurement_manager).get(f"/api/v1/vendors/{company.pk}/").json()
    assert ours["qualification"]["notes"] == "ours" and ours["qualification"]["tags"] == ["t"]
    theirs = api_as(other_buyer).get(f"/api/v1/vendors/{company.pk}/").json()
    assert theirs["qualification"] is None
    assert (
        api_as(other_buyer).get(f"/api/v1/vendors/{company.pk}/qualification/").json()["status"]
        == "new"
    )


def test_qualification_put_and_permissions(procurement_manager, evaluator, vendor_a):
    company = vendor_a.vendor_membership.company
    url = f"/api/v1/vendors/{company.pk}/qualification/"
    response = api_as(procurement_manager).put(
        url, {"status": "qualified", "tags": ["a", "b"]}, format="json"
    )
    assert response.status_code == 200 and response.json()["tags"] == ["a", "b"]
    assert_error_shape(api_as(evaluator).put(url, {"status": "blocked"}, format="json"), 403)
    assert_error_shape(
        api_as(procurement_manager).put(url, {"status": "maybe"}, format="json"), 400
    )


def test_vendor_edits_its_profile_not_anothers(vendor_a, vendor_b, procurement_manager):
    company_a = vendor_a.vendor_membership.company
    response = api_as(vendor_a).patch(
        f"/api/v1/vendors/{company_a.pk}/",
        {"trading_name": "Manila CX", "service_functions": ["payroll"], "year_founded": 2001},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["trading_name"] == "Manila CX" and response.json()["functions"] == [
        "payroll"
    ]
    assert_error_shape(
        api_as(vendor_b).patch(
            f"/api/v1/vendors/{company_a.pk}/", {"trading_name": "x"}, format="json"
        ),
        404,
    )
    assert_error_shape(
        api_as(procurement_manager).patch(
            f"/api/v1/vendors/{company_a.pk}/", {"trading_name": "x"}, format="json"
        ),
        403,
    )
    body = assert_error_shape(
        api_as(vendor_a).patch(
            f"/api/v1/vendors/{company_a.pk}/", {"service_functions": ["nope"]}, format="json"
        ),
        400,
    )
    assert "service_functions" in body["extra"]["fields"]


def test_delivery_centres_api(vendor_a, vendor_b, procurement_manager):
    company_a = vendor_a.vendor_membership.company
    url = f"/api/v1/vendors/{company_a.pk}/delivery-centres/"
    created = api_as(vendor_a).post(
        url,
        {"country": "ph", "city": "Cebu", "seats": 120, "languages": ["en", "tl"], "is_24_7": True},
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert created.json()["time_zone"] == "Asia/Manila"
    body = assert_error_shape(
        api_as(vendor_a).post(
            url, {"country": "XX", "city": "C", "seats": -1, "languages": []}, format="json"
        ),
        400,
    )
    assert {"country", "seats"} <= set(body["extra"]["fields"])
    assert_error_shape(
        api_as(vendor_b).post(
            url, {"country": "IN", "city": "C", "seats": 1, "languages": ["en"]}, format="json"
        ),
        404,
    )
    centre_id = created.json()["id"]
    listed = api_as(procurement_manager).get(url).json()["results"]
    assert listed[0]["location_model"] == "offshore"
    assert_error_shape(api_as(procurement_manager).delete(f"{url}{centre_id}/"), 403)
    assert (
        api_as(vendor_a).patch(f"{url}{centre_id}/", {"seats": 300}, format="json").json()["seats"]
        == 300
    )
    assert api_as(vendor_a).delete(f"{url}{centre_id}/").status_code == 204
    assert not DeliveryCentre.objects.exists()


def test_the_schema_describes_opening_hours_and_a_missing_qualification_as_answered(
    vendor_a, other_buyer, api_client
):
    """Opening hours are the centre's wall-clock times ("21:00:00", no UTC offset, which
    JSON Schema's `time` format requires); no qualification yet has no date."""
    company = vendor_a.vendor_membership.company
    add_centre(vendor_a, company, "PH", opens_at=dt.time(21), closes_at=dt.time(6))
    centre = api_as(other_buyer).get(f"/api/v1/vendors/{company.pk}/delivery-centres/").json()
    assert (centre["results"][0]["opens_at"], centre["results"][0]["closes_at"]) == (
        "21:00:00",
        "06:00:00",
    )
    qualification = api_as(other_buyer).get(f"/api/v1/vendors/{company.pk}/qualification/")
    assert qualification.json()["updated_at"] is None
    components = api_client.get("/api/schema/", {"format": "json"}).json()["components"]
    hours = components["schemas"]["DeliveryCentre"]["properties"]
    for name in ("opens_at", "closes_at"):
        assert "format" not in hours[name]
        assert re.fullmatch(hours[name]["pattern"], "06:00:00") and hours[name]["nullable"]
    assert components["schemas"]["Qualification"]["properties"]["updated_at"]["nullable"]


def test_certification_upload_via_api(vendor_a):
    company = vendor_a.vendor_membership.company
    url = f"/api/v1/vendors/{company.pk}/certifications/"
    good = SimpleUploadedFile("iso.pdf", PDF, "application/pdf")
    response = api_as(vendor_a).post(
        url,
        {
            "certification_type": "iso-9001",
            "issued_on": "2025-01-01",
            "expires_on": "2028-01-01",
            "evidence": good,
        },
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["evidence_url"].endswith("/evidence/")
    fake = SimpleUploadedFile("iso.pdf", b"not a pdf at all", "application/pdf")
    body = assert_error_shape(
        api_as(vendor_a).post(
            url,
            {"certification_type": "iso-9001", "issued_on": "2025-01-01", "evidence": fake},
            format="multipart",
        ),
        400,
    )
    assert "evidence" in body["extra"]["fields"]
    body = assert_error_shape(
        api_as(vendor_a).post(
            url,
            {
                "certification_type": "iso-9001",
                "issued_on": "2025-01-01",
                "expires_on": "2024-01-01",
            },
            format="json",
        ),
        400,
    )
    assert body["extra"]["fields"]["expires_on"] == ["The expiry date is before the issue date."]


def test_references_hide_contacts_that_may_not_be_contacted(vendor_a, procurement_manager):
    company = vendor_a.vendor_membership.company
    services.reference_save(
        actor=vendor_a,
        company=company,
        client_name="Quiet Co",
        years=2,
        may_contact=False,
        contact_name="Do Not Call",
        contact_email="quiet@example.com",
    )
    seen = api_as(procurement_manager).get(f"/api/v1/vendors/{company.pk}/").json()["references"][0]
    assert seen["contact_email"] == "" and seen["contact_name"] == ""
    own = api_as(vendor_a).get(f"/api/v1/vendors/{company.pk}/").json()["references"][0]
    assert own["contact_email"] == "quiet@example.com"


def test_anonymous_and_unattached_get_nothing(api_client, unattached_user):
    assert_error_shape(api_client.get("/api/v1/vendors/"), 401)
    assert_error_shape(api_as(unattached_user).get("/api/v1/vendors/"), 403)


def test_query_counts_do_not_grow(procurement_manager, django_assert_num_queries):
    """The list and a vendor's detail, at 2 and at 50 vendors (built once for both)."""
    client = token_client(procurement_manager)
    first = None

    def build(start, n):
        nonlocal first
        for i in range(start, start + n):
            user = make_vendor(f"v{i}@example.com", f"Vendor {i:03d}", "PH")
            company = complete_profile(user, user.vendor_membership.company)
            services.qualification_update(
                actor=procurement_manager, company=company, status="qualified", tags=["a"]
            )
            first = first or company

    build(0, 2)
    urls = (
        f"/api/v1/vendors/{first.pk}/",
        "/api/v1/vendors/?page_size=100&location_model=offshore",
    )
    expected = {}
    for url in urls:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        expected[url] = len(ctx.captured_queries)
    build(2, 48)
    for url in urls:
        with django_assert_num_queries(expected[url]):
            response = client.get(url)
        assert response.status_code == 200
    assert response.json()["count"] == 50
