"""Evaluators' scores: the scale, comments at the extremes, drafts, submission, what
they may see of each other's scores, and every refusal leaving nothing half-saved."""

from __future__ import annotations

import pytest

from bpo_portal.errors import ApplicationError, ConflictError, PermissionDeniedError
from proposals.models import Proposal
from scoring import results as scoring_results
from scoring import selectors, services
from scoring.models import EvaluatorScore
from tests.scoring import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def declared(started, evaluator, evaluator2):
    for person in (evaluator, evaluator2):
        f.declare_none(person, started)
    return started


def vendor_work(evaluation, user, name="Manila"):
    work = selectors.evaluator_workload(evaluation=evaluation, user=user)
    return next(v for v in work.vendors if v.vendor.startswith(name))


def key(evaluation, criterion_name):
    return (f.leaf(evaluation, criterion_name).pk, evaluation.rfp.lots.get().pk)


def test_draft_scores_are_saved_changed_and_cleared(declared, evaluator):
    work = vendor_work(declared, evaluator)
    services.scores_save(
        actor=evaluator,
        evaluation=declared,
        proposal=work.proposal,
        scores={key(declared, "Security"): services.ScoreInput("7")},
    )
    score = EvaluatorScore.objects.get(evaluator=evaluator)
    assert (score.score, score.submitted_at) == (7, None)
    services.scores_save(
        actor=evaluator,
        evaluation=declared,
        proposal=work.proposal,
        scores={key(declared, "Security"): services.ScoreInput(6, "Fine")},
    )
    score.refresh_from_db()
    assert (score.score, score.comment) == (6, "Fine")
    services.scores_save(
        actor=evaluator,
        evaluation=declared,
        proposal=work.proposal,
        scores={key(declared, "Security"): services.ScoreInput("")},
    )
    assert not EvaluatorScore.objects.exists()


@pytest.mark.parametrize("value", [11, -1, "7.5", "ten", True, 10.2])
def test_scores_off_the_scale_are_refused_and_nothing_is_saved(declared, evaluator, value):
    work = vendor_work(declared, evaluator)
    with pytest.raises(ApplicationError) as error:
        services.scores_save(
            actor=evaluator,
            evaluation=declared,
            proposal=work.proposal,
            scores={
                key(declared, "Automation"): services.ScoreInput(5),
                key(declared, "Security"): services.ScoreInput(value),
            },
        )
    assert "whole number from 0 to 10" in error.value.message
    criterion, lot = key(declared, "Security")
    assert f"scores.{criterion}-{lot}.score" in error.value.fields
    assert not EvaluatorScore.objects.exists()  # the valid one was not saved either


@pytest.mark.parametrize("value", [0, 2, 9, 10])
def test_extreme_scores_need_a_comment(declared, evaluator, value):
    work = vendor_work(declared, evaluator)
    with pytest.raises(ApplicationError) as error:
        services.scores_save(
            actor=evaluator,
            evaluation=declared,
            proposal=work.proposal,
            scores={key(declared, "Security"): services.ScoreInput(value, "  ")},
        )
    assert "needs a comment" in error.value.message
    services.scores_save(
        actor=evaluator,
        evaluation=declared,
        proposal=work.proposal,
        scores={key(declared, "Security"): services.ScoreInput(value, "Because of X.")},
    )
    assert EvaluatorScore.objects.get().score == value


def test_scores_between_3_and_8_need_no_comment(declared, evaluator):
    work = vendor_work(declared, evaluator)
    services.scores_save(
        actor=evaluator,
        evaluation=declared,
        proposal=work.proposal,
        scores={
            key(declared, name): services.ScoreInput(value)
            for name, value in [("Security", 3), ("Automation", 8)]
        },
    )
    assert EvaluatorScore.objects.count() == 2


def test_scoring_something_not_assigned_is_refused(declared, procurement_manager, evaluator):
    services.assignments_set(
        actor=procurement_manager,
        evaluation=declared,
        evaluator=evaluator,
        criteria=[f.main(declared, "Quality")],
    )
    work = vendor_work(declared, evaluator)
    with pytest.raises(PermissionDeniedError):
        services.scores_save(
            actor=evaluator,
            evaluation=declared,
            proposal=work.proposal,
            scores={key(declared, "Security"): services.ScoreInput(5)},
        )
    assert not EvaluatorScore.objects.exists()


