"""Compliance, stored: the automatic check of every proposal that counts
(proposals.compliance has the rules) and a buyer's justified override."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import User
from bpo_portal.errors import ApplicationError, ConflictError
from bpo_portal.permissions import Capability, require_buyer
from proposals import selectors
from proposals.compliance import evaluate_compliance
from proposals.content import read_content
from proposals.models import ComplianceStatus, Proposal, ProposalStatus
from rfp.models import RFP
from vendors.selectors import location_model_for, location_overrides_for


def proposals_compliance_check(
    *, rfp: RFP, actor: User | None, now: dt.datetime | None = None
) -> int:
    """Check every proposal that counts against the RFP's rules (see
    proposals.compliance) and store the result. Buyers' overrides stay."""
    if actor is not None:
        require_buyer(actor, Capability.MANAGE_EVALUATION, rfp.organization_id)
    if not selectors.envelope_state(rfp, now=now).technical_open:
        raise selectors.ProposalsSealedError("The proposals are sealed until the deadline.")
    content_rfp = selectors.rfp_for_proposals(rfp.pk)
    organization = content_rfp.organization
    assert organization is not None
    overrides = location_overrides_for(organization=organization)

    def location_of(country: str) -> Any:
        return location_model_for(organization=organization, country=country, overrides=overrides)

    checked = 0
    now = now or timezone.now()
    with transaction.atomic():
        for proposal in (
            Proposal.objects.select_for_update(of=("self",))
            .filter(rfp=content_rfp, status=ProposalStatus.SUBMITTED)
            .select_related("submitted_version")
        ):
            if proposal.submitted_version is None:
                continue
            result = evaluate_compliance(
                rfp=content_rfp,
                content=read_content(proposal.submitted_version.content, commercial_open=False),
                location_of=location_of,
            )
            proposal.compliance_status = result.status
            proposal.compliance_reasons = result.reasons
            proposal.compliance_checked_at = now
            proposal.save(
                update_fields=["compliance_status", "compliance_reasons", "compliance_checked_at"]
            )
            checked += 1
        if actor is not None:
            audit_record(
                actor=actor,
                action="proposals.compliance_checked",
                obj=content_rfp,
                organization=organization,
                summary=f"{actor} checked the compliance of {checked} proposals to "
                f"{content_rfp.reference} again",
            )
    return checked


def proposal_compliance_override(
    *, actor: User, proposal: Proposal, status: str, justification: str
) -> Proposal:
    """A buyer admin or procurement manager overrules the automatic result, with
    a justification that is recorded, audited and shown. `status=""` returns to
    the automatic result."""
    rfp = proposal.rfp
    require_buyer(actor, Capability.MANAGE_EVALUATION, rfp.organization_id)
    justification = (justification or "").strip()
    if status not in ComplianceStatus.values:
        raise ApplicationError.for_fields(
            {"status": "Choose compliant, non-compliant or the automatic result."}
        )
    if len(justification) < 10:
        raise ApplicationError.for_fields(
            {
                "justification": "Explain the decision in a sentence: it is recorded and shown "
                "with the result."
            }
        )
    if len(justification) > 2000:
        raise ApplicationError.for_fields(
            {"justification": "Keep the justification under 2,000 characters."}
        )
    if not selectors.envelope_state(rfp).technical_open:
        raise selectors.ProposalsSealedError("The proposals are sealed until the deadline.")
    with transaction.atomic():
        locked = (
            Proposal.objects.select_for_update(of=("self",))
            .select_related("company")
            .get(pk=proposal.pk)
        )
        if not locked.counts:
            raise ConflictError("Only a submitted proposal that was not withdrawn is evaluated.")
        previous = locked.effective_compliance
        locked.compliance_override = status
        locked.compliance_override_reason = justification
        locked.compliance_overridden_by = actor
        locked.compliance_overridden_at = timezone.now()
        locked.save(
            update_fields=[
                "compliance_override",
                "compliance_override_reason",
                "compliance_overridden_by",
                "compliance_overridden_at",
            ]
        )
        label = str(ComplianceStatus(status).label) if status else "the automatic result"
        audit_record(
            actor=actor,
            action="proposal.compliance_overridden",
            obj=locked,
            organization=rfp.organization,
            summary=f"{actor} set the compliance of {locked.company.display_name}'s proposal "
            f"to {label.lower()}",
            data={"from": previous, "to": status, "justification": justification},
        )
    return locked
