"""The report's audit trail: every step of a sourcing event a challenger may ask about,
once each, oldest first, in the buyer organisation's time zone.

It is read from the records themselves (RFP transitions and addenda, envelope
openings, submitted proposal versions and withdrawals, the evaluators' submissions,
consensus scores and compliance overrides from the audit log, reports made, award
decisions), never from what a page happened to show.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.utils import timezone

from accounts.models import AuditEvent
from jobs.models import JobState
from proposals.content import submitted_vendor_name
from proposals.models import Proposal, ProposalVersion
from reports.models import Report
from rfp.models import RFP
from rfp.selectors import rfp_timeline
from scoring.models import AwardDecision, AwardStatus, Evaluation


@dataclass(frozen=True)
class AuditRow:
    at: dt.datetime  # in the buyer organisation's time zone
    title: str
    actor: str
    comment: str


# Actions of the audit log the trail shows, with their title.
_LOGGED = {
    "scoring.scores_submitted": "Evaluator's scores submitted",
    "scoring.consensus_set": "Consensus score set",
    "scoring.consensus_cleared": "Consensus score removed",
    "proposal.compliance_overridden": "Compliance overridden",
}


def _name(user: object) -> str:
    return str(user) if user is not None else "BPO Portal (automatic)"


def audit_trail(rfp: RFP) -> tuple[list[AuditRow], str]:
    """(rows oldest first, the time zone's name). A fixed number of queries."""
    organization = rfp.organization
    assert organization is not None
    zone = zoneinfo.ZoneInfo(str(organization.time_zone))
    rows: list[tuple[dt.datetime, str, str, str]] = []
    seen: set[tuple[object, ...]] = set()

    def add(
        at: dt.datetime | None,
        title: str,
        actor: str,
        comment: str = "",
        record: tuple[str, int] | None = None,
    ) -> None:
        """`record` names the row's own record (kind, pk): two records are two events even
        within one second. Without one (the RFP timeline, which can list one envelope
        opening twice), the same time to the second, title and comment is one event."""
        if at is None:
            return
        key: tuple[object, ...] = record or (at.replace(microsecond=0), title, comment)
        if key in seen:  # the same event recorded twice is shown once
            return
        seen.add(key)
        rows.append((at, title, actor, comment))

    for entry in rfp_timeline(rfp):
        add(entry.at, entry.title, entry.actor, entry.comment)
    proposals = {
        p.pk: p for p in Proposal.objects.filter(rfp=rfp).select_related("company").order_by("pk")
    }
    names: dict[int, str] = {}  # proposal -> the vendor's name as it submitted
    for version in ProposalVersion.objects.filter(proposal__rfp=rfp).order_by("submitted_at"):
        vendor = submitted_vendor_name(version.content) or str(
            proposals[version.proposal_id].company.display_name
        )
        names[version.proposal_id] = vendor
        add(
            version.submitted_at,
            f"Proposal submitted: {vendor}, version {version.number}",
            version.submitted_by_name,
            f"SHA-256 {version.sha256[:16]}…",
            ("version", version.pk),
        )
    for proposal in proposals.values():
        if proposal.withdrawn_at is not None:
            add(
                proposal.withdrawn_at,
                f"Proposal withdrawn: {names.get(proposal.pk) or proposal.company.display_name}",
                "",
                proposal.withdrawal_reason,
                ("withdrawal", proposal.pk),
            )
    evaluation = Evaluation.objects.filter(rfp=rfp).first()
    if evaluation is not None:
        objects = {("scoring.Evaluation", str(evaluation.pk))}
        objects |= {("proposals.Proposal", str(pk)) for pk in proposals}
        events = AuditEvent.objects.filter(
            buyer_organization=organization, action__in=list(_LOGGED)
        ).select_related("actor")
        for event in events.order_by("occurred_at", "id"):
            data = event.data or {}
            ours = (event.object_type, event.object_id) in objects or (
                event.action == "scoring.consensus_set" and data.get("proposal") in proposals
            )
            if not ours:
                continue
            justification = str(data.get("justification") or "")
            comment = event.summary + (f". Reason: {justification}" if justification else "")
            add(
                event.occurred_at,
                _LOGGED[event.action],
                _name(event.actor),
                comment,
                ("event", event.pk),
            )
        awards = (
            AwardDecision.objects.filter(evaluation=evaluation)
            .select_related("lot", "proposed_by", "decided_by")
            .prefetch_related("winners__company")
        )
        for award in awards.order_by("proposed_at"):
            winners = ", ".join(
                sorted(names.get(p.pk) or str(p.company.display_name) for p in award.winners.all())
            )
            add(
                award.proposed_at,
                f"Award proposed: {award.lot.name} to {winners}",
                _name(award.proposed_by),
                award.justification,
                ("award proposed", award.pk),
            )
            if award.decided_at is not None and award.status != AwardStatus.PROPOSED:
                verb = "approved" if award.status == AwardStatus.APPROVED else "returned"
                add(
                    award.decided_at,
                    f"Award {verb}: {award.lot.name}",
                    _name(award.decided_by),
                    award.decision_comment,
                    ("award decided", award.pk),
                )
    reports = Report.objects.filter(rfp=rfp, job__state=JobState.DONE).select_related(
        "job", "created_by"
    )
    for report in reports.order_by("job__finished_at"):
        add(
            report.job.finished_at or report.created_at,
            f"Report made: {report.get_kind_display()}",
            _name(report.created_by),
            "Final (award approved)" if report.final else "Draft",
            ("report", report.pk),
        )
    rows.sort(key=lambda row: row[0])
    return (
        [
            AuditRow(timezone.localtime(at, zone), title, actor, comment)
            for at, title, actor, comment in rows
        ],
        str(zone),
    )
