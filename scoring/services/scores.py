"""Evaluators' scores (drafts, then submitted), the panel's consensus scores, and
the end of the technical evaluation (which opens a two-envelope RFP's prices)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import User
from bpo_portal.errors import (
    ApplicationError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
)
from bpo_portal.permissions import (
    Capability,
    require_buyer,
)
from proposals.models import EnvelopeOpening, Proposal
from proposals.selectors import envelope_state
from proposals.services import commercial_envelope_open
from rfp.models import Lot
from scoring import selectors
from scoring.models import (
    COMMENT_REQUIRED_AT_OR_ABOVE,
    COMMENT_REQUIRED_AT_OR_BELOW,
    SCORE_MAX,
    SCORE_MIN,
    AwardDecision,
    AwardStatus,
    ConsensusScore,
    Criterion,
    Evaluation,
    EvaluatorScore,
)
from scoring.services._common import (
    MIN_JUSTIFICATION,
    clean_text,
    lock_evaluation,
    parse_decimal,
    require_manager,
)


def _refuse_if_technical_final(evaluation: Evaluation) -> None:
    """Once a two-envelope RFP's prices are open, its technical scores were final:
    no score or consensus may change afterwards, when prices could sway it."""
    rfp = evaluation.rfp
    if rfp.two_envelopes and envelope_state(rfp).commercial_open:
        raise ConflictError(
            "The technical evaluation is finalised and the prices are open: technical scores "
            "and consensus scores no longer change."
        )


@dataclass(frozen=True)
class ScoreInput:
    """One item's score from a form or the API: `score` None (or "") clears a draft."""

    score: Any
    comment: str = ""


