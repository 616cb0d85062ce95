"""The RFP's lifecycle: draft, submitted for approval, approved (published), closed at
the deadline, under evaluation, awarded or cancelled. TRANSITIONS says which action
starts from which status and who may take it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from accounts.audit import audit_record
from accounts.mail import send_templated_email
from accounts.models import BuyerRole, User
from bpo_portal.errors import ApplicationError, ConflictError, NotFoundError
from bpo_portal.permissions import (
    Capability,
    four_eyes_apply,
    require_buyer,
    require_second_person,
    second_person_refusal,
)
from bpo_portal.web import site_link
from rfp import parts, selectors
from rfp.models import RFP, RFPInvitation, RFPStatus, RFPTransition
from rfp.services._editing import _check_version, _lock, _org_users_with, _raise_problems
from rfp.services.distribution import _send_invitation

OPEN_STATUSES = (
    RFPStatus.DRAFT,
    RFPStatus.PENDING_APPROVAL,
    RFPStatus.PUBLISHED,
    RFPStatus.CLOSED,
    RFPStatus.UNDER_EVALUATION,
)

# action -> (statuses it starts from, status it leads to, capability, verb for messages)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str, Capability, str]] = {
    "submit": (
        (RFPStatus.DRAFT,),
        RFPStatus.PENDING_APPROVAL,
        Capability.EDIT_RFP,
        "submitted for approval",
    ),
    "approve": (
        (RFPStatus.PENDING_APPROVAL,),
        RFPStatus.PUBLISHED,
        Capability.APPROVE_RFP,
        "approved",
    ),
    "return": (
        (RFPStatus.PENDING_APPROVAL,),
        RFPStatus.DRAFT,
        Capability.APPROVE_RFP,
        "returned to draft",
    ),
    "start_evaluation": (
        (RFPStatus.CLOSED,),
        RFPStatus.UNDER_EVALUATION,
        Capability.MANAGE_EVALUATION,
        "moved to evaluation",
    ),
    "award": (
        (RFPStatus.UNDER_EVALUATION,),
        RFPStatus.AWARDED,
        Capability.APPROVE_AWARD,
        "awarded",
    ),
    "cancel": (OPEN_STATUSES, RFPStatus.CANCELLED, Capability.EDIT_RFP, "cancelled"),
}


def transition_allowed(rfp: RFP, action: str) -> bool:
    """Whether the RFP's state allows the action (not whether the user may)."""
    sources = TRANSITIONS[action][0]
    return rfp.status in sources


def _transition(
    *,
    actor: User | None,
    rfp: RFP,
    action: str,
    version: int | None,
    comment: str = "",
    check: Callable[[RFP], None] | None = None,
) -> tuple[RFP, str]:
    """Inside a transaction: lock, check role, state and version (then `check`, the
    action's own rule, on the locked RFP), record the move."""
    sources, target, capability, verb = TRANSITIONS[action]
    if rfp.is_template:
        raise NotFoundError("RFP not found.")
    if actor is not None:
        require_buyer(actor, capability, rfp.organization_id)
    locked = _lock(rfp)
    if locked.status not in sources:
        raise ConflictError(
            f"This RFP is {locked.get_status_display().lower()}, so it cannot be {verb}.",
            extra={"status": locked.status},
        )
    if version is not None:
        _check_version(locked, version, actor)
    if check is not None:
        check(locked)
    previous = locked.status
    locked.status = target
    locked.version += 1
    if actor is not None:
        locked.updated_by = actor
    RFPTransition.objects.create(
        rfp=locked, actor=actor, from_status=previous, to_status=target, comment=comment.strip()
    )
    return locked, previous


def _submitter(rfp: RFP) -> User | None:
    last = (
        RFPTransition.objects.filter(rfp=rfp, to_status=RFPStatus.PENDING_APPROVAL)
        .select_related("actor")
        .order_by("-created_at", "-id")
        .first()
    )
    return last.actor if last else None