def test_scoring_before_declaring_is_refused(started, evaluator):
    work = vendor_work(started, evaluator)
    with pytest.raises(PermissionDeniedError) as error:
        services.scores_save(
            actor=evaluator,
            evaluation=started,
            proposal=work.proposal,
            scores={key(started, "Security"): services.ScoreInput(5)},
        )
    assert "Declare" in error.value.message


def test_scoring_before_scoring_starts_is_refused(evaluation, evaluator):
    proposal = Proposal.objects.filter(rfp=evaluation.rfp).first()
    with pytest.raises(ConflictError) as error:
        services.scores_save(
            actor=evaluator,
            evaluation=evaluation,
            proposal=proposal,
            scores={key(evaluation, "Security"): services.ScoreInput(5)},
        )
    assert "not started" in error.value.message


def test_people_off_the_panel_cannot_score(declared, viewer, procurement_manager, other_buyer):
    proposal = Proposal.objects.filter(rfp=declared.rfp).first()
    for person in (viewer, other_buyer):
        with pytest.raises(PermissionDeniedError):
            services.scores_save(
                actor=person,
                evaluation=declared,
                proposal=proposal,
                scores={key(declared, "Security"): services.ScoreInput(5)},
            )
    with pytest.raises(PermissionDeniedError):  # a manager is not on the panel
        services.scores_save(
            actor=procurement_manager,
            evaluation=declared,
            proposal=proposal,
            scores={key(declared, "Security"): services.ScoreInput(5)},
        )


def test_submit_needs_every_item_scored(declared, evaluator):
    work = vendor_work(declared, evaluator)
    services.scores_save(
        actor=evaluator,
        evaluation=declared,
        proposal=work.proposal,
        scores={key(declared, "Security"): services.ScoreInput(5)},
    )
    with pytest.raises(ApplicationError) as error:
        services.scores_submit(actor=evaluator, evaluation=declared)
    assert "1 of 10" in error.value.message
    assert not EvaluatorScore.objects.filter(submitted_at__isnull=False).exists()


def test_submit_makes_scores_final(declared, evaluator):
    f.score_all(evaluator, declared, submit=False)
    assert services.scores_submit(actor=evaluator, evaluation=declared) == 10
    assert (
        EvaluatorScore.objects.filter(evaluator=evaluator, submitted_at__isnull=True).count() == 0
    )
    work = vendor_work(declared, evaluator)
    with pytest.raises(ConflictError) as error:
        services.scores_save(
            actor=evaluator,
            evaluation=declared,
            proposal=work.proposal,
            scores={key(declared, "Security"): services.ScoreInput(5)},
        )
    assert "can no longer change" in error.value.message
    with pytest.raises(ConflictError):
        services.scores_submit(actor=evaluator, evaluation=declared)


def test_others_scores_stay_hidden_until_one_has_submitted(declared, evaluator, evaluator2):
    f.score_all(evaluator2, declared, default=6)  # evaluator 2 submits first
    f.score_all(evaluator, declared, default=7, submit=False)
    work = vendor_work(declared, evaluator)
    assert selectors.peer_scores(evaluation=declared, user=evaluator, work=work) == {}
    services.scores_submit(actor=evaluator, evaluation=declared)
    work = vendor_work(declared, evaluator)
    peers = selectors.peer_scores(evaluation=declared, user=evaluator, work=work)
    assert len(peers) == 5
    assert {s.score for scores in peers.values() for s in scores} == {6}
    assert {s.evaluator_id for scores in peers.values() for s in scores} == {evaluator2.pk}


def test_drafts_never_count_in_the_results(declared, evaluator, procurement_manager):
    f.score_all(evaluator, declared, default=9, submit=False)
    results = scoring_results.evaluation_results(rfp=declared.rfp, user=procurement_manager)
    lot = results.lots[0]
    assert lot.items_missing == lot.items_total == 10
    # Nothing submitted: no proposal is ranked on invented zeros.
    assert lot.ranking == () and lot.provisional
    leaf = lot.not_ranked[0].leaf(f.leaf(declared, "Security").pk)
    assert leaf.evaluators.scores == () and leaf.raw is None
