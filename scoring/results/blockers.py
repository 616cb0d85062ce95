"""`technical_evaluation_blockers`: the rule that says when a two-envelope RFP's
technical evaluation is final and its prices may open."""

from __future__ import annotations

import datetime as dt

from proposals.selectors import (
    ProposalsSealedError,
)
from rfp.models import RFP
from scoring.models import (
    ConsensusScore,
    Evaluation,
)
from scoring.results.stored import evaluation_results_for_rules
from scoring.results.wording import count_phrase
from scoring.selectors import (
    assignments_of,
    counting_proposals,
    evaluator_workload,
)


def technical_evaluation_blockers(rfp: RFP, *, now: dt.datetime | None = None) -> list[str]:
    """Why the technical evaluation of a two-envelope RFP is not final yet, for people
    (empty: it is, and the prices may open). Final means: scoring has started, and in
    the results every evaluator-scored item of every proposal that counts has a
    submitted score or a consensus score (`items_missing`), and every item flagged for
    discussion (spread at or above the threshold) has a consensus score (`flagged`,
    `resolved`), and every evaluator has submitted every item assigned to them (or
    declared a conflict, or the item has a consensus score). The one rule:
    proposals.services.commercial_envelope_open asks it through the hook registered in
    scoring/apps.py, whichever door opens the prices."""
    evaluation = Evaluation.objects.filter(rfp=rfp).first()
    if evaluation is None:
        return ["No technical evaluation has been set up: set up the criteria and the panel."]
    if not evaluation.scoring_started:
        return ["Scoring has not started: no technical score has been given yet."]
    try:
        results = evaluation_results_for_rules(rfp=rfp, now=now)
    except ProposalsSealedError as exc:
        return [exc.message]
    if results.problems:
        return ["The criteria are not complete: " + " ".join(results.problems)]
    missing = sum(lot.items_missing for lot in results.lots)
    unresolved = sum(1 for lot in results.lots for item in lot.flagged if not item.resolved)
    reasons = []
    if missing:
        reasons.append(
            count_phrase(missing, "technical item still needs", "technical items still need")
            + " a submitted or consensus score."
        )
    if unresolved:
        reasons.append(
            count_phrase(unresolved, "item needs", "items need")
            + " a consensus score: the evaluators' scores are at least "
            f"{evaluation.discussion_threshold.normalize():f} points apart."
        )
    reasons.extend(_evaluators_still_scoring(evaluation))
    return reasons


def _evaluators_still_scoring(evaluation: Evaluation) -> list[str]:
    """Every assigned item counts: an evaluator who has not submitted an item assigned
    to them (and not excused by a declared conflict, nor settled by a consensus score)
    keeps the technical evaluation open, even when a colleague has scored it."""
    settled = set(
        ConsensusScore.objects.filter(evaluation=evaluation).values_list(
            "criterion_id", "proposal_id", "lot_id"
        )
    )
    evaluators = {a.evaluator_id: a.evaluator for a in assignments_of(evaluation)}
    submitted = counting_proposals(evaluation.rfp)
    reasons = []
    for evaluator in sorted(evaluators.values(), key=str):
        workload = evaluator_workload(evaluation=evaluation, user=evaluator, submitted=submitted)
        waiting = sum(
            1
            for work in workload.vendors
            if not work.conflicted
            for item in work.items
            if (item.score is None or not item.score.is_submitted)
            and (item.criterion.pk, item.proposal_id, item.lot.pk) not in settled
        )
        if waiting:
            reasons.append(
                f"{evaluator} has not submitted "
                + count_phrase(waiting, "assigned score", "assigned scores")
                + " (or declared a conflict of interest)."
            )
    return reasons
