"""Who sees what: evaluators see only their assignments; viewers read results;
vendors never see scores; other buyer organizations see nothing."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from scoring import award as award_services
from scoring import services
from tests.conftest import api_as
from tests.scoring import factories as f

pytestmark = pytest.mark.django_db


def get(user, url):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client.get(url)


@pytest.fixture
def roles(all_roles, evaluator2):
    return {**all_roles, "evaluator2": evaluator2}


PAGE_MATRIX = {
    # page: {role: status}; anonymous is sent to the log-in page.
    "scoring_results": {
        "admin": 200,
        "procurement_manager": 200,
        "viewer": 200,
        "evaluator": 403,
        "other_buyer": 404,
        "vendor_a": 404,
    },
    "scoring_criteria": {
        "admin": 200,
        "procurement_manager": 200,
        "viewer": 200,
        "evaluator": 403,
        "other_buyer": 404,
        "vendor_a": 404,
    },
    "scoring_panel": {
        "admin": 200,
        "procurement_manager": 200,
        "viewer": 403,
        "evaluator": 403,
        "other_buyer": 404,
        "vendor_a": 404,
    },
    "scoring_consensus": {
        "procurement_manager": 200,
        "viewer": 403,
        "evaluator": 403,
        "other_buyer": 404,
        "vendor_b": 404,
    },
    "scoring_award": {
        "procurement_manager": 200,
        "viewer": 200,
        "evaluator": 403,
        "other_buyer": 404,
        "vendor_b": 404,
    },
    "scoring_my_work": {
        "evaluator": 200,
        "procurement_manager": 403,
        "viewer": 403,
        "other_buyer": 404,
        "vendor_a": 404,
    },
}


@pytest.mark.parametrize("page", sorted(PAGE_MATRIX))
def test_page_matrix(scored, roles, page):
    url = reverse(page, args=[scored.rfp_id])
    for role, status in PAGE_MATRIX[page].items():
        assert get(roles[role], url).status_code == status, (page, role)
    anonymous = get(None, url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


def test_evaluators_see_only_their_assignments(started, roles, procurement_manager):
    evaluator, evaluator2 = roles["evaluator"], roles["evaluator2"]
    services.assignments_set(
        actor=procurement_manager,
        evaluation=started,
        evaluator=evaluator2,
        criteria=[f.main(started, "Technology")],
    )
    f.declare_none(evaluator2, started)
    proposal = started.rfp.proposals.first()
    page = get(evaluator2, reverse("scoring_score_vendor", args=[started.rfp_id, proposal.pk]))
    content = page.content.decode()
    assert page.status_code == 200
    assert "Security" in content and "References and experience" not in content
    # Someone not on the panel gets nothing, not even a vendor's page.
    client = api_as(evaluator2)
    assignments = client.get(f"/api/v1/evaluations/{started.rfp_id}/assignments/").json()
    assert {a["evaluator"] for a in assignments} == {evaluator2.pk}
    assert {
        a["evaluator"]
        for a in api_as(procurement_manager)
        .get(f"/api/v1/evaluations/{started.rfp_id}/assignments/")
        .json()
    } == {evaluator.pk, evaluator2.pk}


def test_a_vendor_page_needs_an_assignment(started, roles, procurement_manager):
    evaluator2 = roles["evaluator2"]
    services.assignments_set(
        actor=procurement_manager, evaluation=started, evaluator=evaluator2, criteria=[]
    )
    services.assignments_set(
        actor=procurement_manager,
        evaluation=started,
        evaluator=roles["evaluator"],
        criteria=[f.main(started, "Quality")],
    )
    proposal = started.rfp.proposals.first()
    url = reverse("scoring_score_vendor", args=[started.rfp_id, proposal.pk])
    assert get(evaluator2, url).status_code == 403  # off the panel altogether
    assert get(roles["viewer"], url).status_code == 403
    assert get(roles["vendor_a"], url).status_code == 404


API_MATRIX = {
    # endpoint suffix: {role: status}
    "results/": {
        "admin": 200,
        "procurement_manager": 200,
        "viewer": 200,
        "evaluator": 403,
        "other_buyer": 404,
        "vendor_a": 403,
        "anonymous": 401,
    },
    "consensus/": {
        "procurement_manager": 200,
        "viewer": 403,
        "evaluator": 403,
        "other_buyer": 404,
        "vendor_a": 403,
        "anonymous": 401,
    },
    "": {
        "procurement_manager": 200,
        "viewer": 200,
        "evaluator": 200,
        "other_buyer": 404,
        "vendor_b": 403,
        "anonymous": 401,
    },
    "awards/": {
        "admin": 200,
        "viewer": 200,
        "evaluator": 403,
        "other_buyer": 404,
        "vendor_b": 403,
    },
}


@pytest.mark.parametrize("suffix", sorted(API_MATRIX))
def test_api_matrix(scored, roles, suffix):
    url = f"/api/v1/evaluations/{scored.rfp_id}/{suffix}"
    for role, status in API_MATRIX[suffix].items():
        response = api_as(roles[role]).get(url)
        assert response.status_code == status, (suffix, role, response.content[:200])
        if status >= 400:
            assert "message" in response.json()


def test_evaluation_list_in_the_api(scored, roles, other_org):
    assert [
        e["rfp"] for e in api_as(roles["viewer"]).get("/api/v1/evaluations/").json()["results"]
    ] == [scored.rfp_id]
    assert api_as(roles["other_buyer"]).get("/api/v1/evaluations/").json()["results"] == []
    assert api_as(roles["vendor_a"]).get("/api/v1/evaluations/").status_code == 403


def test_scores_in_the_api_follow_the_rules(started, roles):
    evaluator, evaluator2 = roles["evaluator"], roles["evaluator2"]
    f.declare_none(evaluator, started)
    f.declare_none(evaluator2, started)
    f.score_all(evaluator2, started, default=6)  # submitted
    f.score_all(evaluator, started, default=7, submit=False)  # drafts
    url = f"/api/v1/evaluations/{started.rfp_id}/scores/"
    mine = api_as(evaluator).get(url).json()
    assert {s["evaluator"] for s in mine} == {evaluator.pk}  # nothing of the others yet
    viewer = api_as(roles["viewer"]).get(url).json()
    assert {s["evaluator"] for s in viewer} == {evaluator2.pk}  # drafts stay private

    services.scores_submit(actor=evaluator, evaluation=started)
    after = api_as(evaluator).get(url).json()
    assert {s["evaluator"] for s in after} == {evaluator.pk, evaluator2.pk}
    assert api_as(roles["vendor_a"]).get(url).status_code == 403
    assert api_as(roles["other_buyer"]).get(url).status_code == 404


def test_vendors_see_the_outcome_never_scores(scored, roles, procurement_manager, buyer_admin):

    award = award_services.award_propose(
        actor=procurement_manager,
        evaluation=scored,
        lot=scored.rfp.lots.get(),
        winners=[scored.rfp.proposals.get(company__legal_name="Bangalore Process Ltd")],
        justification="Lowest cost of ownership and strong commitments on every SLA.",
        notify_ranks=True,
    )
    award_services.award_approve(actor=buyer_admin, award=award)
    page = get(roles["vendor_a"], reverse("scoring_outcomes"))
    content = page.content.decode()
    assert page.status_code == 200
    assert "Awarded to another vendor" in content and "Your rank: 2 of 2" in content
    assert "points" not in content
    assert get(roles["procurement_manager"], reverse("scoring_outcomes")).status_code == 404
    for name in ("scoring_results", "scoring_award", "scoring_drilldown"):
        args = [scored.rfp_id] + ([scored.rfp.proposals.first().pk] if "drill" in name else [])
        assert get(roles["vendor_a"], reverse(name, args=args)).status_code == 404