def parse_score(raw: Any) -> int | None:
    """A whole number from 0 to 10, or None for a blank; ValueError otherwise."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, bool):
        raise ValueError
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        raise ValueError from None
    if not value.is_finite() or value != value.to_integral_value():
        raise ValueError
    number = int(value)
    if not SCORE_MIN <= number <= SCORE_MAX:
        raise ValueError
    return number


def comment_required(score: int) -> bool:
    return score <= COMMENT_REQUIRED_AT_OR_BELOW or score >= COMMENT_REQUIRED_AT_OR_ABOVE


def _locked_lots(evaluation: Evaluation) -> set[int]:
    return set(
        AwardDecision.objects.filter(
            evaluation=evaluation, status=AwardStatus.APPROVED
        ).values_list("lot_id", flat=True)
    )


def scores_save(
    *,
    actor: User,
    evaluation: Evaluation,
    proposal: Proposal,
    scores: Mapping[tuple[int, int], ScoreInput],
) -> list[EvaluatorScore]:
    """Save the evaluator's draft scores of one vendor's items, keyed by (criterion
    id, lot id): whole numbers 0-10, a comment required at 0-2 and 9-10. Only
    items assigned to the evaluator, of a vendor they declared no conflict with,
    after scoring started, not yet submitted, in a lot not yet awarded. All or
    nothing."""
    rfp = evaluation.rfp
    require_buyer(actor, Capability.SCORE, rfp.organization_id)
    if not evaluation.scoring_started:
        raise ConflictError(
            "Scoring has not started yet: the procurement manager opens it once the proposals "
            "are open and the criteria are final."
        )
    _refuse_if_technical_final(evaluation)
    workload = selectors.evaluator_workload(evaluation=evaluation, user=actor)
    work = workload.vendor(proposal.pk)
    if work is None:
        raise PermissionDeniedError("You are not assigned to score this proposal.")
    if not work.declared:
        raise PermissionDeniedError(
            f"Declare first whether you have a conflict of interest with {work.vendor}."
        )
    if work.conflicted:
        raise PermissionDeniedError(
            f"You declared a conflict of interest with {work.vendor}: you cannot score its "
            "proposal."
        )
    items = {(item.criterion.pk, item.lot.pk): item for item in work.items}
    locked_lots = _locked_lots(evaluation)
    errors: dict[str, str] = {}
    cleaned: dict[tuple[int, int], tuple[int | None, str]] = {}
    for raw_key, given in scores.items():
        criterion_id, lot_id = (int(raw_key[0]), int(raw_key[1]))
        key = f"scores.{criterion_id}-{lot_id}"
        item = items.get((criterion_id, lot_id))
        if item is None:
            raise PermissionDeniedError(
                "You are not assigned to score this criterion for this vendor."
            )
        if lot_id in locked_lots:
            raise ConflictError(
                f"The award of lot “{item.lot.name}” is approved: its scores are locked."
            )
        if item.score is not None and item.score.is_submitted:
            raise ConflictError(
                f"You submitted your score of “{item.path}” on "
                f"{timezone.localtime(item.score.submitted_at):%d %b %Y}: it can no longer change."
            )
        comment = clean_text(given.comment)
        try:
            value = parse_score(given.score)
        except ValueError:
            errors[f"{key}.score"] = f"“{item.path}”: give a whole number from 0 to 10."
            continue
        if value is not None and comment_required(value) and not comment:
            errors[f"{key}.comment"] = (
                f"“{item.path}”: a score of {value} needs a comment saying why (required from "
                f"0 to {COMMENT_REQUIRED_AT_OR_BELOW} and from {COMMENT_REQUIRED_AT_OR_ABOVE} "
                "to 10)."
            )
            continue
        cleaned[(criterion_id, lot_id)] = (value, comment)
    if errors:
        raise ApplicationError.for_fields(errors)
    try:
        return _write_scores(actor, evaluation, proposal, cleaned)
    except IntegrityError:
        raise ConflictError(
            "These scores were saved from another window at the same moment: reload the page "
            "and check them."
        ) from None


def _write_scores(
    actor: User,
    evaluation: Evaluation,
    proposal: Proposal,
    cleaned: Mapping[tuple[int, int], tuple[int | None, str]],
) -> list[EvaluatorScore]:
    saved = []
    with transaction.atomic():
        for (criterion_id, lot_id), (value, comment) in cleaned.items():
            current = (
                EvaluatorScore.objects.select_for_update(of=("self",))
                .filter(
                    evaluator=actor, criterion_id=criterion_id, proposal=proposal, lot_id=lot_id
                )
                .first()
            )
            if current is not None and current.is_submitted:
                raise ConflictError("This score was submitted meanwhile: it can no longer change.")
            if value is None:
                if current is not None:
                    current.delete()
                continue
            if current is None:
                current = EvaluatorScore(
                    evaluation=evaluation,
                    evaluator=actor,
                    criterion_id=criterion_id,
                    proposal=proposal,
                    lot_id=lot_id,
                )
            elif current.score == value and current.comment == comment:
                saved.append(current)
                continue
            current.score = value
            current.comment = comment
            current.save()
            saved.append(current)
    return saved


def scores_submit(*, actor: User, evaluation: Evaluation) -> int:
    """Submit every draft score: possible once every assigned item of every vendor
    the evaluator has no conflict with is scored. Submitted scores count in the
    results, are final, and open the other evaluators' scores of the same items."""
    rfp = evaluation.rfp
    require_buyer(actor, Capability.SCORE, rfp.organization_id)
    if not evaluation.scoring_started:
        raise ConflictError("Scoring has not started yet.")
    _refuse_if_technical_final(evaluation)
    workload = selectors.evaluator_workload(evaluation=evaluation, user=actor)
    if workload.total == 0 and not workload.vendors:
        raise PermissionDeniedError("You have nothing to score in this RFP.")
    if workload.undeclared:
        names = ", ".join(v.vendor for v in workload.undeclared)
        raise ApplicationError(f"Declare first whether you have a conflict of interest: {names}.")
    missing = workload.total - workload.scored
    if missing:
        raise ApplicationError(
            f"You have scored {workload.scored} of {workload.total} items: score the other "
            f"{missing} before submitting."
        )
    locked_lots = _locked_lots(evaluation)
    drafts = [
        item.score
        for item in workload.items
        if item.score is not None and not item.score.is_submitted
    ]
    if any(score.lot_id in locked_lots for score in drafts):
        raise ConflictError("An award is approved: its lot's scores are locked.")
    if not drafts:
        raise ConflictError("Your scores are already submitted.")
    now = timezone.now()
    with transaction.atomic():
        count = EvaluatorScore.objects.filter(
            pk__in=[s.pk for s in drafts], submitted_at__isnull=True
        ).update(submitted_at=now)
        audit_record(
            actor=actor,
            action="scoring.scores_submitted",
            obj=evaluation,
            organization=rfp.organization,
            summary=f"{actor} submitted {count} score{'s' if count != 1 else ''} for "
            f"{rfp.reference}",
            data={"count": count},
        )
    return count


# --- Consensus -----------------------------------------------------------------------------------


def _item_checks(
    evaluation: Evaluation, criterion: Criterion, proposal: Proposal, lot: Lot
) -> None:
    if criterion.evaluation_id != evaluation.pk or not criterion.is_scored_by_evaluators:
        raise NotFoundError("This criterion is not scored by evaluators in this evaluation.")
    if lot.rfp_id != evaluation.rfp_id or proposal.rfp_id != evaluation.rfp_id:
        raise NotFoundError("Proposal or lot not found.")
    if not evaluation.scoring_started:
        raise ConflictError("Scoring has not started yet.")
    _refuse_if_technical_final(evaluation)
    if lot.pk in _locked_lots(evaluation):
        raise ConflictError(f"The award of lot “{lot.name}” is approved: its scores are locked.")
    if not proposal.counts:
        raise ConflictError("Only a submitted proposal that was not withdrawn is evaluated.")


