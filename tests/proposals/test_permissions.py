"""The permission matrix: vendor A never sees vendor B's proposal, nor on an
invite-only RFP even that B was invited; evaluators and viewers read after
opening but decide nothing; other organizations and anonymous visitors see
nothing."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from proposals import services
from proposals.models import ProposalAttachment
from tests.conftest import api_as
from tests.proposals.factories import fill, pass_deadline, submit
from tests.vendors.factories import pdf_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def both(rfp, vendor_a, vendor_b):
    mine = fill(vendor_a, rfp)
    theirs = fill(vendor_b, rfp)
    services.proposal_attachment_add(actor=vendor_b, proposal=theirs, upload=pdf_upload("b.pdf"))
    submit(vendor_a, mine)
    submit(vendor_b, theirs)
    return mine, theirs


def _vendor_urls(proposal) -> list[str]:
    lot = proposal.lots.get().lot_id
    attachment = ProposalAttachment.objects.filter(proposal=proposal).first()
    urls = [
        reverse("proposal_detail", args=[proposal.pk]),
        reverse("proposal_questionnaire", args=[proposal.pk]),
        reverse("proposal_settings", args=[proposal.pk]),
        reverse("proposal_lot_pricing", args=[proposal.pk, lot]),
        reverse("proposal_lot_slas", args=[proposal.pk, lot]),
        reverse("proposal_lot_centres", args=[proposal.pk, lot]),
        reverse("proposal_lot_staffing", args=[proposal.pk, lot]),
        reverse("proposal_attachments", args=[proposal.pk]),
        reverse("proposal_check", args=[proposal.pk]),
        reverse("proposal_receipt", args=[proposal.pk, 1]),
        reverse("proposal_withdraw", args=[proposal.pk]),
    ]
    if attachment:
        urls.append(reverse("proposal_attachment_download", args=[proposal.pk, attachment.pk]))
    return urls


def test_vendor_a_never_sees_vendor_b_s_proposal(client, both, vendor_a, vendor_b):
    mine, theirs = both
    client.force_login(vendor_a)
    for url in _vendor_urls(theirs):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("proposal_check", args=[theirs.pk])).status_code == 404
    api = api_as(vendor_a)
    assert api.get(f"/api/v1/proposals/{theirs.pk}/").status_code == 404
    assert api.post(f"/api/v1/proposals/{theirs.pk}/submit/").status_code == 404
    assert [row["id"] for row in api.get("/api/v1/proposals/").json()["results"]] == [mine.pk]
    for url in _vendor_urls(mine):
        assert client.get(url).status_code == 200, url


def test_on_an_invite_only_rfp_a_vendor_never_learns_who_else_was_invited(
    client, both, vendor_a, vendor_b
):
    mine, theirs = both
    other_name = theirs.company.display_name
    client.force_login(vendor_a)
    pages = [*_vendor_urls(mine), reverse("proposal_list"), reverse("dashboard")]
    for url in pages:
        body = client.get(url).content.decode()
        assert other_name not in body, url
    api = api_as(vendor_a)
    payloads = [
        api.get("/api/v1/proposals/").json(),
        api.get(f"/api/v1/proposals/{mine.pk}/").json(),
        api.get(f"/api/v1/proposals/{mine.pk}/versions/").json(),
    ]
    assert other_name not in json.dumps(payloads)
    # The buyer pages answer 404 to a vendor, whatever the RFP.
    rfp_id = mine.rfp_id
    for name in ("proposal_rfp_list", "proposal_rfp_answers", "proposal_rfp_prices"):
        assert client.get(reverse(name, args=[rfp_id])).status_code == 404


def test_evaluators_read_proposals_only_through_their_scoring_assignments(
    client, both, rfp, evaluator
):
    """An evaluator may have declared a conflict with a vendor, and must not see
    prices before the commercial envelope: the proposal pages and API are closed
    to them whatever the state (they read what they score in the scoring pages)."""
    mine, _ = both
    pass_deadline(rfp)
    client.force_login(evaluator)
    for name in ("proposal_rfp_list", "proposal_rfp_answers", "proposal_rfp_prices"):
        assert client.get(reverse(name, args=[rfp.pk])).status_code == 404
    assert client.get(reverse("proposal_detail", args=[mine.pk])).status_code == 404
    api = api_as(evaluator)
    assert api.get(f"/api/v1/proposals/{mine.pk}/").status_code == 404
    assert api.get("/api/v1/proposals/").json()["count"] == 0


@pytest.mark.parametrize("role", ["viewer"])
def test_viewers_read_after_opening_but_decide_nothing(request, client, both, rfp, role):
    mine, _ = both
    pass_deadline(rfp)
    user = request.getfixturevalue(role)
    client.force_login(user)
    assert client.get(reverse("proposal_rfp_answers", args=[rfp.pk])).status_code == 200
    detail = client.get(reverse("proposal_detail", args=[mine.pk])).content.decode()
    assert "Override the result" not in detail
    refused = client.post(
        reverse("proposal_compliance", args=[mine.pk]),
        {"status": "compliant", "justification": "An evaluator tries to decide."},
    )
    assert refused.status_code == 403
    assert "Only admins and procurement managers" in refused.content.decode()
    api = api_as(user)
    assert api.get(f"/api/v1/proposals/{mine.pk}/").json()["sealed"] is False
    assert (
        api.post(
            f"/api/v1/proposals/{mine.pk}/compliance-override/",
            {"status": "compliant", "justification": "Trying through the API."},
        ).status_code
        == 403
    )
    assert api.post(f"/api/v1/proposal-envelopes/{rfp.pk}/check-compliance/").status_code == 403


def test_another_buyer_organization_sees_nothing(client, both, rfp, other_buyer):
    mine, _ = both
    pass_deadline(rfp)
    client.force_login(other_buyer)
    for url in [
        reverse("proposal_rfp_list", args=[rfp.pk]),
        reverse("proposal_rfp_answers", args=[rfp.pk]),
        reverse("proposal_rfp_prices", args=[rfp.pk]),
        reverse("proposal_detail", args=[mine.pk]),
        reverse("proposal_rfp_open_commercial", args=[rfp.pk]),
    ]:
        assert client.get(url).status_code == 404, url
    api = api_as(other_buyer)
    assert api.get("/api/v1/proposals/").json()["results"] == []
    assert api.get(f"/api/v1/proposals/{mine.pk}/").status_code == 404
    assert api.get(f"/api/v1/proposal-envelopes/{rfp.pk}/").status_code == 404


def test_anonymous_visitors_are_asked_to_log_in(client, both, rfp):
    mine, _ = both
    response = client.get(reverse("proposal_detail", args=[mine.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get(reverse("proposal_rfp_list", args=[rfp.pk])).status_code == 302
    assert api_as(None).get("/api/v1/proposals/").status_code in (401, 403)


def test_buyers_cannot_write_proposals(both, procurement_manager):
    mine, _ = both
    api = api_as(procurement_manager)
    response = api.put(f"/api/v1/proposals/{mine.pk}/answers/", {"version": 1, "answers": []})
    assert response.status_code == 403
    assert api.post(f"/api/v1/proposals/{mine.pk}/submit/").status_code == 403
    assert api.post("/api/v1/proposals/", {"rfp": mine.rfp_id}).status_code == 403