def rfp_submit_for_approval(
    *, actor: User, rfp: RFP, version: int | None, comment: str = ""
) -> RFP:
    """A complete draft goes to the organization's admins for approval."""
    with transaction.atomic():
        locked, _ = _transition(
            actor=actor, rfp=rfp, action="submit", version=version, comment=comment
        )
        _raise_problems(selectors.rfp_with_content(locked.pk))
        locked.save()
        assert locked.organization_id is not None
        admins = [
            email
            for email in _org_users_with(locked.organization_id, [BuyerRole.ADMIN])
            if email != actor.email
        ]
        send_templated_email(
            to=admins,
            template_prefix="emails/rfp_approval_requested",
            context={
                "rfp": locked,
                "submitter": actor,
                "comment": comment.strip(),
                "url": site_link("rfp_check", locked.pk),
            },
        )
        audit_record(
            actor=actor,
            action="rfp.submitted",
            obj=locked,
            organization=locked.organization,
            summary=f"{actor} submitted {locked.reference} for approval",
        )
    return locked


SUBMITTED_FOR_APPROVAL = "submitted this RFP for approval"


def rfp_approval_refusal(*, actor: User, rfp: RFP) -> str | None:
    """Why this admin may not approve this RFP waiting for approval (four eyes: they
    submitted it), or None. The pages show it instead of the button; `rfp_approve`
    enforces the same rule."""
    if rfp.status != RFPStatus.PENDING_APPROVAL:
        return None
    return second_person_refusal(
        organization=rfp.organization,
        actor=actor,
        first_actor=_submitter(rfp),
        what=SUBMITTED_FOR_APPROVAL,
    )


def rfp_approve(*, actor: User, rfp: RFP, version: int | None, comment: str = "") -> RFP:
    """An admin approves an RFP waiting for approval: it is published and the
    invitations go out. Four eyes: the admin is not the person who submitted it,
    unless the organization switched four eyes off. There is no other way to
    publish: a draft is submitted first."""
    submitter: User | None = None

    def four_eyes(locked: RFP) -> None:
        nonlocal submitter
        submitter = _submitter(locked)
        require_second_person(
            organization=locked.organization,
            actor=actor,
            first_actor=submitter,
            what=SUBMITTED_FOR_APPROVAL,
        )

    with transaction.atomic():
        locked, _ = _transition(
            actor=actor,
            rfp=rfp,
            action="approve",
            version=version,
            comment=comment,
            check=four_eyes,
        )
        _raise_problems(selectors.rfp_with_content(locked.pk))
        now = timezone.now()
        locked.publication_at = now
        locked.seal_lifts_at = max(
            d for d in (locked.seal_lifts_at, locked.submission_deadline) if d is not None
        )
        locked.save()
        parts.publish_all(locked, actor)  # e.g. scoring records that the criteria locked
        for invitation in RFPInvitation.objects.filter(
            rfp=locked, sent_at__isnull=True
        ).select_related("company"):
            _send_invitation(invitation, rfp=locked, now=now)
        if submitter is not None and submitter.pk != actor.pk:
            send_templated_email(
                to=[submitter.email],
                template_prefix="emails/rfp_approved",
                context={
                    "rfp": locked,
                    "approver": actor,
                    "comment": comment.strip(),
                    "url": site_link("rfp_detail", locked.pk),
                },
            )
        own = submitter is not None and submitter.pk == actor.pk
        audit_record(
            actor=actor,
            action="rfp.published",
            obj=locked,
            organization=locked.organization,
            summary=f"{actor} approved and published {locked.reference}, "
            + (
                "which they had submitted themselves (four eyes switched off)"
                if own
                else f"submitted for approval by {submitter or 'an unknown user'}"
            ),
            data={
                "submitted_by": submitter.pk if submitter is not None else None,
                "approved_by": actor.pk,
                "four_eyes_required": four_eyes_apply(locked.organization),
                "comment": comment.strip(),
            },
        )
    return locked


