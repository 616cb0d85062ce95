"""evaluation_results: the ranking, per-criterion points, what-if weights (nothing
saved), TOPSIS, sensitivity in words, and the shape the API documents."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal
from types import SimpleNamespace

import pytest

from bpo_portal.errors import NotFoundError
from proposals.models import Proposal
from proposals.services import proposal_compliance_override
from rfp.models import RFP
from scoring import award as award_services
from scoring import results as scoring_results
from scoring import selectors, services
from scoring.api import serializers as s
from scoring.models import Criterion
from tests.scoring import factories as f
from vendors.models import VendorCompany

pytestmark = pytest.mark.django_db


def test_ranking_points_add_up(scored, procurement_manager):
    results = scoring_results.evaluation_results(rfp=scored.rfp, user=procurement_manager)
    lot = results.lots[0]
    assert [p.vendor for p in lot.ranking] == ["Bangalore Process Ltd", "Manila Contact Co"]
    assert [p.rank for p in lot.ranking] == [1, 2]
    for proposal in lot.ranking:
        assert sum(c.contribution for c in proposal.criteria) == pytest.approx(
            proposal.total_points
        )
        assert sum(leaf.contribution for leaf in proposal.leaves) == pytest.approx(
            proposal.total_points
        )
        assert [c.name for c in proposal.criteria] == ["Cost", "Quality", "Technology", "Location"]
    # Both evaluators gave 7 everywhere: 7 out of 10 is 70 points, whoever else bids
    # (scores are normalised on their own scale, not against the best vendor).
    b = lot.ranking[0]
    assert b.leaf(f.leaf(scored, "Automation").pk).points == pytest.approx(70.0)
    assert not lot.provisional and lot.provisional_note == ""
    assert lot.complete and lot.items_total == 10
    assert results.method == "weighted_sum" and not results.what_if


def test_what_if_changes_the_ranking_and_saves_nothing(scored, procurement_manager):
    cost = f.main(scored, "Cost")
    location = f.main(scored, "Location")
    before = {c.pk: c.weight for c in Criterion.objects.filter(evaluation=scored)}
    results = scoring_results.evaluation_results(
        rfp=scored.rfp,
        user=procurement_manager,
        weights={cost.pk: Decimal("10"), location.pk: Decimal("60")},
    )
    assert results.what_if
    main = {c.name: c for c in results.criteria}
    # 10 + 30 + 15 + 60 = 115, rescaled to 100 %.
    assert main["Cost"].global_percent == pytest.approx(100 * 10 / 115)
    assert main["Location"].weight_percent == 60
    # Manila's 24/7 centre overlaps the buyer's hours; Bangalore's does not.
    assert results.lots[0].winner.vendor == "Manila Contact Co"
    assert {c.pk: c.weight for c in Criterion.objects.filter(evaluation=scored)} == before


def test_sensitivity_in_words(scored, procurement_manager):
    """Triantaphyllou & Sánchez (1997) as published: one weight moves, the others stay."""
    results = scoring_results.evaluation_results(rfp=scored.rfp, user=procurement_manager)
    lot = results.lots[0]
    cost = next(line for line in lot.sensitivity if line.name == "Cost")
    assert cost.direction == "fall" and cost.new_winner == "Manila Contact Co"
    assert cost.message.startswith("The weight of Cost would have to fall by ")
    assert "from 40 % to " in cost.message and "with the other weights unchanged" in cost.message
    assert "for Manila Contact Co to draw level with Bangalore Process Ltd" in cost.message
    assert cost.relative_change_percent == pytest.approx(
        (cost.new_percent - cost.current_percent) / cost.current_percent * 100
    )
    # Check the claim: Cost at its new raw weight, the other weights unchanged (the what-if
    # rescales the four to 100 %, which changes no order), and the two totals are equal.
    at = scoring_results.evaluation_results(
        rfp=scored.rfp,
        user=procurement_manager,
        weights={f.main(scored, "Cost").pk: cost.new_percent},
    )
    totals = [p.total_points for p in at.lots[0].ranking]
    assert totals[0] == pytest.approx(totals[1], abs=1e-6)
    # Criteria that cannot change the winner are named as such.
    assert "Quality › Knock-out questions" in lot.robust_criteria
    # The headline (percent-top critical criterion) is the list's first line, and the
    # list is ordered by the size of the relative change.
    assert lot.most_critical == lot.sensitivity[0].name
    changes = [
        abs(line.relative_change_percent)
        for line in lot.sensitivity
        if line.relative_change_percent is not None
    ]
    assert changes == sorted(changes)
    # Two vendors: the only pair is the top pair, so percent-any names the same criterion.
    assert lot.most_critical_any == lot.most_critical
    assert lot.most_critical_any_message


def by_topsis(pm, evaluation):
    services.evaluation_settings_update(
        actor=pm,
        evaluation=evaluation,
        ranking_method="topsis",
        aggregation="mean",
        discussion_threshold="3",
    )


def quality_by_ahp(pm, evaluation):
    quality = f.main(evaluation, "Quality")
    children = list(Criterion.objects.filter(parent=quality))
    n = len(children)
    services.weights_set_by_ahp(
        actor=pm,
        evaluation=evaluation,
        parent=quality,
        criterion_ids=[c.pk for c in children],
        matrix=[[1] * n for _ in range(n)],
    )


@pytest.mark.parametrize("before_publication", [by_topsis])  # the method locks at publication
def test_topsis(scored, procurement_manager):
    results = scoring_results.evaluation_results(rfp=scored.rfp, user=procurement_manager)
    lot = results.lots[0]
    assert results.method == "topsis"
    for proposal in lot.ranking:
        assert 0 <= proposal.total_points <= 100
        assert proposal.separation_ideal is not None
        assert proposal.total_points == pytest.approx(
            100
            * proposal.separation_anti_ideal
            / (proposal.separation_ideal + proposal.separation_anti_ideal)
        )
    assert lot.sensitivity and "Numeric search" in lot.sensitivity_note


@pytest.mark.parametrize("before_publication", [quality_by_ahp])  # while drafting
def test_criteria_tree_with_ahp(scored, procurement_manager):
    n = Criterion.objects.filter(parent=f.main(scored, "Quality")).count()
    results = scoring_results.evaluation_results(rfp=scored.rfp, user=procurement_manager)
    node = next(c for c in results.criteria if c.name == "Quality")
    assert node.ahp is not None and node.ahp.is_consistent
    assert [round(child.effective_percent, 6) for child in node.children] == [20.0] * n
    assert results.top_level_ahp is None


def test_incomplete_scores_are_reported(started, procurement_manager, evaluator):
    f.declare_none(evaluator, started)
    f.score_all(evaluator, started, submit=False)
    results = scoring_results.evaluation_results(rfp=started.rfp, user=procurement_manager)
    lot = results.lots[0]
    assert lot.items_missing == 10 and not results.complete
    assert lot.provisional and results.provisional
    assert results.provisional_note == lot.provisional_note == "Provisional: 10 items unscored."
    # An unscored item is never a silent 0: the proposal waits, with the reason.
    assert lot.ranking == ()
    assert len(lot.not_ranked) == 2
    waiting = lot.not_ranked[0]
    assert waiting.not_ranked_reason.startswith("Not ranked until scored: 5 items have no")
    leaf = waiting.leaf(f.leaf(started, "Security").pk)
    assert leaf.raw is None and leaf.raw_display == "not scored yet"


def test_one_lot_only(scored, procurement_manager):
    lot = scored.rfp.lots.get()
    results = scoring_results.evaluation_results(
        rfp=scored.rfp, user=procurement_manager, lot=lot.pk
    )
    assert [item.lot_id for item in results.lots] == [lot.pk]

    with pytest.raises(NotFoundError):
        scoring_results.evaluation_results(rfp=scored.rfp, user=procurement_manager, lot=999_999)


def schema_fields(serializer):
    return set(serializer.fields)


@pytest.mark.parametrize(
    ("dataclass_", "schema"),
    [
        (scoring_results.EvaluationResults, s.EvaluationResultsSchema),
        (scoring_results.LotResults, s.LotResultsSchema),
        (scoring_results.ProposalResult, s.ProposalResultSchema),
        (scoring_results.LeafScore, s.LeafScoreSchema),
        (scoring_results.CriterionScore, s.CriterionScoreSchema),
        (scoring_results.CriterionNode, s.CriterionNodeSchema),
        (selectors.AHPSummary, s.AHPSchema),
        (scoring_results.ItemScores, s.ItemScoresSchema),
        (scoring_results.SensitivityLine, s.SensitivitySchema),
        (scoring_results.AwardView, s.AwardViewSchema),
    ],
)
def test_the_documented_shape_matches_the_dataclasses(dataclass_, schema):
    assert {f.name for f in dataclasses.fields(dataclass_)} == schema_fields(schema())


def test_results_as_dict_is_json_ready(scored, procurement_manager):
    results = scoring_results.evaluation_results(rfp=scored.rfp, user=procurement_manager)
    data = scoring_results.results_as_dict(results)
    text = json.dumps(data)
    assert data["lots"][0]["ranking"][0]["tco"]["total"] == "4818000.00"
    assert "Total cost of ownership" in text


def test_a_non_compliant_proposal_is_excluded_from_the_ranking_and_the_sensitivity(
    scored, procurement_manager
):
    """The buyer rules Manila's proposal non-compliant: it leaves the ranking, is listed
    apart with the reason, and the sensitivity no longer names it as a rival (only
    awardable proposals are ranked). An override back to compliant brings it back."""
    manila = Proposal.objects.get(rfp=scored.rfp, company__legal_name="Manila Contact Co")
    before = scoring_results.evaluation_results(rfp=scored.rfp, user=procurement_manager).lots[0]
    cost = next(line for line in before.sensitivity if line.name == "Cost")
    assert cost.new_winner == "Manila Contact Co" and "non-compliant" not in cost.message
    proposal_compliance_override(
        actor=procurement_manager,
        proposal=manila,
        status="non_compliant",
        justification="The insurance certificate it sent has expired.",
    )
    after = scoring_results.evaluation_results(rfp=scored.rfp, user=procurement_manager).lots[0]
    assert "Manila Contact Co" not in [p.vendor for p in after.ranking]
    (excluded,) = after.not_ranked
    assert excluded.vendor == "Manila Contact Co" and not excluded.awardable
    assert excluded.not_ranked_reason == (
        "Excluded (non-compliant): ruled non-compliant by the buyer: "
        "The insurance certificate it sent has expired."
    )
    assert all(line.new_winner != "Manila Contact Co" for line in after.sensitivity)
    assert all(p.awardable for p in after.ranking)
    proposal_compliance_override(
        actor=procurement_manager,
        proposal=manila,
        status="compliant",
        justification="The renewed certificate arrived: it was valid at the deadline.",
    )
    back = scoring_results.evaluation_results(rfp=scored.rfp, user=procurement_manager).lots[0]
    assert "Manila Contact Co" in [p.vendor for p in back.ranking] and not back.not_ranked


def test_a_partly_scored_evaluation_is_provisional_and_ranks_only_what_is_scored(
    started, procurement_manager, evaluator, evaluator2
):
    """Evaluator 2 submitted everything, evaluator 1 nothing yet: every item has a score
    (ranked), but every item still waits for an assigned evaluator (provisional, no award).
    Then evaluator 1 submits: final."""
    f.declare_none(evaluator2, started)
    f.score_all(evaluator2, started, default=6)
    lot = scoring_results.evaluation_results(rfp=started.rfp, user=procurement_manager).lots[0]
    assert lot.items_missing == 0 and len(lot.ranking) == 2
    assert lot.provisional and lot.items_unscored == 10
    assert lot.provisional_note == "Provisional: 10 items unscored."
    security = lot.ranking[0].leaf(f.leaf(started, "Security").pk)
    assert security.raw_display == "6 / 10 (an assigned evaluator has not scored yet)"
    assert award_services.award_blockers(lot)[0].startswith(
        "The results are provisional: 10 item(s)"
    )
    f.declare_none(evaluator, started)
    f.score_all(evaluator, started, default=6)
    done = scoring_results.evaluation_results(rfp=started.rfp, user=procurement_manager)
    assert not done.provisional and done.items_unscored == 0 and done.provisional_note == ""
    assert award_services.award_blockers(done.lots[0]) == []


def test_a_conflicted_evaluator_does_not_keep_the_results_provisional(
    started, procurement_manager, evaluator, evaluator2
):
    f.declare_none(evaluator2, started)
    f.score_all(evaluator2, started)
    manila = Proposal.objects.get(rfp=started.rfp, company__legal_name="Manila Contact Co")
    bangalore = Proposal.objects.get(rfp=started.rfp, company__legal_name="Bangalore Process Ltd")
    services.conflicts_declare(
        actor=evaluator,
        evaluation=started,
        declarations={
            manila.company_id: services.Declaration(True, "My brother-in-law runs Manila."),
            bangalore.company_id: services.Declaration(False),
        },
    )
    f.score_all(evaluator, started)
    lot = scoring_results.evaluation_results(rfp=started.rfp, user=procurement_manager).lots[0]
    assert not lot.provisional and lot.items_unscored == 0


def test_scores_keep_their_meaning_when_a_vendor_leaves(scored, procurement_manager, evaluator):
    """On-scale normalisation: 7/10 is 70 points whoever else bids; only the cost column
    is relative (to the lowest TCO)."""
    results = scoring_results.evaluation_results(rfp=scored.rfp, user=procurement_manager)
    lot = results.lots[0]
    for proposal in lot.ranking:
        for leaf in proposal.leaves:
            if leaf.source == "evaluators":
                assert leaf.points == pytest.approx(leaf.raw * 10)
            elif leaf.source == "tco":
                lowest = min(p.leaf(leaf.criterion_id).raw for p in lot.ranking)
                assert leaf.points == pytest.approx(lowest / leaf.raw * 100)
            elif leaf.raw is not None:
                assert leaf.points == pytest.approx(leaf.raw)


def test_a_vendor_renamed_after_the_deadline_keeps_its_submitted_name(scored, procurement_manager):
    VendorCompany.objects.filter(legal_name="Manila Contact Co").update(
        legal_name="Renamed Holdings plc", trading_name="Renamed"
    )
    lot = scoring_results.evaluation_results(rfp=scored.rfp, user=procurement_manager).lots[0]
    names = [p.vendor for p in lot.all_proposals]
    assert "Manila Contact Co" in names and "Renamed" not in names
    assert all("Renamed" not in line.message for line in lot.sensitivity)


def test_why_the_first_is_recommended_covers_every_main_criterion(scored, procurement_manager):
    lot = scoring_results.evaluation_results(rfp=scored.rfp, user=procurement_manager).lots[0]
    first, second = lot.ranking[0], lot.ranking[1]
    assert [row.name for row in lot.why] == ["Cost", "Quality", "Technology", "Location"]
    # The gains per criterion add up to the margin (weighted sum).
    assert sum(row.gain for row in lot.why) == pytest.approx(
        first.total_points - second.total_points
    )
    cost = lot.why[0]
    assert cost.message.startswith(f"Cost (40 % of the total): {first.vendor} ")
    assert lot.why_summary.startswith(f"{first.vendor} leads {second.vendor} by ")


def _bid(pid: int, vendor: str, total: str):
    return SimpleNamespace(
        proposal_id=pid, vendor=vendor, tco=SimpleNamespace(total=Decimal(total))
    )


def test_abnormal_bids_are_flagged_against_the_median_of_compliant_bids():
    flags, note = scoring_results.abnormal_bids(
        [_bid(1, "A", "100000"), _bid(2, "B", "110000"), _bid(3, "C", "3000000")], "USD"
    )
    (high,) = flags  # thirty times the others
    assert high.vendor == "C" and high.kind == "high" and high.median == Decimal("110000")
    assert high.message == (
        "C: $3,000,000.00 is 2627 % above the median of the 3 compliant bids — abnormally "
        "high: ask the vendor to justify its price."
    )
    assert "median of the 3 compliant bids ($110,000.00)" in note
    flags, _ = scoring_results.abnormal_bids(
        [_bid(1, "A", "100"), _bid(2, "B", "150"), _bid(3, "C", "160")], "USD"
    )
    assert [(f.vendor, f.kind, round(f.difference_percent)) for f in flags] == [("A", "low", -33)]
    # 30 % exactly is not abnormal; one bid has no median to compare with.
    assert (
        scoring_results.abnormal_bids(
            [_bid(1, "A", "70"), _bid(2, "B", "100"), _bid(3, "C", "130")], "USD"
        )[0]
        == ()
    )
    assert scoring_results.abnormal_bids([_bid(1, "A", "70")], "USD") == (
        (),
        "Only one compliant bid has a price: there is no median to compare it with.",
    )


def test_the_budget_is_compared_with_the_recommended_and_the_lowest_bids(
    scored, procurement_manager
):
    RFP.objects.filter(pk=scored.rfp_id).update(budget=Decimal("1000000"))
    results = scoring_results.evaluation_results(
        rfp=RFP.objects.get(pk=scored.rfp_id), user=procurement_manager
    )
    lot = results.lots[0]
    assert lot.recommended_tco == lot.ranking[0].tco.total
    assert lot.lowest_tco == min(p.tco.total for p in lot.ranking)
    over = (lot.recommended_tco - 1000000) / 1000000 * 100
    assert results.budget_check.startswith(
        "The internal budget is $1,000,000.00. The recommended bids total "
    )
    assert f": {over:.0f} % over the budget." in results.budget_check
    RFP.objects.filter(pk=scored.rfp_id).update(budget=None)
    results = scoring_results.evaluation_results(
        rfp=RFP.objects.get(pk=scored.rfp_id), user=procurement_manager
    )
    assert results.budget_check == "No internal budget was set for this RFP."
