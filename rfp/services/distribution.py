"""Reaching the vendors: invitations, a vendor's intention to bid or its decline, the
acknowledgement of addenda, and the deadline reminders.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.http import urlencode

from accounts.audit import audit_record
from accounts.mail import send_templated_email
from accounts.models import User
from bpo_portal.errors import ApplicationError, ConflictError, NotFoundError
from bpo_portal.permissions import (
    Capability,
    buyer_membership,
    require_buyer,
    require_vendor,
    vendor_membership,
)
from bpo_portal.web import site_link
from rfp import selectors
from rfp.models import (
    RFP,
    Addendum,
    AddendumAcknowledgement,
    InvitationReminder,
    InvitationStatus,
    RFPInvitation,
    RFPStatus,
)
from rfp.services._editing import _lock
from vendors.models import VendorCompany
from vendors.selectors import vendor_is_blocked

# --- Invitations ----------------------------------------------------------------------------

INVITABLE_STATUSES = (RFPStatus.DRAFT, RFPStatus.PENDING_APPROVAL, RFPStatus.PUBLISHED)


def _send_invitation(invitation: RFPInvitation, *, rfp: RFP, now: dt.datetime) -> None:
    registered = invitation.company_id is not None
    send_templated_email(
        to=selectors.invitation_recipients(invitation),
        template_prefix="emails/rfp_invitation" if registered else "emails/rfp_invitation_register",
        context={
            "rfp": rfp,
            "buyer": rfp.organization,
            "invitation": invitation,
            "url": site_link("rfp_detail", rfp.pk),
            # Straight to "Register your company", with the invited address filled in:
            # the invitation attaches to a company registered with that address.
            "signup_url": site_link("vendor_register")
            + "?"
            + urlencode({"email": invitation.email or ""}),
        },
    )
    invitation.sent_at = now
    invitation.save(update_fields=["sent_at"])


def _check_can_invite(actor: User, rfp: RFP) -> RFP:
    require_buyer(actor, Capability.EDIT_RFP, rfp.organization_id)
    locked = _lock(rfp)
    if locked.status not in INVITABLE_STATUSES:
        raise ConflictError(
            f"This RFP is {locked.get_status_display().lower()}: vendors can no longer be invited."
        )
    return locked


def _invite_company(
    *, actor: User, rfp: RFP, company: VendorCompany, field: str = "company"
) -> RFPInvitation:
    assert rfp.organization is not None
    if vendor_is_blocked(organization=rfp.organization, company_id=company.pk):
        raise ApplicationError.for_fields(
            {field: f"{company.display_name} is blocked in your vendor list and cannot be invited."}
        )
    existing = RFPInvitation.objects.filter(rfp=rfp, company=company).first()
    if existing is not None:  # inviting twice is asking for what is already there
        existing.company = company
        existing.created_now = False
        return existing
    invitation = RFPInvitation.objects.create(rfp=rfp, company=company, invited_by=actor)
    invitation.company = company
    if rfp.status == RFPStatus.PUBLISHED:
        _send_invitation(invitation, rfp=rfp, now=timezone.now())
    audit_record(
        actor=actor,
        action="rfp.vendor_invited",
        obj=rfp,
        organization=rfp.organization,
        summary=f"{actor} invited {company.display_name} to {rfp.reference}",
    )
    return invitation


def rfp_invitation_create(
    *,
    actor: User,
    rfp: RFP,
    company: VendorCompany | None = None,
    email: str = "",
) -> RFPInvitation:
    """Invite a registered vendor, or an e-mail address. An address of a registered
    vendor's user invites that company; any other address gets an invitation to
    register and is attached to the RFP when it does. Before publication the
    invitation waits; it is e-mailed when the RFP is published. Inviting again returns
    the existing invitation (`created_now` False) and sends nothing."""
    email = (email or "").strip().lower()
    if (company is None) == (not email):
        raise ApplicationError.for_fields(
            {"company": "Choose a vendor from the directory, or give an e-mail address."}
        )
    with transaction.atomic():
        locked = _check_can_invite(actor, rfp)
        if company is not None:
            return _invite_company(actor=actor, rfp=locked, company=company)
        try:
            validate_email(email)
        except ValidationError:
            raise ApplicationError.for_fields({"email": "Enter a valid e-mail address."})
        existing = User.objects.filter(email__iexact=email).first()
        if existing is not None:
            vendor = vendor_membership(existing)
            if vendor is not None:
                return _invite_company(
                    actor=actor, rfp=locked, company=vendor.company, field="email"
                )
            if buyer_membership(existing) is not None:
                raise ApplicationError.for_fields(
                    {"email": "This address belongs to a buyer, not to a vendor."}
                )
        already = RFPInvitation.objects.filter(rfp=locked, email__iexact=email).first()
        if already is not None:
            already.created_now = False
            return already
        invitation = RFPInvitation.objects.create(rfp=locked, email=email, invited_by=actor)
        if locked.status == RFPStatus.PUBLISHED:
            _send_invitation(invitation, rfp=locked, now=timezone.now())
        audit_record(
            actor=actor,
            action="rfp.vendor_invited",
            obj=locked,
            organization=locked.organization,
            summary=f"{actor} invited {email} (not registered yet) to {locked.reference}",
        )
    return invitation


def rfp_invitations_create(
    *, actor: User, rfp: RFP, companies: Iterable[VendorCompany]
) -> list[RFPInvitation]:
    """Invite several vendors from the directory at once: all or none."""
    with transaction.atomic():
        locked = _check_can_invite(actor, rfp)
        invitations = [
            _invite_company(actor=actor, rfp=locked, company=company, field="companies")
            for company in companies
        ]
    if not invitations:
        raise ApplicationError.for_fields({"companies": "Choose at least one vendor."})
    return invitations


def rfp_invitation_delete(*, actor: User, invitation: RFPInvitation) -> None:
    """Remove an invitation that has not been sent yet."""
    require_buyer(actor, Capability.EDIT_RFP, invitation.rfp.organization_id)
    if invitation.sent_at is not None:
        raise ConflictError(
            f"{invitation.invitee_name} has already received the RFP: the invitation "
            "cannot be withdrawn."
        )
    audit_record(
        actor=actor,
        action="rfp.invitation_removed",
        obj=invitation.rfp,
        organization=invitation.rfp.organization,
        summary=f"{actor} removed the invitation of {invitation.invitee_name}",
    )
    invitation.delete()


def rfp_invitations_attach_new_company(*, company: VendorCompany, email: str) -> int:
    """A vendor invited by e-mail has registered: its invitations now belong to
    its company. To be called by vendors.services.vendor_company_create."""
    email = (email or "").strip().lower()
    if not email:
        return 0
    attached = 0
    with transaction.atomic():
        for invitation in RFPInvitation.objects.select_for_update().filter(
            company__isnull=True, email__iexact=email
        ):
            if RFPInvitation.objects.filter(rfp_id=invitation.rfp_id, company=company).exists():
                invitation.delete()
                continue
            invitation.company = company
            invitation.save(update_fields=["company"])
            attached += 1
            audit_record(
                actor=None,
                action="rfp.invitation_attached",
                obj=invitation.rfp,
                organization=invitation.rfp.organization,
                summary=f"{company.display_name} registered and joined the invitation "
                f"sent to {email}",
            )
    return attached


def _vendor_rfp(actor: User, rfp: RFP) -> tuple[VendorCompany, RFP]:
    """The vendor's company, if the RFP is open to it (else 404: never reveal it exists)."""
    membership = require_vendor(actor, Capability.RESPOND_TO_RFPS)
    if not selectors.rfps_visible_to(actor).filter(pk=rfp.pk).exists():
        raise NotFoundError("RFP not found.")
    return membership.company, rfp


