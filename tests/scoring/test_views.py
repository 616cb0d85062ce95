"""The scoring pages: forms with an error summary and kept input, the evaluator's
journey, consensus, results with the what-if panel (htmx and plain), the award."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import BuyerRole
from proposals.models import Proposal
from rfp.services import rfp_create
from scoring import services
from scoring.models import (
    AwardDecision,
    ConflictDeclaration,
    ConsensusScore,
    Criterion,
    Evaluation,
    EvaluatorScore,
    WeightMatrix,
)
from scoring.selectors import evaluator_dashboard
from tests.conftest import add_member, api_as
from tests.scoring import factories as f

pytestmark = pytest.mark.django_db


def login(user):
    client = Client()
    client.force_login(user)
    return client


def url(name, *args):
    return reverse(name, args=args)


def test_set_up_from_the_page(procurement_manager):
    """A draft from a blank page: the editor's "Evaluation criteria" step leads to the
    set-up, which gives it the standard criteria."""
    draft = rfp_create(actor=procurement_manager, title="Blank draft")
    client = login(procurement_manager)
    step = client.get(url("rfp_edit", draft.pk, "evaluation"))
    assert step.status_code == 302 and step["Location"] == url("scoring_overview", draft.pk)
    page = client.get(step["Location"])
    assert page.status_code == 200 and "Set up the criteria" in page.content.decode()
    response = client.post(url("scoring_setup", draft.pk))
    assert response.status_code == 302 and response["Location"] == url("scoring_criteria", draft.pk)
    assert Evaluation.objects.filter(rfp=draft, set_after_publication=False).exists()
    step = client.get(url("rfp_edit", draft.pk, "evaluation"))
    assert step["Location"] == url("scoring_criteria", draft.pk)
    criteria = client.get(step["Location"]).content.decode()
    assert "They lock when the RFP is published" in criteria


def test_weights_form_shows_errors_and_keeps_input(draft_evaluation, procurement_manager):
    client = login(procurement_manager)
    tops = list(Criterion.objects.filter(evaluation=draft_evaluation, parent=None))
    data = {f"weight_{c.pk}": "30" for c in tops}
    response = client.post(url("scoring_weights", draft_evaluation.rfp_id, "top"), data)
    content = response.content.decode()
    assert response.status_code == 400
    assert "error-summary" in content and "add up to 120 %" in content
    assert 'value="30"' in content
    data = {f"weight_{c.pk}": w for c, w in zip(tops, ["40", "30", "20", "10"], strict=True)}
    response = client.post(url("scoring_weights", draft_evaluation.rfp_id, "top"), data)
    assert response.status_code == 302
    assert Criterion.objects.get(pk=tops[2].pk).weight == 20


def test_ahp_form(draft_evaluation, procurement_manager):
    client = login(procurement_manager)
    quality = f.main(draft_evaluation, "Quality")
    page = client.get(url("scoring_ahp", draft_evaluation.rfp_id, quality.pk))
    assert page.status_code == 200
    children = list(Criterion.objects.filter(parent=quality))
    data = {}
    for i, first in enumerate(children):
        for second in children[i + 1 :]:
            data[f"pair_{first.pk}_{second.pk}"] = "3" if i == 0 else "1"
    response = client.post(url("scoring_ahp", draft_evaluation.rfp_id, quality.pk), data)
    assert response.status_code == 302
    assert WeightMatrix.objects.filter(parent=quality).exists()
    page = client.get(response["Location"]).content.decode()
    assert "Consistency ratio" in page and "λmax" in page
    criteria = client.get(url("scoring_criteria", draft_evaluation.rfp_id)).content.decode()
    assert "weights derived by AHP" in criteria


def test_criterion_pages(draft_evaluation, procurement_manager):
    client = login(procurement_manager)
    quality = f.main(draft_evaluation, "Quality")
    response = client.post(
        url("scoring_criterion_new", draft_evaluation.rfp_id) + f"?parent={quality.pk}",
        {"name": "", "source": "evaluators"},
    )
    assert response.status_code == 400 and "error-summary" in response.content.decode()
    response = client.post(
        url("scoring_criterion_new", draft_evaluation.rfp_id) + f"?parent={quality.pk}",
        {"name": "Cultural fit", "source": "evaluators", "rubric": "Values and style."},
    )
    assert response.status_code == 302
    added = Criterion.objects.get(name="Cultural fit")
    assert added.parent == quality
    response = client.post(url("scoring_criterion_delete", draft_evaluation.rfp_id, added.pk))
    assert response.status_code == 302 and not Criterion.objects.filter(pk=added.pk).exists()


def test_after_the_deadline_the_method_page_changes_only_the_threshold(
    started, procurement_manager
):
    client = login(procurement_manager)
    page = client.get(url("scoring_method", started.rfp_id)).content.decode()
    assert "locked for good" in page
    assert re.search(r'<input type="radio" name="ranking_method"[^>]*disabled', page)
    # The locked fields are shown, not offered: a forged value is ignored.
    response = client.post(
        url("scoring_method", started.rfp_id),
        {"ranking_method": "topsis", "aggregation": "median", "discussion_threshold": "3"},
    )
    assert response.status_code == 302
    saved = Evaluation.objects.get(pk=started.pk)
    assert (saved.ranking_method, saved.aggregation) == ("weighted_sum", "mean")
    response = client.post(
        url("scoring_method", started.rfp_id),
        {"ranking_method": "weighted_sum", "aggregation": "mean", "discussion_threshold": "4"},
    )
    assert response.status_code == 302
    assert Evaluation.objects.get(pk=started.pk).discussion_threshold == 4
    # Adding a criterion after the deadline is refused with a page saying why.
    response = client.post(
        url("scoring_criterion_new", started.rfp_id), {"name": "Late", "source": "evaluators"}
    )
    assert response.status_code == 409 and not Criterion.objects.filter(name="Late").exists()


def test_panel_and_start(evaluation, procurement_manager, evaluator):
    client = login(procurement_manager)
    page = client.get(url("scoring_panel", evaluation.rfp_id))
    assert page.status_code == 200 and str(evaluator) in page.content.decode()
    security = f.leaf(evaluation, "Security")
    response = client.post(
        url("scoring_panel", evaluation.rfp_id),
        {
            "evaluator": evaluator.pk,
            f"u{evaluator.pk}-criteria": [security.pk],
            f"u{evaluator.pk}-lot": "",
        },
    )
    assert response.status_code == 302
    assert list(
        evaluation.assignments.filter(evaluator=evaluator).values_list("criterion_id", flat=True)
    ) == [security.pk]
    check = client.get(url("scoring_start", evaluation.rfp_id))
    assert check.status_code == 200
    response = client.post(url("scoring_start", evaluation.rfp_id))
    assert response.status_code == 302
    assert Evaluation.objects.get(pk=evaluation.pk).scoring_started_at is not None


def test_the_evaluators_journey(started, evaluator):
    client = login(evaluator)
    rfp_id = started.rfp_id
    page = client.get(url("scoring_my_work", rfp_id)).content.decode()
    assert "Declare your conflicts of interest first" in page and "0 of 10" in page
    companies = list(Proposal.objects.filter(rfp_id=rfp_id).values_list("company_id", flat=True))
    response = client.post(url("scoring_conflicts", rfp_id), {f"conflict_{companies[0]}": "no"})
    assert response.status_code == 400  # the other vendor is not answered
    response = client.post(
        url("scoring_conflicts", rfp_id),
        {f"conflict_{companies[0]}": "no", f"conflict_{companies[1]}": "yes"},
    )
    assert response.status_code == 400 and "Describe the conflict" in response.content.decode()
    response = client.post(
        url("scoring_conflicts", rfp_id),
        {f"conflict_{c}": "no" for c in companies},
    )
    assert response.status_code == 302
    assert ConflictDeclaration.objects.filter(evaluator=evaluator).count() == 2

    for proposal in Proposal.objects.filter(rfp_id=rfp_id):
        page = client.get(url("scoring_score_vendor", rfp_id, proposal.pk))
        assert page.status_code == 200
        lot = started.rfp.lots.get().pk
        criteria = Criterion.objects.filter(evaluation=started, source="evaluators")
        data = {f"score_{c.pk}-{lot}": "7" for c in criteria}
        first = criteria.first()
        data[f"score_{first.pk}-{lot}"] = "10"
        response = client.post(url("scoring_score_vendor", rfp_id, proposal.pk), data)
        content = response.content.decode()
        assert response.status_code == 400 and "needs a comment" in content
        assert f'id="id_comment_{first.pk}-{lot}_error"' in content
        data[f"comment_{first.pk}-{lot}"] = "Outstanding references, all confirmed."
        response = client.post(url("scoring_score_vendor", rfp_id, proposal.pk), data)
        assert response.status_code == 302
    page = client.get(url("scoring_my_work", rfp_id)).content.decode()
    assert "10 of 10" in page
    check = client.get(url("scoring_submit", rfp_id))
    assert "Outstanding references" in check.content.decode()
    response = client.post(url("scoring_submit", rfp_id))
    assert response.status_code == 302
    assert not EvaluatorScore.objects.filter(evaluator=evaluator, submitted_at__isnull=True)


def test_consensus_pages(scored, procurement_manager):
    client = login(procurement_manager)
    rfp_id = scored.rfp_id
    page = client.get(url("scoring_consensus", rfp_id) + "?show=all")
    assert page.status_code == 200 and "Set consensus" in page.content.decode()
    criterion = f.leaf(scored, "Security")
    proposal = Proposal.objects.filter(rfp_id=rfp_id).first()
    lot = scored.rfp.lots.get()
    item = url("scoring_consensus_item", rfp_id, criterion.pk, proposal.pk, lot.pk)
    response = client.post(item, {"score": "8", "justification": "short"})
    assert response.status_code == 400
    response = client.post(
        item, {"score": "8.5", "justification": "Agreed after the panel's discussion on Monday."}
    )
    assert response.status_code == 302
    assert ConsensusScore.objects.get().score == 8.5
    response = client.post(item, {"clear": "1"})
    assert response.status_code == 302 and not ConsensusScore.objects.exists()


def test_results_page_and_what_if(scored, viewer):
    client = login(viewer)
    rfp_id = scored.rfp_id
    page = client.get(url("scoring_results", rfp_id)).content.decode()
    assert "Ranking" in page and "<svg" in page and "How robust is the recommendation?" in page
    assert "Most critical criterion:" in page
    assert "Why Bangalore Process Ltd" in page and "Cost (40 % of the total)" in page
    assert page.index("Bangalore Process Ltd") < page.index("Manila Contact Co")
    location = f.main(scored, "Location")
    cost = f.main(scored, "Cost")
    params = f"?partial=what-if&w_{cost.pk}=10&w_{location.pk}=60"
    partial = client.get(url("scoring_results", rfp_id) + params, HTTP_HX_REQUEST="true")
    content = partial.content.decode()
    assert partial.status_code == 200 and "<html" not in content
    assert "What-if, not saved" in content
    assert content.index("Manila Contact Co") < content.index("Bangalore Process Ltd")
    # Without htmx the same form shows the whole page with those weights.
    plain = client.get(url("scoring_results", rfp_id) + params).content.decode()
    assert "<html" in plain and "What-if, not saved" in plain
    assert Criterion.objects.get(pk=cost.pk).weight == 40


def test_drilldown_page(scored, procurement_manager):
    proposal = Proposal.objects.get(rfp_id=scored.rfp_id, company__legal_name="Manila Contact Co")
    page = login(procurement_manager).get(url("scoring_drilldown", scored.rfp_id, proposal.pk))
    content = page.content.decode()
    assert page.status_code == 200
    assert "$5,696,000.00" in content and "Dedicated agent, fully loaded" in content
    assert "Makati" in content and "Offshore" in content
    assert "How this is computed" in content


def test_award_pages(scored, procurement_manager, buyer_admin):
    rfp_id = scored.rfp_id
    lot = scored.rfp.lots.get()
    winner = Proposal.objects.get(rfp_id=rfp_id, company__legal_name="Bangalore Process Ltd")
    client = login(procurement_manager)
    form = client.get(url("scoring_award_propose", rfp_id, lot.pk))
    assert form.status_code == 200
    data = {
        "winners": [winner.pk],
        "justification": "Lowest cost of ownership and every SLA within reach.",
        "notify_ranks": "on",
    }
    check = client.post(url("scoring_award_propose", rfp_id, lot.pk), {**data, "step": "check"})
    assert check.status_code == 200 and "Check the award" in check.content.decode()
    assert not AwardDecision.objects.exists()
    response = client.post(url("scoring_award_propose", rfp_id, lot.pk), data)
    assert response.status_code == 302
    award = AwardDecision.objects.get()
    page = login(procurement_manager).get(url("scoring_award_decide", rfp_id, award.pk))
    assert page.status_code == 403  # only admins decide
    admin = login(buyer_admin)
    response = admin.post(url("scoring_award_decide", rfp_id, award.pk), {"decision": "return"})
    assert response.status_code == 400  # a comment is needed to send it back
    response = admin.post(url("scoring_award_decide", rfp_id, award.pk), {"decision": "approve"})
    assert response.status_code == 302
    award.refresh_from_db()
    assert award.status == "approved"
    page = admin.get(url("scoring_award", rfp_id)).content.decode()
    assert "Approved by" in page


def test_finalise_page(buyer_admin, procurement_manager, vendor_a, vendor_b, evaluator):
    rfp = f.make_rfp(procurement_manager, buyer_admin, [vendor_a, vendor_b], two_envelopes=True)
    f.submit(vendor_a, rfp, f.Bid())
    f.submit(vendor_b, rfp, f.Bid(prices=f.PRICES_B))
    rfp = f.pass_deadline(rfp)

    evaluation = services.evaluation_setup(actor=procurement_manager, rfp=rfp)
    f.setup_panel(procurement_manager, evaluation, [evaluator])
    evaluation = f.start(procurement_manager, f.fresh(evaluation))
    client = login(procurement_manager)
    response = client.post(url("scoring_finalise", rfp.pk), {"comment": ""})
    assert response.status_code == 409 and "still need" in response.content.decode()
    f.declare_none(evaluator, evaluation)
    f.score_all(evaluator, evaluation)
    response = client.post(url("scoring_finalise", rfp.pk), {"comment": "Technical scores final."})
    assert response.status_code == 302
    page = client.get(url("scoring_results", rfp.pk)).content.decode()
    assert "Technical ranking" not in page
    assert '<th scope="col" class="num">Cost <span' in page  # cost is ranked now


def test_evaluator_dashboard_leads_to_scoring_not_to_sealed_proposals(
    scored, evaluator, procurement_manager
):
    """An evaluator may not read proposals (only score them): the dashboard shows the
    evaluations they sit on, with their progress, and no Proposals panel."""
    html = login(evaluator).get(url("dashboard")).content.decode()
    assert "Your scoring" in html
    assert url("scoring_my_work", scored.rfp_id) in html
    assert "scores submitted" in html
    assert url("proposal_list") not in html
    manager = login(procurement_manager).get(url("dashboard")).content.decode()
    assert "Your scoring" not in manager and url("proposal_list") in manager


def test_evaluator_dashboard_queries_do_not_grow_with_evaluations(
    scored, evaluator, django_assert_max_num_queries
):
    assert evaluator.buyer_membership  # read once a request already (the time-zone middleware)
    with django_assert_max_num_queries(2):
        tasks = evaluator_dashboard(evaluator)
    assert [t.rfp.pk for t in tasks] == [scored.rfp_id]
    assert tasks[0].submitted > 0 and tasks[0].drafted == 0


def test_what_if_weights_are_checked_alike_by_the_page_and_the_api(scored, viewer):
    """One rule (scoring_results.what_if_weights): a criterion of another evaluation is not
    found, a weight outside 0-100 is refused, on the page as through the API."""
    rfp_id = scored.rfp_id
    cost = f.main(scored, "Cost").pk
    page = login(viewer)
    api = api_as(viewer)
    api_url = f"/api/v1/evaluations/{rfp_id}/what-if/"
    assert page.get(url("scoring_results", rfp_id) + "?w_999999=10").status_code == 404
    assert page.get(url("scoring_results", rfp_id) + "?w_abc=10").status_code == 404
    assert api.post(api_url, {"weights": {"999999": "10"}}, format="json").status_code == 404
    refused = page.get(url("scoring_results", rfp_id) + f"?w_{cost}=150")
    assert refused.status_code == 400
    assert "must be a number from 0 to 100" in refused.content.decode()
    assert page.get(url("scoring_results", rfp_id) + f"?w_{cost}=abc").status_code == 400
    assert api.post(api_url, {"weights": {str(cost): "150"}}, format="json").status_code == 400
    assert page.get(url("scoring_results", rfp_id) + f"?w_{cost}=10").status_code == 200


def test_the_evaluations_list_is_the_same_on_the_page_and_through_the_api(
    scored, evaluator, viewer, buyer_org
):
    """Evaluators see only the evaluations they score for; readers see every one."""
    outsider = add_member(buyer_org, "unassigned@buyer.example", BuyerRole.EVALUATOR)
    reference = scored.rfp.reference
    for user, expected in ((evaluator, True), (viewer, True), (outsider, False)):
        page = login(user).get(url("scoring_list")).content.decode()
        listed = api_as(user).get("/api/v1/evaluations/").json()
        rows = listed["results"] if isinstance(listed, dict) else listed
        assert (reference in page) is expected, user
        assert any(row["rfp"] == scored.rfp_id for row in rows) is expected, user