def consensus_set(
    *,
    actor: User,
    evaluation: Evaluation,
    criterion: Criterion,
    proposal: Proposal,
    lot: Lot,
    score: Any,
    justification: str,
) -> ConsensusScore:
    """The procurement manager records the score the panel agreed for an item
    (0-10, one decimal at most), with a justification; it replaces the
    evaluators' mean or median in the results."""
    require_manager(actor, evaluation.rfp)
    errors: dict[str, str] = {}
    value = parse_decimal(score, "score", errors, "The consensus score")
    if value is not None:
        if not Decimal(SCORE_MIN) <= value <= Decimal(SCORE_MAX):
            errors["score"] = "The consensus score is between 0 and 10."
        elif value != value.quantize(Decimal("0.1")):
            errors["score"] = "Give the consensus score with at most one decimal."
    justification = clean_text(justification)
    if len(justification) < MIN_JUSTIFICATION:
        errors["justification"] = (
            "Explain the agreed score in a sentence or two: it is shown with the results and "
            "in the report."
        )
    if errors:
        raise ApplicationError.for_fields(errors)
    assert value is not None
    _item_checks(evaluation, criterion, proposal, lot)
    with transaction.atomic():
        lock_evaluation(evaluation)
        current = (
            ConsensusScore.objects.select_for_update(of=("self",))
            .filter(criterion=criterion, proposal=proposal, lot=lot)
            .first()
        )
        before = f"{current.score:f}" if current else None
        if current is None:
            current = ConsensusScore(
                evaluation=evaluation, criterion=criterion, proposal=proposal, lot=lot
            )
        current.score = value
        current.justification = justification
        current.set_by = actor
        current.save()
        vendor = proposal.company.display_name
        audit_record(
            actor=actor,
            action="scoring.consensus_set",
            obj=current,
            organization=evaluation.rfp.organization,
            summary=f"{actor} set the consensus score of {vendor} on “{criterion.name}” to "
            f"{value:f}" + (f" (was {before})" if before else ""),
            data={
                "criterion": criterion.pk,
                "proposal": proposal.pk,
                "lot": lot.pk,
                "before": before,
                "after": f"{value:f}",
                "justification": justification,
            },
        )
    return current


def consensus_clear(
    *, actor: User, evaluation: Evaluation, criterion: Criterion, proposal: Proposal, lot: Lot
) -> None:
    """Go back to the evaluators' mean or median for an item."""
    require_manager(actor, evaluation.rfp)
    _item_checks(evaluation, criterion, proposal, lot)
    with transaction.atomic():
        current = ConsensusScore.objects.filter(
            criterion=criterion, proposal=proposal, lot=lot
        ).first()
        if current is None:
            return
        before = f"{current.score:f}"
        current.delete()
        audit_record(
            actor=actor,
            action="scoring.consensus_cleared",
            obj=evaluation,
            organization=evaluation.rfp.organization,
            summary=f"{actor} removed the consensus score ({before}) of "
            f"{proposal.company.display_name} on “{criterion.name}”",
            data={"criterion": criterion.pk, "proposal": proposal.pk, "lot": lot.pk},
        )


# --- The end of the technical evaluation ---------------------------------------------------------


def technical_evaluation_finalise(
    *, actor: User, evaluation: Evaluation, comment: str = ""
) -> EnvelopeOpening:
    """Two-envelope RFPs: the procurement manager finalises the technical evaluation,
    which opens the prices (the proposals' commercial envelope). Whether it is final
    (every technical item scored, flagged items given a consensus score) is checked by
    commercial_envelope_open itself, through scoring_results.technical_evaluation_blockers:
    the same rule whichever door opens the prices."""
    rfp = evaluation.rfp
    require_manager(actor, rfp)
    if not rfp.two_envelopes:
        raise ConflictError("This RFP has one envelope: its prices opened with the proposals.")
    if envelope_state(rfp).commercial_open:
        raise ConflictError("The technical evaluation is already finalised: prices are open.")
    with transaction.atomic():
        opening = commercial_envelope_open(
            actor=actor, rfp=rfp, comment=clean_text(comment) or "Technical evaluation finalised."
        )
        audit_record(
            actor=actor,
            action="scoring.technical_finalised",
            obj=evaluation,
            organization=rfp.organization,
            summary=f"{actor} finalised the technical evaluation of {rfp.reference}: prices open",
        )
    return opening
