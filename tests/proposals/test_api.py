"""The API: vendors draft, update, submit and withdraw with a personal token;
errors come in the one shape with the services' field keys."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from proposals import selectors
from proposals.models import Proposal
from rfp.models import QuestionKind
from tests.conftest import api_as, make_vendor, token_client
from tests.proposals.factories import fill, submit
from tests.vendors.factories import PDF, PNG

pytestmark = pytest.mark.django_db


def _draft(client, rfp) -> dict:
    response = client.post("/api/v1/proposals/", {"rfp": rfp.pk}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def test_a_vendor_drafts_and_submits_through_the_api(rfp, vendor_a):
    client = token_client(vendor_a)
    data = _draft(client, rfp)
    draft = data["draft"]
    assert data["status"] == "draft" and draft["versions"] == {"settings": 1, "answers": 1}

    questions = selectors.questions_of(rfp)
    answers = []
    for question in questions:
        value = {
            QuestionKind.YES_NO: True,
            QuestionKind.NUMBER: 900,
            QuestionKind.MULTIPLE_CHOICE: question.choices[:1],
        }.get(question.kind, "Our answer")
        answers.append({"question": question.pk, "value": value})
    response = client.put(
        f"/api/v1/proposals/{data['id']}/answers/",
        {"version": 1, "answers": answers},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["answers_version"] == 2

    rfp_lot = rfp.lots.get()
    base = f"/api/v1/proposals/{data['id']}/lots/{rfp_lot.pk}"
    prices = [
        {"pricing_line": line.pk, "unit_price": "12.50"} for line in rfp_lot.pricing_lines.all()
    ]
    assert (
        client.put(f"{base}/prices/", {"version": 1, "prices": prices}, format="json").status_code
        == 200
    )
    commitments = [
        {"service_level": level.pk, "accepts_target": True}
        for level in rfp_lot.service_levels.all()
    ]
    response = client.put(
        f"{base}/service-levels/", {"version": 1, "commitments": commitments}, format="json"
    )
    assert response.status_code == 200
    centre = vendor_a.vendor_membership.company.delivery_centres.first()
    response = client.put(
        f"{base}/centres/",
        {"version": 1, "centres": [{"delivery_centre": centre.pk, "share": "100"}]},
        format="json",
    )
    assert response.status_code == 200
    response = client.put(
        f"{base}/staffing/",
        {"version": 1, "headcount": [10, 20, 40], "transition_plan": "Plan"},
        format="json",
    )
    assert response.status_code == 200
    upload = client.post(
        f"/api/v1/proposals/{data['id']}/attachments/",
        {"file": SimpleUploadedFile("plan.pdf", PDF, content_type="application/pdf")},
        format="multipart",
    )
    assert upload.status_code == 201
    assert upload.json()["draft"]["problems"] == []

    receipt = client.post(f"/api/v1/proposals/{data['id']}/submit/")
    assert receipt.status_code == 201
    body = receipt.json()
    assert body["number"] == 1 and len(body["sha256"]) == 64 and body["counts"] is True
    versions = client.get(f"/api/v1/proposals/{data['id']}/versions/").json()
    assert [v["sha256"] for v in versions] == [body["sha256"]]
    withdrawn = client.post(f"/api/v1/proposals/{data['id']}/withdraw/", {"reason": "Capacity"})
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"


def test_errors_come_in_the_one_shape_with_field_keys(rfp, vendor_a):
    client = api_as(vendor_a)
    data = _draft(client, rfp)
    line = rfp.lots.get().pricing_lines.first()
    response = client.put(
        f"/api/v1/proposals/{data['id']}/lots/{rfp.lots.get().pk}/prices/",
        {"version": 1, "prices": [{"pricing_line": line.pk, "unit_price": "10.999"}]},
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["message"].startswith("Nothing was saved")
    assert body["extra"]["fields"][f"prices.{line.pk}"] == [
        "USD has 2 decimal places: round 10.999 to 2."
    ]
    missing = client.post(f"/api/v1/proposals/{data['id']}/submit/")
    assert missing.status_code == 400 and missing.json()["extra"]["fields"]


def test_a_stale_version_is_a_conflict(rfp, vendor_a):
    client = api_as(vendor_a)
    data = _draft(client, rfp)
    text = next(q for q in selectors.questions_of(rfp) if q.kind == QuestionKind.TEXT)
    payload = {"version": 1, "answers": [{"question": text.pk, "value": "First"}]}
    assert (
        client.put(f"/api/v1/proposals/{data['id']}/answers/", payload, format="json").status_code
        == 200
    )
    payload["answers"][0]["value"] = "Second"
    conflict = client.put(f"/api/v1/proposals/{data['id']}/answers/", payload, format="json")
    assert conflict.status_code == 409
    assert conflict.json()["extra"]["current_version"] == 2
    assert Proposal.objects.get(pk=data["id"]).answers.get().value == "First"


def test_late_and_uninvited_are_refused(rfp, vendor_a):
    proposal = fill(vendor_a, rfp)
    client = api_as(vendor_a)
    with time_machine.travel(rfp.submission_deadline + dt.timedelta(seconds=1), tick=False):
        late = client.post(f"/api/v1/proposals/{proposal.pk}/submit/")
    assert late.status_code == 409
    assert "deadline for proposals passed" in late.json()["message"]
    outsider = make_vendor("owner@outsider.example", "Outsider Ltd", "VN")
    refused = api_as(outsider).post("/api/v1/proposals/", {"rfp": rfp.pk}, format="json")
    assert refused.status_code == 404
    assert "not open to your company" in refused.json()["message"]


@pytest.mark.parametrize("role", ["buyer_admin", "procurement_manager", "other_buyer"])
def test_a_buyer_cannot_start_a_proposal_whatever_it_sends(request, rfp, role):
    client = api_as(request.getfixturevalue(role))
    for payload in ({}, {"rfp": rfp.pk}):
        refused = client.post("/api/v1/proposals/", payload, format="json")
        assert refused.status_code == 403, refused.content
        assert refused.json()["message"] == "This endpoint is for vendor companies."
    assert not Proposal.objects.exists()


def test_a_file_whose_content_does_not_match_is_refused(rfp, vendor_a, settings):
    client = api_as(vendor_a)
    data = _draft(client, rfp)
    url = f"/api/v1/proposals/{data['id']}/attachments/"
    fake = client.post(
        url,
        {"file": SimpleUploadedFile("plan.pdf", PNG, content_type="application/pdf")},
        format="multipart",
    )
    assert fake.status_code == 400
    assert "its content is a PNG file" in fake.json()["extra"]["fields"]["file"][0]
    text = client.post(
        url,
        {"file": SimpleUploadedFile("plan.pdf", b"just text", content_type="application/pdf")},
        format="multipart",
    )
    assert text.status_code == 400
    assert "content does not match" in text.json()["extra"]["fields"]["file"][0]
    settings.MAX_UPLOAD_SIZE = 100
    big = client.post(
        url,
        {"file": SimpleUploadedFile("big.pdf", PDF * 10, content_type="application/pdf")},
        format="multipart",
    )
    assert big.status_code == 400 and "the limit is" in big.json()["extra"]["fields"]["file"][0]
    assert not Proposal.objects.get(pk=data["id"]).attachments.exists()


def test_an_rfp_filter_no_column_can_hold_matches_nothing(rfp, vendor_a, buyer_admin):
    submit(vendor_a, fill(vendor_a, rfp))
    api = api_as(buyer_admin)
    assert api.get("/api/v1/proposals/", {"rfp": rfp.pk}).json()["count"] == 1
    assert api.get("/api/v1/proposals/", {"rfp": 10**30}).json()["count"] == 0


def test_the_versions_are_documented_as_the_array_they_are(rfp, vendor_a, client):
    proposal = fill(vendor_a, rfp)
    submit(vendor_a, proposal)
    versions = api_as(vendor_a).get(f"/api/v1/proposals/{proposal.pk}/versions/").json()
    assert [v["number"] for v in versions] == [1]
    schema = client.get("/api/schema/", {"format": "json"}).json()
    documented = schema["paths"]["/api/v1/proposals/{id}/versions/"]["get"]["responses"]["200"]
    assert documented["content"]["application/json"]["schema"] == {
        "type": "array",
        "items": {"$ref": "#/components/schemas/Receipt"},
    }


def test_the_schema_documents_the_proposal_endpoints(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    text = response.content.decode()
    for path in (
        "/api/v1/proposals/{id}/submit/",
        "/api/v1/proposals/{id}/lots/{lot}/prices/",
        "/api/v1/proposal-envelopes/{id}/open-commercial/",
    ):
        assert path in text


def test_a_vendor_reads_its_receipt_but_never_another_vendors(rfp, vendor_a, vendor_b):
    submit(vendor_b, fill(vendor_b, rfp))
    client = api_as(vendor_a)
    assert client.get("/api/v1/proposals/").json()["results"] == []