def _require_open_for_bids(rfp: RFP) -> None:
    if not rfp.is_open_for_bids():
        raise ConflictError("This RFP is no longer open for responses.")


def _vendor_invitation(company: VendorCompany, rfp: RFP, actor: User) -> RFPInvitation:
    invitation = RFPInvitation.objects.select_for_update().filter(rfp=rfp, company=company).first()
    if invitation is None:
        # An RFP open to every qualified vendor: joining it makes the vendor an invitee.
        invitation = RFPInvitation.objects.create(
            rfp=rfp, company=company, self_registered=True, sent_at=timezone.now()
        )
    return invitation


def rfp_intend_to_bid(*, actor: User, rfp: RFP) -> RFPInvitation:
    company, rfp = _vendor_rfp(actor, rfp)
    _require_open_for_bids(rfp)
    with transaction.atomic():
        invitation = _vendor_invitation(company, rfp, actor)
        invitation.status = InvitationStatus.INTENDS_TO_BID
        invitation.decline_reason = ""
        invitation.responded_at = timezone.now()
        invitation.save(update_fields=["status", "decline_reason", "responded_at"])
        audit_record(
            actor=actor,
            action="rfp.intends_to_bid",
            obj=rfp,
            organization=rfp.organization,
            summary=f"{company.display_name} intends to bid on {rfp.reference}",
        )
    return invitation


