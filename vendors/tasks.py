"""Celery tasks and job handlers for vendors: thin wrappers over services."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.db import OperationalError
from django.urls import reverse

from jobs.models import Job
from jobs.registry import Progress, job_handler
from vendors import imports, services


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def process_certificate_expiry() -> dict[str, int]:
    """Beat, daily: e-mail owners 30 and 7 days before a certificate expires; mark
    expired ones. Safe to run twice a day: each notice is sent once."""
    return services.certificates_process_expiry()


def _import_page(job: Job) -> str | None:
    upload_id = job.params.get("upload_id")
    return reverse("vendor_import_detail", args=[upload_id]) if upload_id else None


@job_handler(
    imports.IMPORT_KIND,
    label="Vendor import",
    result_url=_import_page,
    result_label="See the imported vendors",
)
def run_vendor_import(job: Job, progress: Progress) -> dict[str, Any]:
    return imports.vendor_import_execute(job=job, progress=progress)


@job_handler(
    imports.CHECK_KIND,
    label="Vendor file check",
    # Only reads the file and the directory: no transaction held open while it does.
    atomic=False,
    result_url=_import_page,
    result_label="See the rows",
)
def run_vendor_import_check(job: Job, progress: Progress) -> dict[str, Any]:
    return imports.vendor_import_check(job=job, progress=progress)
