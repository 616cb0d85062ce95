"""What every change to a working copy checks first: who, when, and which version.

* Only users of the vendor company with the right to respond may change its
  proposal, only while the RFP is published and strictly before its
  submission deadline (UTC, to the second). Every write re-reads the RFP
  under a lock on the proposal (`lock_own_proposal`), so a request that started
  one second before the deadline and arrives after it is refused.
* Each editable part carries a version (optimistic locking, `check_version`): a
  save made from a stale page is refused with ConflictError and nothing is
  written. A save is all or nothing: one bad value refuses the whole part
  (`refuse_errors`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from accounts.models import User
from bpo_portal import concurrency
from bpo_portal.errors import ApplicationError, ConflictError, NotFoundError
from bpo_portal.permissions import Capability, require_vendor
from proposals.models import Proposal, ProposalLot, ProposalStatus
from rfp.models import RFP, Lot, RFPStatus


def refuse_if_closed(rfp: RFP, *, now: dt.datetime | None = None) -> None:
    """Nothing changes after the deadline (UTC, to the second), nor once the RFP
    is no longer published."""
    deadline = rfp.submission_deadline
    if rfp.status == RFPStatus.CANCELLED:
        raise ConflictError("The buyer cancelled this RFP: proposals can no longer be changed.")
    if deadline is not None and rfp.deadline_passed(now):
        raise ConflictError(
            f"The deadline for proposals passed on {deadline:%d %b %Y at %H:%M:%S} UTC: "
            "nothing can be submitted, changed or withdrawn any more.",
            extra={"deadline": deadline.isoformat()},
        )
    if not rfp.is_open_for_bids(now):
        raise ConflictError("This RFP is closed: proposals can no longer be changed.")


def lock_own_proposal(actor: User, proposal: Proposal) -> Proposal:
    """Inside a transaction: the vendor's own proposal, locked, with a fresh RFP
    that is still open for proposals."""
    membership = require_vendor(actor, Capability.RESPOND_TO_RFPS)
    if proposal.company_id != membership.company_id:
        raise NotFoundError("Proposal not found.")
    locked = (
        Proposal.objects.select_for_update(of=("self",))
        .select_related("updated_by")
        .get(pk=proposal.pk)
    )
    locked.rfp = RFP.objects.select_related("organization").get(pk=locked.rfp_id)
    refuse_if_closed(locked.rfp)
    return locked


def check_version(
    current: int, given: int | str | None, *, part: str, locked: Proposal, actor: User
) -> None:
    """The proposal part's version check: bpo_portal.concurrency's one rule."""
    concurrency.check_version(
        current=current,
        given=given,
        what=part,
        actor=actor,
        saved_by=locked.updated_by if locked.updated_by_id else None,
        saved_at=locked.updated_at,
    )


def touch(locked: Proposal, actor: User) -> None:
    locked.updated_by = actor
    if locked.status != ProposalStatus.DRAFT:
        locked.changed_since_submission = True
    locked.save(update_fields=["updated_by", "changed_since_submission", "updated_at"])


def bump_version(locked: Proposal, actor: User, holder: Any, field: str) -> None:
    """Something changed: the part's version moves on, so stale pages conflict."""
    setattr(holder, field, getattr(holder, field) + 1)
    holder.save(update_fields=[field])
    touch(locked, actor)


def lot_part(locked: Proposal, lot: Lot | int) -> tuple[ProposalLot, Lot]:
    lot_id = lot if isinstance(lot, int) else lot.pk
    part = (
        ProposalLot.objects.select_for_update(of=("self",))
        .select_related("lot")
        .filter(proposal=locked, lot_id=lot_id)
        .first()
    )
    if part is None:
        if not Lot.objects.filter(pk=lot_id, rfp_id=locked.rfp_id).exists():
            raise NotFoundError("Lot not found.")
        raise ConflictError(
            "You are not bidding on this lot: choose it under “Lots and currency” first."
        )
    return part, part.lot


def keyed_by_id(values: Mapping[Any, Any], prefix: str, errors: dict[str, str]) -> dict[int, Any]:
    """Keys from a form or JSON are strings: ids as ints, anything else an error."""
    out: dict[int, Any] = {}
    for key, value in values.items():
        try:
            out[int(key)] = value
        except (TypeError, ValueError):
            errors[f"{prefix}.{key}"] = "Unknown item."
    return out


def refuse_errors(errors: dict[str, str], what: str) -> None:
    if errors:
        count = len(errors)
        first = next(iter(errors.values()))
        raise ApplicationError.for_fields(
            errors,
            message=f"Nothing was saved: {count} {what}{'s' if count > 1 else ''} need"
            f"{'' if count > 1 else 's'} your attention. {first}",
        )