def rfp_return_to_draft(*, actor: User, rfp: RFP, version: int | None, comment: str) -> RFP:
    """An admin sends an RFP back to its authors with comments."""
    if not comment.strip():
        raise ApplicationError.for_fields(
            {"comment": "Tell the author what to change before it can be approved."}
        )
    with transaction.atomic():
        submitter = _submitter(rfp)
        locked, _ = _transition(
            actor=actor, rfp=rfp, action="return", version=version, comment=comment
        )
        locked.save()
        if submitter is not None and submitter.pk != actor.pk:
            send_templated_email(
                to=[submitter.email],
                template_prefix="emails/rfp_returned",
                context={
                    "rfp": locked,
                    "approver": actor,
                    "comment": comment.strip(),
                    "url": site_link("rfp_detail", locked.pk),
                },
            )
        audit_record(
            actor=actor,
            action="rfp.returned",
            obj=locked,
            organization=locked.organization,
            summary=f"{actor} returned {locked.reference} to draft",
            data={"comment": comment.strip()},
        )
    return locked


def rfps_close_past_deadline(*, now: dt.datetime | None = None) -> list[int]:
    """Beat job: record the close of every published RFP whose submission deadline
    has passed (they already count as closed everywhere). Safe to run concurrently
    and again."""
    now = now or timezone.now()
    closed: list[int] = []
    for rfp_id in list(RFP.objects.past_submission_deadline(now).values_list("pk", flat=True)):
        with transaction.atomic():
            before = RFP.objects.filter(pk=rfp_id).values_list("status", flat=True).first()
            locked = _lock(RFP(pk=rfp_id), now=now)
            if before == RFPStatus.PUBLISHED and locked.status == RFPStatus.CLOSED:
                closed.append(locked.pk)
    return closed


def rfp_start_evaluation(*, actor: User, rfp: RFP, version: int | None, comment: str = "") -> RFP:
    with transaction.atomic():
        locked, _ = _transition(
            actor=actor, rfp=rfp, action="start_evaluation", version=version, comment=comment
        )
        locked.save()
        audit_record(
            actor=actor,
            action="rfp.evaluation_started",
            obj=locked,
            organization=locked.organization,
            summary=f"{actor} started the evaluation of {locked.reference}",
        )
    return locked


def rfp_award(*, actor: User, rfp: RFP, version: int | None, comment: str = "") -> RFP:
    """Record that the RFP is awarded. No door of its own: scoring calls it when the
    last lot with bids has an award approved by a second person (award_approve), so
    nobody marks an RFP awarded alone."""
    with transaction.atomic():
        locked, _ = _transition(
            actor=actor, rfp=rfp, action="award", version=version, comment=comment
        )
        locked.save()
        audit_record(
            actor=actor,
            action="rfp.awarded",
            obj=locked,
            organization=locked.organization,
            summary=f"{actor} marked {locked.reference} as awarded",
        )
    return locked


def rfp_cancel(*, actor: User, rfp: RFP, version: int | None, reason: str) -> RFP:
    """Cancel from any open state; every vendor that was told about it hears why."""
    if not reason.strip():
        raise ApplicationError.for_fields(
            {"reason": "Give the reason: invited vendors receive it."}
        )
    with transaction.atomic():
        locked, _ = _transition(
            actor=actor, rfp=rfp, action="cancel", version=version, comment=reason
        )
        locked.save()
        for invitation in RFPInvitation.objects.filter(
            rfp=locked, sent_at__isnull=False
        ).select_related("company"):
            send_templated_email(
                to=selectors.invitation_recipients(invitation),
                template_prefix="emails/rfp_cancelled",
                context={"rfp": locked, "buyer": locked.organization, "reason": reason.strip()},
            )
        audit_record(
            actor=actor,
            action="rfp.cancelled",
            obj=locked,
            organization=locked.organization,
            summary=f"{actor} cancelled {locked.reference}",
            data={"reason": reason.strip()},
        )
    return locked
