"""Who may download a proposal's file, and the record of buyers' reads and downloads."""

from __future__ import annotations

from typing import Any

from accounts.audit import audit_record
from accounts.models import User
from bpo_portal.errors import PermissionDeniedError
from bpo_portal.permissions import buyer_membership
from proposals import selectors
from proposals.models import Envelope, Proposal, ProposalAttachment


def ensure_can_download(*, user: Any, attachment: ProposalAttachment) -> None:
    """Vendors: their own files. Buyers: files of the version that counts,
    once its envelope is open."""
    access = selectors.proposal_access(user, attachment.proposal.rfp)
    if access.is_vendor and attachment.proposal.company_id == access.company_id:
        return
    proposal = attachment.proposal
    if access.is_buyer and proposal.counts and proposal.submitted_version is not None:
        listed = {
            item["id"]: item for item in proposal.submitted_version.content.get("attachments", [])
        }
        item = listed.get(attachment.pk)
        if (
            item is not None
            and access.technical_visible
            and (item.get("envelope") != Envelope.COMMERCIAL or access.commercial_visible)
        ):
            return
    raise PermissionDeniedError("You cannot download this file.")


# --- Reads and downloads, recorded -------------------------------------------------------------


def proposal_attachment_download(*, user: User, attachment: ProposalAttachment) -> None:
    """Check the right to a proposal's file and record the download (page and API).
    A buyer's download goes to the buyer's audit log; a vendor fetching its own file is
    recorded without an organization, so the buyer learns nothing about a working copy."""
    ensure_can_download(user=user, attachment=attachment)
    proposal = attachment.proposal
    buyer_side = buyer_membership(user) is not None
    audit_record(
        actor=user,
        action="proposal.attachment_downloaded",
        obj=attachment,
        organization=proposal.rfp.organization if buyer_side else None,
        summary=f"{user} downloaded “{attachment.name}” of {proposal.company.display_name}'s "
        f"proposal to {proposal.rfp.reference}",
        data={
            "proposal_id": proposal.pk,
            "rfp_id": proposal.rfp_id,
            "company_id": proposal.company_id,
            "file": attachment.name,
        },
    )


def proposal_read_record(
    *, reader: User, proposal: Proposal, access: selectors.ProposalAccess
) -> None:
    """A buyer opened one proposal (its page or the API's detail): who, when, and which
    envelopes were open to them. Lists are not recorded, nor a vendor reading its own."""
    if not access.is_buyer:
        return
    _record_read(
        reader, proposal, technical=access.technical_visible, commercial=access.commercial_visible
    )


def proposal_technical_read_record(*, reader: User, proposal: Proposal) -> None:
    """An evaluator opened one proposal's technical content to score it."""
    _record_read(reader, proposal, technical=True, commercial=False)


def _record_read(reader: User, proposal: Proposal, *, technical: bool, commercial: bool) -> None:
    audit_record(
        actor=reader,
        action="proposal.read",
        obj=proposal,
        organization=proposal.rfp.organization,
        summary=f"{reader} read {proposal.company.display_name}'s proposal to "
        f"{proposal.rfp.reference}",
        data={
            "rfp_id": proposal.rfp_id,
            "company_id": proposal.company_id,
            "technical": technical,
            "commercial": commercial,
        },
    )
