"""Asking for a report, building it, and recording who downloaded it."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from accounts.audit import audit_record
from accounts.mail import send_templated_email
from accounts.models import User
from bpo_portal.errors import ApplicationError, ConflictError, NotFoundError
from bpo_portal.permissions import Capability, require_buyer
from bpo_portal.uploads import XLSX_CONTENT_TYPE
from bpo_portal.web import site_link
from jobs.models import JobState
from jobs.services import job_create
from reports import content as report_content
from reports.excel import build_workbook
from reports.models import Report, ReportKind
from reports.pdf import render_pdf
from reports.selectors import inputs_hash, is_final, results_for_report
from rfp.models import RFP, Lot

JOB_KINDS = {ReportKind.PDF: "comparison_report_pdf", ReportKind.XLSX: "comparison_report_xlsx"}


def report_request(*, actor: User, rfp: RFP, kind: str, lot_id: int | None = None) -> Report:
    """Ask for a report. Unchanged inputs return the existing report (or the job
    already making it); otherwise a job is queued and the request returns at once."""
    membership = require_buyer(actor, Capability.GENERATE_REPORTS, rfp.organization_id)
    if kind not in ReportKind.values:
        raise ApplicationError.for_fields({"kind": f"'{kind}' is not a report kind."})
    lot = None
    if lot_id is not None:
        lot = Lot.objects.filter(rfp=rfp, pk=lot_id).first()
        if lot is None:
            raise NotFoundError("Lot not found.")
    results = results_for_report(rfp=rfp, lot=lot, user=actor)
    if not results.lots or not any(lot_result.ranking for lot_result in results.lots):
        raise ConflictError(
            "There is nothing to report yet: no proposal is ranked. "
            + (" ".join(results.problems) if results.problems else "Finish the scoring first.")
        )
    fingerprint = inputs_hash(results=results, kind=kind, lot_id=lot_id)
    with transaction.atomic():
        existing = (
            Report.objects.select_related("job")
            .filter(rfp=rfp, kind=kind, lot=lot, input_hash=fingerprint)
            .exclude(job__state=JobState.FAILED)
            .order_by("-created_at")
            .first()
        )
        if existing is not None:
            return existing
        scope = f" — {lot.name}" if lot else ""
        job = job_create(
            kind=JOB_KINDS[ReportKind(kind)],
            params={"rfp_id": rfp.pk, "lot_id": lot_id},
            organization=membership.organization,
            created_by=actor,
            title=f"{ReportKind(kind).label} for {rfp.reference}{scope}",
            input_hash=fingerprint,  # covers the kind and the lot too
        )
        report, _ = Report.objects.get_or_create(
            job=job,
            defaults={
                "rfp": rfp,
                "lot": lot,
                "kind": kind,
                "input_hash": fingerprint,
                "final": is_final(results),
                "created_by": actor,
            },
        )
        audit_record(
            actor=actor,
            action="report.requested",
            obj=rfp,
            organization=rfp.organization,
            summary=(
                f"{actor} asked for the {ReportKind(kind).label.lower()} of {rfp.reference}{scope}"
            ),
        )
    return report


def report_record_download(*, actor: User, report: Report) -> None:
    audit_record(
        actor=actor,
        action="report.downloaded",
        obj=report.rfp,
        organization=report.rfp.organization,
        summary=(
            f"{actor} downloaded the {report.get_kind_display().lower()} of {report.rfp.reference}"
        ),
        data={"report_id": report.pk},
    )


def report_ready_notify(*, report: Report) -> None:
    """The report is built: recorded (the organization's webhooks hear of it) and the
    person who asked for it e-mailed."""
    audit_record(
        actor=report.created_by,
        action="report.ready",
        obj=report,
        organization=report.rfp.organization,
        summary=f"The {report.get_kind_display().lower()} of {report.rfp.reference} is ready",
        data={"report_id": report.pk},
    )
    if report.created_by is None:
        return
    send_templated_email(
        to=[report.created_by.email],
        template_prefix="emails/report_ready",
        context={
            "report": report,
            "rfp": report.rfp,
            "url": site_link("report_list", report.rfp_id),
        },
    )


def build_report_file(*, report: Report, progress: Any) -> tuple[bytes, str, str]:
    """Render the report's file: (content, filename, content type)."""
    rfp = RFP.objects.select_related("organization").get(pk=report.rfp_id)
    if report.created_by is None:
        raise ApplicationError("The person who asked for this report no longer has an account.")
    progress(10, "Computing the results")
    results = results_for_report(rfp=rfp, lot=report.lot, user=report.created_by)
    stem = f"{rfp.reference or 'rfp'}-{'comparison' if report.kind == ReportKind.PDF else 'scores'}"
    if report.lot_id:
        stem += f"-lot-{report.lot_id}"
    if report.kind == ReportKind.XLSX:
        progress(40, "Filling the workbook")
        data = build_workbook(rfp=rfp, results=results)
        return data, f"{stem}.xlsx", XLSX_CONTENT_TYPE
    progress(25, "Reading the proposals")
    context = report_content.report_context(
        rfp=rfp, results=results, progress=progress, prepared_by=report.created_by
    )
    progress(60, "Laying out the PDF")
    data = render_pdf("reports/comparison.html", context)
    return data, f"{stem}.pdf", "application/pdf"
