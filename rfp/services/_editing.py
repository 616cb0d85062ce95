"""What every edit of an RFP goes through: the lock (which brings the status up to the
clock first), the version check (optimistic locking), the change list written for
vendors and, after publication, the addendum they are sent. The other modules of
rfp.services build on these; nothing outside rfp.services should need them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Max, Model

from accounts.audit import audit_record
from accounts.mail import send_templated_email
from accounts.models import User
from accounts.selectors import organization_emails
from bpo_portal import concurrency
from bpo_portal.errors import ApplicationError, ConflictError, NotFoundError
from bpo_portal.permissions import Capability, require_buyer
from bpo_portal.web import site_link
from rfp import selectors
from rfp.models import RFP, Addendum, RFPStatus, RFPTransition

# Fields only the buyer's team sees: changing them after publication is not an addendum.
INTERNAL_FIELDS = {"budget"}


# --- Small helpers -------------------------------------------------------------------------


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ApplicationError("Enter a number.") from None


def _describe(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%d %b %Y, %H:%M UTC")
    if isinstance(value, dt.date):
        return value.strftime("%d %b %Y")
    if isinstance(value, Decimal):
        return f"{value.normalize():,f}"
    return str(value)


def _field_label(model: type[Model], name: str) -> str:
    label = str(getattr(model._meta.get_field(name), "verbose_name", name))
    return label[:1].upper() + label[1:]


def _display(instance: Model, name: str) -> str:
    field = instance._meta.get_field(name)
    value = getattr(instance, name)
    choices = dict(getattr(field, "flatchoices", None) or [])
    if choices and value in choices:
        return str(choices[value])
    return _describe(value)


def _set_fields(instance: Model, fields: dict[str, Any], allowed: Collection[str]) -> list[str]:
    """Assign the given fields; return human-readable changes (for addenda)."""
    changes: list[str] = []
    for name, value in fields.items():
        if name not in allowed:
            raise ApplicationError(f"'{name}' cannot be changed here.")
        before = _display(instance, name)
        setattr(instance, name, value)
        after = _display(instance, name)
        if before != after and name not in INTERNAL_FIELDS:
            label = _field_label(type(instance), name)
            if name == "scope_of_work":
                changes.append("Scope of work: rewritten")
            elif name in ("summary", "description", "guidance", "text"):
                changes.append(f"{label}: changed")
            else:
                changes.append(f"{label}: {before} → {after}")
    return changes


def _org_users_with(organization_id: int, roles: Iterable[str]) -> list[str]:
    return organization_emails(organization_id=organization_id, roles=roles)


# --- Locking, state and addenda --------------------------------------------------------------

EDITABLE_STATUSES = (RFPStatus.DRAFT, RFPStatus.PUBLISHED)


def _lock(rfp: RFP, *, now: dt.datetime | None = None) -> RFP:
    """Lock the RFP for a change, its recorded status brought up to the clock first: a
    published RFP whose deadline has passed is closed, whoever asks and whatever the
    minute job has done, so no service acts on a stale "published"."""
    locked = (
        RFP.objects.select_for_update(of=("self",)).select_related("organization").get(pk=rfp.pk)
    )
    if locked.status == RFPStatus.PUBLISHED and locked.deadline_passed(now):
        _close_at_deadline(locked)
    return locked


def _close_at_deadline(locked: RFP) -> None:
    """Record the close that the deadline made (the RFP is locked by the caller). The
    version stays: every door already showed the RFP as closed, so a client holding
    that version is not out of date."""
    previous = locked.status
    locked.status = RFPStatus.CLOSED
    locked.save(update_fields=["status", "updated_at"])
    transition = RFPTransition.objects.create(
        rfp=locked,
        actor=None,
        from_status=previous,
        to_status=RFPStatus.CLOSED,
        comment="Closed automatically at the submission deadline.",
    )
    # The timeline shows when it closed (the deadline), not when it was noticed; never a
    # moment still to come (a caller passing a `now` ahead of the clock).
    assert locked.submission_deadline is not None
    closed_at = min(locked.submission_deadline, transition.created_at)
    RFPTransition.objects.filter(pk=transition.pk).update(created_at=closed_at)
    audit_record(
        actor=None,
        action="rfp.closed",
        obj=locked,
        organization=locked.organization,
        summary=f"{locked.reference} closed automatically at its submission deadline",
        data={"deadline": locked.submission_deadline.isoformat()}
        if locked.submission_deadline
        else {},
    )


def _check_version(locked: RFP, version: int | None, actor: User | None) -> None:
    concurrency.check_version(
        current=locked.version,
        given=version,
        what="this RFP",
        actor=actor,
        saved_by=locked.updated_by if locked.updated_by_id else None,
        saved_at=locked.updated_at,
    )


def _begin_edit(*, actor: User, rfp: RFP, version: int | None) -> RFP:
    """Inside a transaction: lock the RFP, check the role, its state and version."""
    if rfp.is_template:
        raise NotFoundError("RFP not found.")
    require_buyer(actor, Capability.EDIT_RFP, rfp.organization_id)
    locked = _lock(rfp)
    if locked.status == RFPStatus.PENDING_APPROVAL:
        raise ConflictError(
            "This RFP is waiting for approval and cannot be changed. "
            "Ask an admin to return it to draft first."
        )
    if locked.status not in EDITABLE_STATUSES:
        raise ConflictError(
            f"This RFP is {locked.get_status_display().lower()}: it can no longer be changed."
        )
    _check_version(locked, version, actor)
    return locked


def _finish_edit(
    *,
    actor: User,
    rfp: RFP,
    changes: list[str],
    addendum_summary: str,
    action: str,
    summary: str,
) -> Addendum | None:
    """Bump the version; after publication, check the RFP is still complete and
    turn the change into an addendum that invitees are told about."""
    rfp.version += 1
    rfp.updated_by = actor
    rfp.save(update_fields=["version", "updated_by", "updated_at"])
    addendum = None
    if rfp.status == RFPStatus.PUBLISHED and changes:
        rfp_addendum_summary_check(addendum_summary)
        # Vendors already have it: refuse what would break it (no lot, no question, a
        # line multiplying a missing volume), not what the next addendum may complete.
        _raise_problems(
            selectors.rfp_with_content(rfp.pk),
            require_future_deadlines=False,
            keep=lambda p: not p.missing or p.field in ("lots", "questions"),
        )
        addendum = _addendum_create(
            actor=actor, rfp=rfp, summary=addendum_summary.strip(), changes=changes
        )
    audit_record(
        actor=actor,
        action=action,
        obj=rfp,
        organization=rfp.organization,
        summary=summary,
        data={"version": rfp.version, "changes": changes[:20]},
    )
    return addendum


def _raise_problems(
    rfp: RFP,
    *,
    require_future_deadlines: bool = True,
    keep: Callable[[selectors.Problem], bool] = lambda problem: True,
) -> None:
    problems = [
        problem
        for problem in selectors.rfp_problems(
            rfp, require_future_deadlines=require_future_deadlines
        )
        if keep(problem)
    ]
    if problems:
        fields: dict[str, list[str]] = {}
        for problem in problems:
            fields.setdefault(problem.field, []).append(problem.message)
        count = len(problems)
        raise ApplicationError.for_fields(
            fields,
            message=f"The RFP is not ready: {count} thing{'s' if count > 1 else ''} to fix. "
            + problems[0].message,
        )


def _addendum_create(*, actor: User, rfp: RFP, summary: str, changes: list[str]) -> Addendum:
    number = (Addendum.objects.filter(rfp=rfp).aggregate(n=Max("number"))["n"] or 0) + 1
    addendum = Addendum.objects.create(
        rfp=rfp,
        number=number,
        summary=summary,
        changes=changes,
        rfp_version=rfp.version,
        created_by=actor,
    )
    resubmitters = set(selectors.companies_with_submission(rfp).values_list("pk", flat=True))
    for invitation in selectors.active_invitations(rfp):
        send_templated_email(
            to=selectors.invitation_recipients(invitation),
            template_prefix="emails/rfp_addendum",
            context={
                "rfp": rfp,
                "addendum": addendum,
                "buyer": rfp.organization,
                "reconfirm": invitation.company_id in resubmitters,
                "url": site_link("rfp_detail", rfp.pk),
            },
        )
    return addendum


def rfp_addendum_summary_check(summary: str) -> str:
    """Every change after publication says what changed: vendors receive it. A higher
    layer asks before it changes anything (see `rfp_addendum_record`)."""
    if not summary.strip():
        raise ApplicationError.for_fields(
            {
                "addendum_summary": "This RFP is published: say what changed. Invited "
                "vendors receive it as an addendum."
            }
        )
    return summary.strip()


def rfp_addendum_record(
    *, actor: User, rfp: RFP, summary: str, changes: list[str], audit_summary: str
) -> Addendum:
    """A change made by a higher layer to its part of a published RFP (the evaluation
    criteria: see `rfp.parts`), sent to the invited vendors as a numbered addendum,
    exactly as rfp's own changes are: the version moves on, the RFP must still be
    complete, the change is audited. Call it inside the transaction that made the
    change, after making it: a refusal then undoes both. Only while the RFP takes bids."""
    require_buyer(actor, Capability.EDIT_RFP, rfp.organization_id)
    with transaction.atomic():
        locked = _lock(rfp)
        if locked.status != RFPStatus.PUBLISHED:
            raise ConflictError(
                f"This RFP is {locked.get_status_display().lower()}: no addendum can be sent."
            )
        addendum = _finish_edit(
            actor=actor,
            rfp=locked,
            changes=changes,
            addendum_summary=summary,
            action="rfp.addendum_recorded",
            summary=audit_summary,
        )
    assert addendum is not None  # published, with changes: _finish_edit made one
    return addendum
