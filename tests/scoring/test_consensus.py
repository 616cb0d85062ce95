"""Consensus: mean or median, spreads flagged for discussion, the procurement
manager's consensus score with its justification, all audited."""

from __future__ import annotations

from decimal import Decimal

import pytest

from accounts.models import AuditEvent
from bpo_portal.errors import (
    ApplicationError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
)
from proposals.models import Proposal
from scoring import services
from scoring.results import evaluation_results
from tests.scoring import factories as f

pytestmark = pytest.mark.django_db

SPLIT = {"Manila Contact Co": {"References and experience": 9}}
LOW = {"Manila Contact Co": {"References and experience": 4}}


@pytest.fixture
def split(started, evaluator, evaluator2):
    """The evaluators agree on everything (7) except Manila's references: 9 against 4."""
    for person, given in ((evaluator, SPLIT), (evaluator2, LOW)):
        f.declare_none(person, started)
        f.score_all(person, started, given)
    return f.fresh(started)


def manila(evaluation):
    return Proposal.objects.select_related("company").get(
        rfp=evaluation.rfp, company__legal_name="Manila Contact Co"
    )


def references_of(results, evaluation):
    proposal = manila(evaluation)
    result = results.lots[0].proposal(proposal.pk)
    return result.leaf(f.leaf(evaluation, "References and experience").pk)


def test_mean_spread_and_flag(split, procurement_manager):
    results = evaluation_results(rfp=split.rfp, user=procurement_manager)
    leaf = references_of(results, split)
    assert leaf.evaluators.aggregate == pytest.approx(6.5)
    assert leaf.evaluators.spread == pytest.approx(5.0)
    assert leaf.evaluators.needs_discussion
    assert leaf.raw == pytest.approx(6.5)
    flagged = results.lots[0].flagged
    assert [(item.vendor, item.criterion) for item in flagged] == [
        ("Manila Contact Co", "Quality › References and experience")
    ]
    assert not flagged[0].resolved
    # Items where the evaluators agree are not flagged.
    other = results.lots[0].proposal(manila(split).pk).leaf(f.leaf(split, "Security").pk)
    assert other.evaluators.spread == 0 and not other.evaluators.needs_discussion


def by_median(pm, evaluation):
    services.evaluation_settings_update(
        actor=pm,
        evaluation=evaluation,
        ranking_method="weighted_sum",
        aggregation="median",
        discussion_threshold="3",
    )


@pytest.mark.parametrize("before_publication", [by_median])  # the aggregation locks
def test_median_and_threshold_are_per_rfp(split, procurement_manager, evaluator):
    # The discussion threshold is the panel's own: it changes after the deadline too.
    services.evaluation_settings_update(
        actor=procurement_manager,
        evaluation=split,
        ranking_method="weighted_sum",
        aggregation="median",
        discussion_threshold="6",
    )
    results = evaluation_results(rfp=split.rfp, user=procurement_manager)
    leaf = references_of(results, split)
    assert leaf.evaluators.aggregation == "median"
    assert leaf.evaluators.aggregate == pytest.approx(6.5)  # median of two = their mean
    assert not leaf.evaluators.needs_discussion
    assert results.lots[0].flagged == ()


def test_consensus_score_replaces_the_mean_and_is_audited(split, procurement_manager):
    proposal, lot = manila(split), split.rfp.lots.get()
    criterion = f.leaf(split, "References and experience")
    services.consensus_set(
        actor=procurement_manager,
        evaluation=split,
        criterion=criterion,
        proposal=proposal,
        lot=lot,
        score="8.5",
        justification="After the reference call both evaluators agreed on 8.5.",
    )
    results = evaluation_results(rfp=split.rfp, user=procurement_manager)
    leaf = references_of(results, split)
    assert leaf.evaluators.consensus.score == Decimal("8.5")
    assert leaf.raw == pytest.approx(8.5)
    assert "consensus" in leaf.formula.lower()
    assert results.lots[0].flagged[0].resolved
    event = AuditEvent.objects.get(action="scoring.consensus_set")
    assert event.data["after"] == "8.5" and "reference call" in event.data["justification"]
    services.consensus_clear(
        actor=procurement_manager, evaluation=split, criterion=criterion, proposal=proposal, lot=lot
    )
    results = evaluation_results(rfp=split.rfp, user=procurement_manager)
    assert references_of(results, split).raw == pytest.approx(6.5)
    assert AuditEvent.objects.filter(action="scoring.consensus_cleared").exists()


def test_consensus_input_is_checked(split, procurement_manager):
    proposal, lot = manila(split), split.rfp.lots.get()
    criterion = f.leaf(split, "References and experience")
    for score, justification, field in [
        ("11", "A long enough justification here.", "score"),
        ("7.25", "A long enough justification here.", "score"),
        ("7", "too short", "justification"),
    ]:
        with pytest.raises(ApplicationError) as error:
            services.consensus_set(
                actor=procurement_manager,
                evaluation=split,
                criterion=criterion,
                proposal=proposal,
                lot=lot,
                score=score,
                justification=justification,
            )
        assert field in error.value.fields
    with pytest.raises(NotFoundError):  # an automatic criterion has no consensus
        services.consensus_set(
            actor=procurement_manager,
            evaluation=split,
            criterion=f.leaf(split, "SLA commitments"),
            proposal=proposal,
            lot=lot,
            score="5",
            justification="A long enough justification here.",
        )


def test_only_managers_set_consensus(split, evaluator, viewer):
    for person in (evaluator, viewer):
        with pytest.raises(PermissionDeniedError):
            services.consensus_set(
                actor=person,
                evaluation=split,
                criterion=f.leaf(split, "References and experience"),
                proposal=manila(split),
                lot=split.rfp.lots.get(),
                score="8",
                justification="A long enough justification here.",
            )


def test_consensus_before_scoring_is_refused(evaluation, procurement_manager):
    with pytest.raises(ConflictError):
        services.consensus_set(
            actor=procurement_manager,
            evaluation=evaluation,
            criterion=f.leaf(evaluation, "References and experience"),
            proposal=manila(evaluation),
            lot=evaluation.rfp.lots.get(),
            score="8",
            justification="A long enough justification here.",
        )
