"""The report jobs: thin handlers over reports.services (jobs app runs them)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from bpo_portal.permissions import Capability, buyer_can
from jobs.models import Job
from jobs.registry import Progress, job_handler
from jobs.services import job_attach_file
from reports.models import Report
from reports.services import build_report_file, report_ready_notify, report_record_download


def _report_page(job: Job) -> str | None:
    rfp_id = (job.params or {}).get("rfp_id")
    return reverse("report_list", args=[rfp_id]) if rfp_id else None


def _can_see(user: Any, job: Job) -> bool:
    """Reports show the whole evaluation: only readers of results (not evaluators)."""
    return buyer_can(user, Capability.VIEW_REPORTS, job.organization_id)


def _downloaded(user: Any, job: Job) -> None:
    report = Report.objects.select_related("rfp").filter(job=job).first()
    if report is not None:
        report_record_download(actor=user, report=report)


def _build(job: Job, progress: Progress) -> dict[str, Any]:
    report = Report.objects.select_related("rfp", "lot", "created_by").get(job=job)
    content, filename, content_type = build_report_file(report=report, progress=progress)
    progress(95, "Saving the file")
    job_attach_file(job=job, content=content, filename=filename, content_type=content_type)
    report_ready_notify(report=report)
    size_kb = max(1, len(content) // 1024)
    return {"summary": f"{filename} is ready ({size_kb} KB).", "filename": filename}


@job_handler(
    "comparison_report_pdf",
    label="PDF comparison report",
    atomic=False,
    result_url=_report_page,
    result_label="Go to the reports",
    can_see=_can_see,
    on_download=_downloaded,
)
def build_pdf_report(job: Job, progress: Progress) -> dict[str, Any]:
    return _build(job, progress)


@job_handler(
    "comparison_report_xlsx",
    label="Excel export",
    atomic=False,
    result_url=_report_page,
    result_label="Go to the reports",
    can_see=_can_see,
    on_download=_downloaded,
)
def build_xlsx_report(job: Job, progress: Progress) -> dict[str, Any]:
    return _build(job, progress)
