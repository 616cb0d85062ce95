"""Reads about reports: which exist for an RFP, and which are out of date."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from bpo_portal.errors import ApplicationError, NotFoundError
from bpo_portal.permissions import Capability, require_buyer
from jobs.selectors import JobStatus, job_status
from reports.models import Report
from rfp.models import RFP, Lot
from scoring.results import evaluation_results, results_as_dict


def rfp_for_reports(*, user: Any, rfp_pk: int) -> RFP:
    """The RFP, if the user may read its reports (404 for other organizations)."""
    membership = require_buyer(user, Capability.VIEW_REPORTS)
    rfp = (
        RFP.objects.select_related("organization")
        .prefetch_related("lots")
        .filter(pk=rfp_pk, organization_id=membership.organization_id, is_template=False)
        .first()
    )
    if rfp is None:
        raise NotFoundError("RFP not found.")
    return rfp


def rfp_for_ocds(*, user: Any, rfp_pk: int) -> RFP:
    """The RFP for its OCDS export: whoever may read its reports (404 for other
    organizations, 403 for roles without reports), with its lots and attachments."""
    membership = require_buyer(user, Capability.VIEW_REPORTS)
    rfp = (
        RFP.objects.select_related("organization")
        .prefetch_related("lots", "attachments")
        .filter(pk=rfp_pk, organization_id=membership.organization_id, is_template=False)
        .first()
    )
    if rfp is None:
        raise NotFoundError("RFP not found.")
    return rfp


# Bump when the report's layout or content changes: older reports become out of date.
REPORT_FORMAT_VERSION = "2026-12-04.1"


def results_for_report(*, rfp: RFP, lot: Lot | None, user: Any) -> Any:
    """The evaluation results a report shows (scoring's one selector)."""
    return evaluation_results(rfp=rfp, lot=lot, user=user)


def inputs_hash(*, results: Any, kind: str, lot_id: int | None) -> str:
    """A fingerprint of everything the report shows, without the time it was computed."""
    data = results_as_dict(results)
    data.pop("generated_at", None)
    payload = json.dumps(
        {"format": REPORT_FORMAT_VERSION, "kind": kind, "lot": lot_id, "results": data},
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def is_final(results: Any) -> bool:
    """Final once every lot's award is approved; until then the report says DRAFT."""
    return bool(results.lots) and all(
        lot.award is not None and lot.award.status == "approved" for lot in results.lots
    )


@dataclass(frozen=True)
class ReportRow:
    report: Report
    status: JobStatus
    out_of_date: bool

    @property
    def scope(self) -> str:
        return self.report.lot.name if self.report.lot else "All lots"


@dataclass(frozen=True)
class ReportsPage:
    rows: list[ReportRow]
    available: bool  # results exist and can be reported on
    problem: str  # why not, for people


def reports_for_rfp(*, user: Any, rfp: RFP) -> ReportsPage:
    """Every report of the RFP, newest first, each marked out of date when the
    evaluation it was made from has changed since."""
    reports = list(
        Report.objects.filter(rfp=rfp)
        .select_related("job", "lot", "created_by")
        .order_by("-created_at")
    )
    current: dict[tuple[str, int | None], str] = {}
    available, problem = True, ""
    results_by_lot: dict[int | None, Any] = {}
    try:
        results_by_lot[None] = results_for_report(rfp=rfp, lot=None, user=user)
        if not any(lot.ranking for lot in results_by_lot[None].lots):
            available = False
            problem = " ".join(results_by_lot[None].problems) or (
                "No proposal is ranked yet: finish the scoring first."
            )
    except ApplicationError as exc:
        available, problem = False, exc.message
    rows = []
    for report in reports:
        key = (report.kind, report.lot_id)
        if available and key not in current:
            if report.lot_id not in results_by_lot:
                results_by_lot[report.lot_id] = results_for_report(
                    rfp=rfp, lot=report.lot, user=user
                )
            current[key] = inputs_hash(
                results=results_by_lot[report.lot_id], kind=report.kind, lot_id=report.lot_id
            )
        rows.append(
            ReportRow(
                report=report,
                status=job_status(report.job),
                out_of_date=available and current.get(key) != report.input_hash,
            )
        )
    return ReportsPage(rows=rows, available=available, problem=problem)
