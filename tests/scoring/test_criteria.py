"""Criteria and weights while the RFP is drafted: set-up, direct weights, AHP, the
history, starting the scoring. The lock at publication: test_criteria_lock.py."""

from __future__ import annotations

from decimal import Decimal

import pytest

from accounts.models import AuditEvent
from bpo_portal.errors import ApplicationError, ConflictError, PermissionDeniedError
from proposals.selectors import ProposalsSealedError
from rfp.services import rfp_create
from scoring import selectors, services
from scoring.models import CriteriaChange, Criterion, Source, WeightMatrix
from tests.rfp.conftest import emails_to
from tests.scoring import factories as f

pytestmark = pytest.mark.django_db


def weights_of(evaluation, parent=None):
    return {
        c.name: c.weight for c in Criterion.objects.filter(evaluation=evaluation, parent=parent)
    }


def test_setup_creates_the_four_standard_criteria_with_weights_adding_up(procurement_manager):
    blank = rfp_create(actor=procurement_manager, title="An RFP from a blank page")
    evaluation = services.evaluation_setup(actor=procurement_manager, rfp=blank)
    tops = Criterion.objects.filter(evaluation=evaluation, parent=None)
    assert [c.name for c in tops] == ["Cost", "Quality", "Technology", "Location"]
    assert [c.standard for c in tops] == ["cost", "quality", "technology", "location"]
    tree = selectors.build_tree(selectors.criteria_of(evaluation))
    assert selectors.criteria_problems(evaluation, tree) == []
    _, global_ = selectors.global_weights(tree)
    leaves = selectors.leaves_of(tree)
    assert sum(global_[leaf.criterion.pk] for leaf in leaves) == pytest.approx(1.0)
    assert {leaf.criterion.source for leaf in leaves} >= {
        Source.TCO,
        Source.SLA,
        Source.EVALUATORS,
        Source.LOCATION_MODEL,
        Source.BUSINESS_HOURS,
        Source.LANGUAGES,
        Source.CERTIFICATIONS,
        Source.KNOCKOUTS,
    }
    # Calling it again returns the same evaluation.
    assert services.evaluation_setup(actor=procurement_manager, rfp=blank) == evaluation
    assert CriteriaChange.objects.filter(evaluation=evaluation).count() == 1
    assert not evaluation.set_after_publication


def test_only_managers_set_up_and_change_the_evaluation(
    draft_rfp, evaluator, viewer, draft_evaluation
):
    for user in (evaluator, viewer):
        with pytest.raises(PermissionDeniedError):
            services.evaluation_setup(actor=user, rfp=draft_rfp)
        with pytest.raises(PermissionDeniedError):
            services.weights_set(
                actor=user,
                evaluation=draft_evaluation,
                parent=None,
                weights={c.pk: 25 for c in Criterion.objects.filter(parent=None)},
            )


def test_other_organization_cannot_touch_it(other_buyer, draft_evaluation):
    with pytest.raises(PermissionDeniedError):
        services.criterion_create(
            actor=other_buyer, evaluation=draft_evaluation, name="Sneaky", source=Source.EVALUATORS
        )


def test_direct_weights_must_add_up_to_100(draft_evaluation, procurement_manager):
    tops = list(Criterion.objects.filter(evaluation=draft_evaluation, parent=None))
    with pytest.raises(ApplicationError) as error:
        services.weights_set(
            actor=procurement_manager,
            evaluation=draft_evaluation,
            parent=None,
            weights={c.pk: 20 for c in tops},
        )
    assert "add up to 80 %" in error.value.message
    assert "weights" in error.value.fields
    assert weights_of(draft_evaluation)["Cost"] == Decimal("40")  # nothing half-saved


def test_direct_weights_refuse_bad_values_and_missing_criteria(
    draft_evaluation, procurement_manager
):
    tops = list(Criterion.objects.filter(evaluation=draft_evaluation, parent=None))
    bad = {tops[0].pk: "-10", tops[1].pk: "60", tops[2].pk: "25", tops[3].pk: "25"}
    with pytest.raises(ApplicationError) as error:
        services.weights_set(
            actor=procurement_manager, evaluation=draft_evaluation, parent=None, weights=bad
        )
    assert f"weights.{tops[0].pk}" in error.value.fields
    with pytest.raises(ApplicationError) as error:
        services.weights_set(
            actor=procurement_manager,
            evaluation=draft_evaluation,
            parent=None,
            weights={tops[0].pk: "abc", tops[1].pk: 100},
        )
    assert "must be a number" in error.value.message
    with pytest.raises(ApplicationError) as error:
        services.weights_set(
            actor=procurement_manager,
            evaluation=draft_evaluation,
            parent=None,
            weights={tops[0].pk: 50, tops[1].pk: 50},
        )
    assert "each criterion" in error.value.message