def rfp_decline(*, actor: User, rfp: RFP, reason: str) -> RFPInvitation:
    if not reason.strip():
        raise ApplicationError.for_fields(
            {"reason": "Tell the buyer why, so that they can invite you to the right RFPs."}
        )
    company, rfp = _vendor_rfp(actor, rfp)
    _require_open_for_bids(rfp)
    with transaction.atomic():
        invitation = _vendor_invitation(company, rfp, actor)
        invitation.status = InvitationStatus.DECLINED
        invitation.decline_reason = reason.strip()
        invitation.responded_at = timezone.now()
        invitation.save(update_fields=["status", "decline_reason", "responded_at"])
        audit_record(
            actor=actor,
            action="rfp.declined",
            obj=rfp,
            organization=rfp.organization,
            summary=f"{company.display_name} declined {rfp.reference}",
            data={"reason": reason.strip()},
        )
    return invitation


# --- Addenda --------------------------------------------------------------------------------


def addendum_acknowledge(*, actor: User, addendum: Addendum) -> AddendumAcknowledgement:
    """A vendor confirms it has read an addendum. Acknowledging twice is harmless."""
    company, rfp = _vendor_rfp(actor, addendum.rfp)
    if not rfp.is_open_for_bids():
        raise ConflictError("This RFP is no longer open: there is nothing to acknowledge.")
    acknowledgement, created = AddendumAcknowledgement.objects.get_or_create(
        addendum=addendum, company=company, defaults={"acknowledged_by": actor}
    )
    if created:
        audit_record(
            actor=actor,
            action="rfp.addendum_acknowledged",
            obj=rfp,
            organization=rfp.organization,
            summary=f"{company.display_name} acknowledged addendum {addendum.number} "
            f"of {rfp.reference}",
        )
    return acknowledgement


# --- Reminders ----------------------------------------------------------------------------------

REMINDER_HOURS = (72, 24)


def rfp_send_deadline_reminders(*, now: dt.datetime | None = None) -> int:
    """Beat job: remind invitees that have not submitted, 72 and 24 hours before
    the deadline. Each reminder is recorded, so it goes out once whoever runs it."""
    now = now or timezone.now()
    horizon = now + dt.timedelta(hours=max(REMINDER_HOURS))
    sent = 0
    for rfp in RFP.objects.open_for_bids(now).closing_by(horizon).select_related("organization"):
        assert rfp.submission_deadline is not None
        left = rfp.submission_deadline - now
        # The nearest threshold only: one reminder per threshold, never two at once.
        hours = min(h for h in REMINDER_HOURS if left <= dt.timedelta(hours=h))
        window_start = rfp.submission_deadline - dt.timedelta(hours=hours)
        for invitation in selectors.invitees_without_submission(rfp):
            if invitation.sent_at is not None and invitation.sent_at > window_start:
                continue  # invited inside the window: the invitation itself was the reminder
            try:
                with transaction.atomic():
                    _, created = InvitationReminder.objects.get_or_create(
                        invitation=invitation, hours_before=hours
                    )
                    if not created:
                        continue
                    send_templated_email(
                        to=selectors.invitation_recipients(invitation),
                        template_prefix="emails/rfp_reminder",
                        context={
                            "rfp": rfp,
                            "buyer": rfp.organization,
                            "hours": hours,
                            "url": site_link("rfp_detail", rfp.pk),
                        },
                    )
            except IntegrityError:
                continue  # another worker recorded it first
            sent += 1
    return sent
