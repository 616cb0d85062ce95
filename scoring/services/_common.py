"""What every scoring write shares: who may manage the evaluation, the row locks,
the closed-RFP check, the criteria lock (`selectors.criteria_lock` is the one rule;
a change after publication goes out as an addendum) and the criteria's history."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from accounts.audit import audit_record
from accounts.models import User
from bpo_portal.errors import (
    ConflictError,
    NotFoundError,
)
from bpo_portal.permissions import (
    Capability,
    require_buyer,
)
from rfp import services as rfp_services
from rfp.models import RFP, Addendum, RFPStatus
from scoring import selectors
from scoring.models import (
    AwardDecision,
    AwardStatus,
    CriteriaChange,
    Criterion,
    Evaluation,
    WeightMatrix,
)

HUNDRED = Decimal("100")
WEIGHT_PLACES = Decimal("0.0001")
MIN_JUSTIFICATION = 20
MAX_TEXT = 4000
CLOSED_STATUSES = (RFPStatus.CANCELLED, RFPStatus.AWARDED)


# --- Helpers -------------------------------------------------------------------------------------


def require_manager(actor: User, rfp: RFP) -> None:
    require_buyer(actor, Capability.MANAGE_EVALUATION, rfp.organization_id)


def lock_evaluation(evaluation: Evaluation) -> Evaluation:
    return (
        Evaluation.objects.select_for_update(of=("self",))
        .select_related("rfp__organization")
        .get(pk=evaluation.pk)
    )


def clean_text(value: Any, *, limit: int = MAX_TEXT) -> str:
    return str(value or "").strip()[:limit]


def refuse_if_closed(evaluation: Evaluation) -> None:
    rfp = evaluation.rfp
    if rfp.status == RFPStatus.CANCELLED:
        raise ConflictError("This RFP was cancelled: its evaluation is closed.")
    if (
        rfp.status == RFPStatus.AWARDED
        or AwardDecision.objects.filter(evaluation=evaluation, status=AwardStatus.APPROVED).exists()
    ):
        raise ConflictError(
            "An award is approved: the criteria, weights and method are locked for good."
        )


def lock_for_criteria(evaluation: Evaluation) -> Evaluation:
    """Lock the evaluation and its RFP: a publication or a deadline change cannot slip
    in between the check of the lock and the change."""
    locked = lock_evaluation(evaluation)
    locked.rfp = (
        RFP.objects.select_for_update(of=("self",))
        .select_related("organization")
        .get(pk=locked.rfp_id)
    )
    return locked


def criteria_may_change(evaluation: Evaluation) -> selectors.CriteriaLock:
    """Whether the criteria may change now (the one rule: `selectors.criteria_lock`):
    refused (409) waiting for approval, after the deadline, once cancelled or awarded."""
    refuse_if_closed(evaluation)
    lock = selectors.criteria_lock(evaluation.rfp)
    if not lock.editable:
        raise ConflictError(lock.message)
    return lock


def addendum_summary_needed(lock: selectors.CriteriaLock, addendum_summary: str) -> None:
    """Before changing anything: once published, the addendum's summary is required."""
    if lock.needs_addendum:
        rfp_services.rfp_addendum_summary_check(addendum_summary)


def publish_change(
    evaluation: Evaluation,
    actor: User,
    lock: selectors.CriteriaLock,
    addendum_summary: str,
    changes: list[str],
    summary: str,
) -> Addendum | None:
    """After publication, a change of the criteria reaches the invited vendors as a
    numbered addendum (rfp's own: the summary is required, the RFP's version moves on)."""
    if not lock.needs_addendum:
        return None
    return rfp_services.rfp_addendum_record(
        actor=actor,
        rfp=evaluation.rfp,
        summary=addendum_summary.strip(),
        changes=changes,
        audit_summary=summary,
    )


def record_change(
    evaluation: Evaluation,
    actor: User,
    summary: str,
    *,
    action: str,
    data: dict[str, Any] | None = None,
    addendum: Addendum | None = None,
) -> None:
    """The criteria's history and the audit log (with the addendum that told vendors)."""
    after_publication = evaluation.rfp.publication_at is not None
    CriteriaChange.objects.create(
        evaluation=evaluation,
        actor=actor,
        summary=summary[:300],
        after_lock=after_publication,
        addendum=addendum,
        data=data or {},
    )
    extra = {"addendum": addendum.number} if addendum is not None else {}
    audit_record(
        actor=actor,
        action=action,
        obj=evaluation,
        organization=evaluation.rfp.organization,
        summary=summary,
        data={**(data or {}), **extra},
    )


def weight_label(value: Decimal) -> str:
    """A weight as the history and addenda show it: "12.5 %"."""
    return f"{value.normalize():f} %"


def parse_decimal(raw: Any, field: str, errors: dict[str, str], what: str) -> Decimal | None:
    if isinstance(raw, bool):
        errors[field] = f"{what} must be a number."
        return None
    try:
        value = raw if isinstance(raw, Decimal) else Decimal(str(raw).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        errors[field] = f"{what} must be a number."
        return None
    if not value.is_finite():
        errors[field] = f"{what} must be a number."
        return None
    return value


def children_of(evaluation: Evaluation, parent: Criterion | None) -> list[Criterion]:
    return list(
        Criterion.objects.filter(evaluation=evaluation, parent=parent).order_by("order", "id")
    )


def check_parent(evaluation: Evaluation, parent: Criterion | None) -> None:
    if parent is not None and parent.evaluation_id != evaluation.pk:
        raise NotFoundError("Criterion not found.")


def drop_matrix(evaluation: Evaluation, parent: Criterion | None) -> bool:
    deleted, _ = WeightMatrix.objects.filter(evaluation=evaluation, parent=parent).delete()
    return bool(deleted)