def test_direct_weights_are_saved_and_recorded(draft_evaluation, procurement_manager):
    tops = {c.name: c for c in Criterion.objects.filter(evaluation=draft_evaluation, parent=None)}
    services.weights_set(
        actor=procurement_manager,
        evaluation=draft_evaluation,
        parent=None,
        weights={
            tops["Cost"].pk: "35",
            tops["Quality"].pk: "35",
            tops["Technology"].pk: "15",
            tops["Location"].pk: "15",
        },
    )
    assert weights_of(draft_evaluation)["Cost"] == Decimal("35")
    change = CriteriaChange.objects.filter(evaluation=draft_evaluation).first()
    assert "Cost 40 % → 35 %" in change.summary
    assert not change.after_lock
    assert AuditEvent.objects.filter(action="scoring.weights_set").exists()


def ahp_level(evaluation):
    quality = f.main(evaluation, "Quality")
    children = list(Criterion.objects.filter(parent=quality))
    return quality, children


def test_ahp_derives_weights_stores_the_matrix_and_reports_consistency(
    draft_evaluation, procurement_manager
):
    tops = list(Criterion.objects.filter(evaluation=draft_evaluation, parent=None))
    # Saaty's consistent 4x4 example: weights proportional to 4:2:1:1 (50/25/12.5/12.5).
    matrix = [
        [1, 2, 4, 4],
        [1 / 2, 1, 2, 2],
        [1 / 4, 1 / 2, 1, 1],
        [1 / 4, 1 / 2, 1, 1],
    ]
    services.weights_set_by_ahp(
        actor=procurement_manager,
        evaluation=draft_evaluation,
        parent=None,
        criterion_ids=[c.pk for c in tops],
        matrix=matrix,
    )
    weights = weights_of(draft_evaluation)
    assert weights == {
        "Cost": Decimal("50"),
        "Quality": Decimal("25"),
        "Technology": Decimal("12.5"),
        "Location": Decimal("12.5"),
    }
    stored = WeightMatrix.objects.get(evaluation=draft_evaluation, parent=None)
    summary = selectors.ahp_summary(stored, {c.pk: c.name for c in tops})
    assert summary.is_consistent
    assert summary.consistency_ratio == pytest.approx(0.0, abs=1e-9)
    assert summary.lambda_max == pytest.approx(4.0)


def test_ahp_flags_an_inconsistent_matrix_and_points_at_the_worst_judgement(
    draft_evaluation, procurement_manager
):
    quality, children = ahp_level(draft_evaluation)
    ids = [c.pk for c in children[:3]]
    # Cyclic judgements: A > B, B > C, but C > A strongly.
    services.criterion_delete(actor=procurement_manager, criterion=children[3])
    services.criterion_delete(actor=procurement_manager, criterion=children[4])
    judgements = {(0, 1): 3, (1, 2): 3, (0, 2): "1/5"}
    services.weights_set_by_ahp(
        actor=procurement_manager,
        evaluation=draft_evaluation,
        parent=quality,
        criterion_ids=ids,
        judgements=judgements,
    )
    stored = WeightMatrix.objects.get(evaluation=draft_evaluation, parent=quality)
    summary = selectors.ahp_summary(stored, {c.pk: c.name for c in children})
    assert not summary.is_consistent
    assert summary.consistency_ratio > 0.10
    assert summary.most_inconsistent is not None
    assert summary.suggested_value is not None
    assert "Inconsistent" in summary.message and "suggest" in summary.message
    # Still sums to 100 %.
    assert sum(weights_of(draft_evaluation, quality).values()) == Decimal("100")


def test_ahp_refuses_a_matrix_that_is_not_reciprocal(draft_evaluation, procurement_manager):
    tops = list(Criterion.objects.filter(evaluation=draft_evaluation, parent=None))
    matrix = [[1, 3, 1, 1], [3, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1]]
    with pytest.raises(ApplicationError) as error:
        services.weights_set_by_ahp(
            actor=procurement_manager,
            evaluation=draft_evaluation,
            parent=None,
            criterion_ids=[c.pk for c in tops],
            matrix=matrix,
        )
    assert "reciprocal" in error.value.message
    assert "matrix[1][0]" in error.value.fields
    assert not WeightMatrix.objects.exists()
    assert weights_of(draft_evaluation)["Cost"] == Decimal("40")


def test_ahp_refuses_values_outside_one_ninth_to_nine(draft_evaluation, procurement_manager):
    tops = list(Criterion.objects.filter(evaluation=draft_evaluation, parent=None))
    matrix = [[1, 12, 1, 1], [1 / 12, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1]]
    with pytest.raises(ApplicationError) as error:
        services.weights_set_by_ahp(
            actor=procurement_manager,
            evaluation=draft_evaluation,
            parent=None,
            criterion_ids=[c.pk for c in tops],
            matrix=matrix,
        )
    assert "between 1/9 and 9" in error.value.message
    assert not WeightMatrix.objects.exists()


def test_ahp_refuses_a_matrix_of_the_wrong_size_or_criteria(draft_evaluation, procurement_manager):
    tops = list(Criterion.objects.filter(evaluation=draft_evaluation, parent=None))
    with pytest.raises(ApplicationError):
        services.weights_set_by_ahp(
            actor=procurement_manager,
            evaluation=draft_evaluation,
            parent=None,
            criterion_ids=[c.pk for c in tops[:3]],
            matrix=[[1, 1, 1], [1, 1, 1], [1, 1, 1]],
        )
    with pytest.raises(ApplicationError):
        services.weights_set_by_ahp(
            actor=procurement_manager,
            evaluation=draft_evaluation,
            parent=None,
            criterion_ids=[c.pk for c in tops],
            matrix=[[1, 1], [1, 1]],
        )


