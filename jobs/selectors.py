"""Reads about jobs: who may see which, and a job's live status."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import NoReverseMatch, reverse

from accounts.audit import audit_record
from bpo_portal.errors import NotFoundError
from bpo_portal.permissions import buyer_membership
from jobs.live import cache_get, progress_key
from jobs.models import ACTIVE_STATES, Job, JobState
from jobs.registry import job_kind


def jobs_visible_to(*, user: Any) -> QuerySet[Job]:
    """A user sees a job iff they started it or it belongs to their buyer organization."""
    if not getattr(user, "is_authenticated", False):
        return Job.objects.none()
    condition = Q(created_by=user)
    membership = buyer_membership(user)
    if membership is not None:
        condition |= Q(organization_id=membership.organization_id)
    return Job.objects.filter(condition)


def job_visible_to(*, user: Any, job: Job) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if job.created_by_id == user.pk:
        return True
    membership = buyer_membership(user)
    return (
        membership is not None
        and job.organization_id is not None
        and job.organization_id == membership.organization_id
    )


def job_for_user(*, user: Any, pk: int) -> Job:
    """The job, or NotFoundError (404) if it does not exist or the user may not see it."""
    job = jobs_visible_to(user=user).select_related("created_by").filter(pk=pk).first()
    registered = job_kind(job.kind) if job is not None else None
    if job is None or (
        registered is not None
        and registered.can_see is not None
        and not registered.can_see(user, job)
    ):
        raise NotFoundError("This job does not exist, or you cannot see it.")
    return job


def job_file_downloaded(*, user: Any, job: Job) -> None:
    """Record the download of a job's file (page and API both come here): the job's kind
    records it in its own words (reports name the report and the RFP); any other kind's
    file is recorded here, so no private file leaves unrecorded."""
    registered = job_kind(job.kind)
    if registered is not None and registered.on_download is not None:
        registered.on_download(user, job)
        return
    audit_record(
        actor=user,
        action="job.file_downloaded",
        obj=job,
        organization=job.organization,
        summary=f"{user} downloaded {job.result_filename or 'the file'} of {job}",
        data={"kind": job.kind, "file": job.result_filename},
    )


@dataclass(frozen=True)
class JobStatus:
    """What a person (page or API) is told about a job right now."""

    job: Job
    state: str
    state_label: str
    progress: int
    message: str
    error: str
    result: dict[str, Any]
    summary: str
    download_url: str | None
    result_url: str | None
    result_label: str
    kind_label: str
    updated_at: dt.datetime | None

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES


def _result_url(job: Job) -> str | None:
    registered = job_kind(job.kind)
    if registered is None or registered.result_url is None:
        return None
    try:
        return registered.result_url(job)
    except NoReverseMatch:  # the result page is not mounted (yet)
        return None


def job_status(job: Job) -> JobStatus:
    """State, progress and links. While the job runs, its handler may hold a transaction
    open, so the newest progress may be in the cache rather than in the row."""
    progress, message, updated_at = job.progress, job.progress_message, job.heartbeat_at
    if job.state == JobState.RUNNING:
        cached = cache_get(progress_key(job.pk))
        if isinstance(cached, dict) and cached.get("token") == str(job.run_token):
            at = dt.datetime.fromtimestamp(cached["at"], tz=dt.UTC)
            if updated_at is None or at >= updated_at:
                progress, message, updated_at = cached["percent"], cached["message"], at
    elif job.state == JobState.DONE:
        progress = 100
    registered = job_kind(job.kind)
    result = job.result if isinstance(job.result, dict) else {}
    done = job.state == JobState.DONE
    return JobStatus(
        job=job,
        state=job.state,
        state_label=JobState(job.state).label,
        progress=progress,
        message=message,
        error=job.error,
        result=result,
        summary=str(result.get("summary", "")) if done else "",
        download_url=reverse("job_download", args=[job.pk]) if done and job.result_file else None,
        result_url=_result_url(job) if done else None,
        result_label=registered.result_label if registered else "",
        kind_label=registered.label if registered else job.kind,
        updated_at=updated_at,
    )
