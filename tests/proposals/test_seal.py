"""The seal from every door: pages, API, Django admin and the selectors that
scoring and reports use. Before the deadline a buyer (admin included) sees
that a vendor submitted and when, nothing else; after it, the content."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from accounts.models import User
from proposals import selectors
from proposals.selectors import ProposalsSealedError
from rfp.models import QuestionKind
from tests.conftest import api_as
from tests.proposals.factories import fill, pass_deadline, submit

pytestmark = pytest.mark.django_db

SECRET_ANSWER = "Zanzibar-7731 programme for a regional health insurer"
SECRET_PRICE = "4321.09"
SECRET_SHOWN = ("4321.09", "4,321.09", SECRET_ANSWER)


@pytest.fixture
def submitted(rfp, vendor_a):
    text = next(q for q in rfp.sections.first().questions.all() if q.kind == QuestionKind.TEXT)
    proposal = fill(vendor_a, rfp, price=SECRET_PRICE, answers={text.pk: SECRET_ANSWER})
    submit(vendor_a, proposal)
    return proposal


def _assert_no_content(body: str) -> None:
    for secret in SECRET_SHOWN:
        assert secret not in body


BUYER_PAGES = ("proposal_rfp_list", "proposal_rfp_answers", "proposal_rfp_prices")


@pytest.mark.parametrize("role", ["buyer_admin", "procurement_manager", "viewer"])
def test_pages_show_only_who_and_when_before_the_deadline(request, client, rfp, submitted, role):
    user = request.getfixturevalue(role)
    client.force_login(user)
    for name in BUYER_PAGES:
        response = client.get(reverse(name, args=[rfp.pk]))
        assert response.status_code == 200
        body = response.content.decode()
        _assert_no_content(body)
        assert "Sealed until the deadline" in body
    listing = client.get(reverse("proposal_rfp_list", args=[rfp.pk])).content.decode()
    assert submitted.company.display_name in listing
    response = client.get(reverse("proposal_detail", args=[submitted.pk]))
    assert response.status_code == 200
    _assert_no_content(response.content.decode())
    download = client.get(reverse("proposal_attachment_download", args=[submitted.pk, 1]))
    assert download.status_code in (403, 404)


def test_evaluators_do_not_even_see_who_submitted(client, rfp, submitted, evaluator):
    client.force_login(evaluator)
    for name in BUYER_PAGES:
        response = client.get(reverse(name, args=[rfp.pk]))
        assert response.status_code == 404
        _assert_no_content(response.content.decode())


def test_pages_show_the_content_after_the_deadline(client, rfp, submitted, procurement_manager):
    rfp = pass_deadline(rfp)
    client.force_login(procurement_manager)
    answers = client.get(reverse("proposal_rfp_answers", args=[rfp.pk])).content.decode()
    assert SECRET_ANSWER in answers
    prices = client.get(reverse("proposal_rfp_prices", args=[rfp.pk])).content.decode()
    assert "$4,321.09" in prices
    detail = client.get(reverse("proposal_detail", args=[submitted.pk])).content.decode()
    assert SECRET_ANSWER in detail and "$4,321.09" in detail


def test_the_api_shows_only_who_and_when_before_the_deadline(rfp, submitted, buyer_admin):
    client = api_as(buyer_admin)
    listing = client.get("/api/v1/proposals/")
    assert listing.status_code == 200
    (row,) = listing.json()["results"]
    assert row["sealed"] is True
    assert set(row) == {
        "id",
        "rfp",
        "company",
        "status",
        "submitted_at",
        "withdrawn_at",
        "sealed",
        "commercial_open",
    }
    detail = client.get(f"/api/v1/proposals/{submitted.pk}/")
    assert detail.status_code == 200
    assert "content" not in detail.json() and "compliance" not in detail.json()
    _assert_no_content(json.dumps(listing.json()) + json.dumps(detail.json()))


def test_the_api_shows_the_content_after_the_deadline(rfp, submitted, buyer_admin):
    rfp = pass_deadline(rfp)
    detail = api_as(buyer_admin).get(f"/api/v1/proposals/{submitted.pk}/").json()
    assert detail["sealed"] is False and detail["commercial_open"] is True
    assert SECRET_ANSWER in json.dumps(detail["content"])
    assert detail["content"]["lots"][0]["prices"][0]["unit_price"] == SECRET_PRICE
    assert detail["costs"][0]["total_in_rfp_currency"]
    assert detail["compliance"]["status"] in ("compliant", "non_compliant")


def test_the_admin_hides_the_content_before_the_deadline(client, rfp, submitted):
    operator = User.objects.create_superuser(email="ops@bpo-portal.example", password="x" * 12)
    client.force_login(operator)
    url = reverse("admin:proposals_proposal_change", args=[submitted.pk])
    body = client.get(url).content.decode()
    assert "Sealed until the deadline" in body
    _assert_no_content(body)
    assert submitted.versions.get().sha256 not in body  # not even the receipt's inline
    listing = client.get(reverse("admin:proposals_proposal_changelist")).content.decode()
    _assert_no_content(listing)
    rfp = pass_deadline(rfp)
    body = client.get(url).content.decode()
    assert SECRET_ANSWER in body and SECRET_PRICE in body


def test_the_admin_cannot_change_proposals(client, submitted):
    operator = User.objects.create_superuser(email="ops@bpo-portal.example", password="x" * 12)
    client.force_login(operator)
    response = client.post(
        reverse("admin:proposals_proposal_change", args=[submitted.pk]), {"status": "draft"}
    )
    assert response.status_code == 403


def test_the_selectors_for_scoring_and_reports_refuse_before_the_deadline(rfp, submitted):
    with pytest.raises(ProposalsSealedError) as sealed:
        selectors.proposals_for_evaluation(rfp=rfp)
    assert "sealed until the submission deadline" in sealed.value.message
    with pytest.raises(ProposalsSealedError):
        selectors.proposal_costs_for_evaluation(rfp=rfp)
    rfp = pass_deadline(rfp)
    (item,) = selectors.proposals_for_evaluation(rfp=rfp)
    assert SECRET_ANSWER in item.content.answers.values()
    costs = selectors.proposal_costs_for_evaluation(rfp=rfp)
    assert costs[submitted.pk]


def test_the_buyer_list_reads_no_content_while_sealed(
    rfp, submitted, buyer_admin, django_assert_num_queries
):
    access = selectors.proposal_access(buyer_admin, rfp)
    rows, lots = selectors.buyer_proposal_rows(rfp, access)
    assert [row.submitted for row in rows] == [None] and lots == []
    assert "submitted_version" not in rows[0].proposal.__dict__.get("_state").fields_cache


def test_drafts_are_invisible_to_buyers(rfp, vendor_b, buyer_admin, client):
    draft = fill(vendor_b, rfp)
    assert not selectors.proposals_visible_to(buyer_admin).filter(pk=draft.pk).exists()
    client.force_login(buyer_admin)
    assert client.get(reverse("proposal_detail", args=[draft.pk])).status_code == 404
    assert api_as(buyer_admin).get(f"/api/v1/proposals/{draft.pk}/").status_code == 404
    body = client.get(reverse("proposal_rfp_list", args=[rfp.pk])).content.decode()
    assert draft.company.display_name not in body