def test_direct_weights_replace_the_ahp_matrix(draft_evaluation, procurement_manager):
    quality, children = ahp_level(draft_evaluation)
    n = len(children)
    services.weights_set_by_ahp(
        actor=procurement_manager,
        evaluation=draft_evaluation,
        parent=quality,
        criterion_ids=[c.pk for c in children],
        matrix=[[1] * n for _ in range(n)],
    )
    assert WeightMatrix.objects.filter(parent=quality).exists()
    services.weights_set(
        actor=procurement_manager,
        evaluation=draft_evaluation,
        parent=quality,
        weights={c.pk: 20 for c in children},
    )
    assert not WeightMatrix.objects.filter(parent=quality).exists()


def test_adding_and_removing_criteria_before_scoring(draft_evaluation, procurement_manager):
    culture = services.criterion_create(
        actor=procurement_manager,
        evaluation=draft_evaluation,
        name="Cultural fit",
        source=Source.EVALUATORS,
        parent=f.main(draft_evaluation, "Quality"),
        rubric="Shared values, communication style.",
    )
    assert culture.weight == 0
    with pytest.raises(ApplicationError) as error:
        services.criterion_create(
            actor=procurement_manager,
            evaluation=draft_evaluation,
            name="cultural FIT",
            source=Source.EVALUATORS,
            parent=f.main(draft_evaluation, "Quality"),
        )
    assert "already" in error.value.message
    with pytest.raises(ApplicationError):
        services.criterion_create(
            actor=procurement_manager,
            evaluation=draft_evaluation,
            name="Under a leaf",
            source=Source.EVALUATORS,
            parent=culture,
        )
    # Removing a criterion rescales its level back to 100 %.
    services.criterion_delete(
        actor=procurement_manager, criterion=f.main(draft_evaluation, "Location")
    )
    assert sum(weights_of(draft_evaluation).values()) == Decimal("100")
    assert weights_of(draft_evaluation)["Cost"] == pytest.approx(
        Decimal("47.0588"), abs=Decimal("0.0001")
    )


def test_a_group_without_sub_criteria_is_a_problem(draft_evaluation, procurement_manager):
    services.criterion_create(
        actor=procurement_manager,
        evaluation=draft_evaluation,
        name="Scalability",
        source=Source.GROUP,
    )
    tree = selectors.build_tree(selectors.criteria_of(draft_evaluation))
    problems = selectors.criteria_problems(draft_evaluation, tree)
    assert any("Scalability" in p and "no sub-criteria" in p for p in problems)


def test_method_settings(draft_evaluation, procurement_manager):
    services.evaluation_settings_update(
        actor=procurement_manager,
        evaluation=draft_evaluation,
        ranking_method="topsis",
        aggregation="median",
        discussion_threshold="2.5",
    )
    draft_evaluation.refresh_from_db()
    assert (draft_evaluation.ranking_method, draft_evaluation.aggregation) == ("topsis", "median")
    assert draft_evaluation.discussion_threshold == Decimal("2.5")
    with pytest.raises(ApplicationError) as error:
        services.evaluation_settings_update(
            actor=procurement_manager,
            evaluation=draft_evaluation,
            ranking_method="borda",
            aggregation="mode",
            discussion_threshold="11",
        )
    assert set(error.value.fields) == {"ranking_method", "aggregation", "discussion_threshold"}


def test_start_scoring_needs_an_evaluator_on_every_scored_criterion(opened, procurement_manager):
    evaluation = services.evaluation_setup(actor=procurement_manager, rfp=opened)
    with pytest.raises(ApplicationError) as error:
        services.evaluation_start_scoring(actor=procurement_manager, evaluation=evaluation)
    assert "No evaluator is assigned" in error.value.message
    evaluation.refresh_from_db()
    assert evaluation.scoring_started_at is None


def test_start_scoring_needs_the_proposals_open(published_rfp, procurement_manager, evaluator):
    evaluation = services.evaluation_setup(actor=procurement_manager, rfp=published_rfp)
    f.setup_panel(procurement_manager, evaluation, [evaluator])
    with pytest.raises(ProposalsSealedError):
        services.evaluation_start_scoring(actor=procurement_manager, evaluation=f.fresh(evaluation))


def test_start_scoring_locks_and_moves_the_rfp_to_evaluation(
    evaluation, procurement_manager, evaluator
):
    started = f.start(procurement_manager, evaluation)
    assert started.scoring_started_at is not None
    started.rfp.refresh_from_db()
    assert started.rfp.status == "under_evaluation"
    assert any(e.subject.startswith("Scoring is open") for e in emails_to(evaluator.email))
    with pytest.raises(ConflictError):
        services.evaluation_start_scoring(actor=procurement_manager, evaluation=f.fresh(started))
