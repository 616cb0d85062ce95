"""Submission and withdrawal. Submission validates everything (proposals.checklist),
writes an immutable ProposalVersion (the canonical JSON snapshot and its SHA-256)
and e-mails the receipt."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts.audit import audit_record
from accounts.mail import send_templated_email
from accounts.models import User
from bpo_portal.errors import ApplicationError, ConflictError
from bpo_portal.web import site_link
from proposals import checklist, selectors
from proposals.content import build_content, content_sha256
from proposals.models import Proposal, ProposalStatus, ProposalVersion
from proposals.services.editing import lock_own_proposal
from rfp import selectors as rfp_selectors


def _bid_team(proposal: Proposal) -> list[str]:
    return rfp_selectors.company_user_emails([proposal.company_id]).get(proposal.company_id, [])


def proposal_submit(*, actor: User, proposal: Proposal) -> ProposalVersion:
    """Validate everything and record a new version: the receipt is its server
    time and the SHA-256 of its content. Until the deadline a vendor may submit
    again; every version is kept and the last one counts."""
    with transaction.atomic():
        locked = lock_own_proposal(actor, proposal)
        now = timezone.now()
        working = selectors.proposal_working_copy(locked.pk)
        rfp = working.rfp
        rate = None
        if working.currency != rfp.currency:
            rate = selectors.exchange_rate_for(
                base=working.currency, quote=rfp.currency, on=now.date()
            )
        problems = checklist.proposal_problems(working)
        if problems:
            fields: dict[str, list[str]] = {}
            for problem in problems:
                fields.setdefault(problem.field, []).append(problem.message)
            count = len(problems)
            raise ApplicationError.for_fields(
                fields,
                message=f"Your proposal cannot be submitted yet: {count} thing"
                f"{'s' if count > 1 else ''} to finish. {problems[0].message}",
            )
        content = build_content(
            working,
            exchange_rate=rate.as_content() if rate is not None else None,
            rfp_version=rfp.version,
        )
        number = (
            ProposalVersion.objects.filter(proposal=locked).aggregate(n=Max("number"))["n"] or 0
        ) + 1
        version = ProposalVersion.objects.create(
            proposal=locked,
            number=number,
            content=content,
            sha256=content_sha256(content),
            submitted_at=now,
            submitted_by=actor,
            submitted_by_name=str(actor),
            rfp_version=rfp.version,
        )
        locked.status = ProposalStatus.SUBMITTED
        locked.submitted_version = version
        locked.submitted_at = now
        locked.withdrawn_at = None
        locked.withdrawal_reason = ""
        locked.changed_since_submission = False
        locked.updated_by = actor
        locked.save()
        company = working.company
        send_templated_email(
            to=_bid_team(locked),
            template_prefix="emails/proposal_receipt",
            context={
                "rfp": rfp,
                "company": company,
                "version": version,
                "submitter": actor,
                "url": site_link("proposal_receipt", locked.pk, number),
            },
        )
        audit_record(
            actor=actor,
            action="proposal.submitted",
            obj=locked,
            organization=rfp.organization,
            summary=f"{company.display_name} submitted a proposal to {rfp.reference}"
            + (f" (version {number})" if number > 1 else ""),
            data={"version": number, "sha256": version.sha256},
        )
    return version


def proposal_withdraw(*, actor: User, proposal: Proposal, reason: str = "") -> Proposal:
    """Withdraw a submitted proposal, until the deadline. The draft stays: the
    vendor may submit again before the deadline."""
    reason = (reason or "").strip()
    if len(reason) > 2000:
        raise ApplicationError.for_fields({"reason": "Keep the reason under 2,000 characters."})
    with transaction.atomic():
        locked = lock_own_proposal(actor, proposal)
        if locked.status != ProposalStatus.SUBMITTED:
            raise ConflictError("Only a submitted proposal can be withdrawn.")
        now = timezone.now()
        locked.status = ProposalStatus.WITHDRAWN
        locked.withdrawn_at = now
        locked.withdrawal_reason = reason
        locked.updated_by = actor
        locked.save()
        rfp = locked.rfp
        company = locked.company
        send_templated_email(
            to=_bid_team(locked),
            template_prefix="emails/proposal_withdrawn",
            context={
                "rfp": rfp,
                "company": company,
                "actor": actor,
                "withdrawn_at": now,
                "url": site_link("proposal_detail", locked.pk),
            },
        )
        audit_record(
            actor=actor,
            action="proposal.withdrawn",
            obj=locked,
            organization=rfp.organization,
            summary=f"{company.display_name} withdrew its proposal to {rfp.reference}",
        )
    return locked
