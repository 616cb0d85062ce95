"""The browser door for jobs: a page, a status partial that htmx polls, retry, download."""

from __future__ import annotations

import hashlib
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from bpo_portal.errors import ApplicationError, NotFoundError
from bpo_portal.uploads import serve_private_file
from jobs import services
from jobs.models import JobState
from jobs.selectors import JobStatus, job_file_downloaded, job_for_user, job_status


def status_version(status: JobStatus) -> str:
    """Changes whenever what the partial shows changes."""
    text = f"{status.state}|{status.progress}|{status.message}|{status.error}"
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def status_context(
    status: JobStatus,
    *,
    next_url: str = "",
    reload_when_finished: bool = False,
    announce: bool = False,
) -> dict[str, Any]:
    """The context of jobs/partials/job_panel.html, for any page that shows a job.

    `next_url`: where "Try again" returns without JavaScript (the page itself).
    `reload_when_finished`: reload the whole page when the job is done or failed,
    for pages that show the result below the status.
    """
    return {
        "status": status,
        "version": status_version(status),
        "next_url": next_url,
        "reload_when_finished": reload_when_finished,
        "announce": announce,
    }


def _safe_next(request: HttpRequest, default: str) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


@login_required
@require_GET
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = job_for_user(user=request.user, pk=pk)
    return render(
        request,
        "jobs/job_detail.html",
        {"job": job, **status_context(job_status(job), next_url=request.get_full_path())},
    )


@login_required
@require_GET
def job_status_partial(request: HttpRequest, pk: int) -> HttpResponse:
    """Polled every second by htmx while the job is queued or running. Answers 204
    (htmx keeps what it shows) while nothing changed."""
    job = job_for_user(user=request.user, pk=pk)
    status = job_status(job)
    if request.GET.get("seen") == status_version(status) and status.is_active:
        return HttpResponse(status=204)
    reload_when_finished = request.GET.get("reload") == "1"
    if reload_when_finished and not status.is_active and request.htmx:  # type: ignore[attr-defined]
        return HttpResponse(headers={"HX-Refresh": "true"})
    return render(
        request,
        "jobs/partials/job_status.html",
        status_context(
            status,
            next_url=_safe_next(request, ""),
            reload_when_finished=reload_when_finished,
            announce=request.GET.get("state", status.state) != status.state,
        ),
    )


@login_required
@require_POST
def job_retry(request: HttpRequest, pk: int) -> HttpResponseBase:
    job = job_for_user(user=request.user, pk=pk)
    next_url = _safe_next(request, reverse("job_detail", args=[pk]))
    try:
        job = services.job_retry(actor=request.user, job=job)  # type: ignore[arg-type]
    except ApplicationError:
        if not request.htmx:  # type: ignore[attr-defined]
            raise
        # The partial shows the job as it is now (failed again, with the reason).
        job.refresh_from_db()
    if request.htmx:  # type: ignore[attr-defined]
        return render(
            request,
            "jobs/partials/job_status.html",
            status_context(
                job_status(job),
                next_url=next_url,
                reload_when_finished=request.POST.get("reload") == "1",
                announce=True,
            ),
        )
    messages.success(request, "The job is queued again.")
    return redirect(next_url)


@login_required
@require_GET
def job_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    job = job_for_user(user=request.user, pk=pk)
    if job.state != JobState.DONE or not job.result_file:
        raise NotFoundError("This job has no file to download.")
    job_file_downloaded(user=request.user, job=job)
    return serve_private_file(
        request,
        job.result_file,
        filename=job.result_filename,
        content_type=job.result_content_type,
    )
