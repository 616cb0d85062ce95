"""Every write about jobs: create, claim and run, progress, finish, fail, retry, recover.

A job's life: `job_create` records it as queued and sends `jobs.tasks.run_job`
once the transaction commits. The worker claims it (queued -> running) in a
short transaction, runs its handler, and records the result (done) or a reason
a person can read (failed). A failed job can be tried again (`job_retry`).

Reliability, in the order things go wrong:
- The broker is down when the job is created: the job is marked failed and the
  user gets ServiceUnavailableError (503) — never a job silently stuck in the queue.
- A temporary error (database or network) retries with exponential back-off.
- The soft time limit fails the job with "took longer than N minutes".
- A worker dies mid-job: its heartbeat stops. With acks_late the broker hands the
  message to another worker, which takes the job over once the heartbeat is stale;
  the `jobs_recover_stalled` beat task re-queues (or, after repeated deaths or the
  hard time limit, fails) whatever the broker did not redeliver.
- Each claim gets a new `run_token`, and the result is recorded only if the token
  is still ours, in the same transaction as the handler's writes: a worker presumed
  dead that was in fact alive discards its work. Each job is done exactly once.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import BuyerOrganization, User
from bpo_portal.errors import (
    ApplicationError,
    ConflictError,
    NotFoundError,
    ServiceUnavailableError,
)
from bpo_portal.queue import BrokerUnavailable, enqueue_now
from bpo_portal.uploads import OBJECT_STORAGE_UNREACHABLE, stored_file_delete
from jobs.live import alive_key, cache_delete, cache_get, cache_set, progress_key
from jobs.models import Job, JobState, StagedUpload
from jobs.registry import job_kind
from jobs.selectors import job_visible_to

logger = logging.getLogger(__name__)

# Errors worth trying again after a pause: the database or the network hiccuped.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    ConnectionError,
    TimeoutError,
    *OBJECT_STORAGE_UNREACHABLE,  # saving or reading a file on S3
)
MAX_TRANSIENT_RETRIES = 5
# How many times a worker may die in the middle of a job before it is failed.
MAX_ATTEMPTS = 3
# A queued job that has not started after this long is sent to the broker again
# (its message may have been lost); running it twice is harmless.
QUEUED_RESEND_AFTER = dt.timedelta(minutes=15)

QUEUE_DOWN_MESSAGE = (
    "The job could not be queued: the background-job service is not answering. "
    "Nothing was done. Please try again in a few minutes."
)
UNEXPECTED_MESSAGE = (
    "Something went wrong on our side and the job stopped. Nothing was saved. "
    "Please try again; if it fails again, contact support."
)
TRANSIENT_MESSAGE = (
    "A temporary problem ({problem}) kept interrupting this job, so it was stopped after "
    "{tries} tries. Nothing was saved. Please try again in a few minutes."
)
CRASHED_MESSAGE = (
    "The job was interrupted {attempts} times (the server running it stopped), so it was "
    "not started again. Nothing was saved. Please try again; if it fails again, contact support."
)
TOO_LONG_MESSAGE = (
    "This job took longer than {minutes} minutes and was stopped. Nothing was saved. "
    "Please try again; if it happens again, split the work into smaller parts."
)


def heartbeat_interval() -> float:
    """Seconds between two heartbeats of a running job."""
    return float(getattr(settings, "JOBS_HEARTBEAT_INTERVAL", 10))


def stale_after() -> float:
    """Seconds without a heartbeat after which a running job's worker is presumed dead."""
    return float(getattr(settings, "JOBS_STALE_AFTER", 60))


def _minutes(seconds: float) -> int:
    return max(1, round(seconds / 60))


# --- Live progress and heartbeats (see jobs.live) -------------------------------------


def last_sign_of_life(job: Job) -> dt.datetime | None:
    """The latest of the job row's heartbeat and the worker's heartbeat in the cache."""
    moments = [job.heartbeat_at] if job.heartbeat_at else []
    alive = cache_get(alive_key(job.pk))
    if isinstance(alive, dict) and alive.get("token") == str(job.run_token):
        moments.append(dt.datetime.fromtimestamp(alive["at"], tz=dt.UTC))
    return max(moments) if moments else None


class ProgressRecorder:
    """The `progress(percent, message)` callable a handler receives."""

    DB_INTERVAL = 1.0  # at most one database write a second

    def __init__(self, job: Job) -> None:
        self.job = job
        self._last: tuple[int, str] | None = None
        self._last_db_write = 0.0

    def __call__(self, percent: float, message: str = "") -> None:
        value = (max(0, min(100, int(percent))), str(message)[:200])
        if value == self._last:
            return
        self._last = value
        now = time.time()
        token = str(self.job.run_token)
        cache_set(
            progress_key(self.job.pk),
            {"token": token, "percent": value[0], "message": value[1], "at": now},
        )
        cache_set(alive_key(self.job.pk), {"token": token, "at": now})
        if connection.in_atomic_block or now - self._last_db_write < self.DB_INTERVAL:
            return
        self._last_db_write = now
        updated = Job.objects.filter(
            pk=self.job.pk, run_token=self.job.run_token, state=JobState.RUNNING
        ).update(
            progress=value[0],
            progress_message=value[1],
            heartbeat_at=dt.datetime.fromtimestamp(now, tz=dt.UTC),
        )
        if not updated:
            raise JobSuperseded()


@contextmanager
def _heartbeat(job: Job) -> Iterator[None]:
    """Beat in the cache from a thread while the handler runs, however long its steps."""
    stop = threading.Event()
    key, token = alive_key(job.pk), str(job.run_token)

    def beat() -> None:
        while not stop.wait(heartbeat_interval()):
            cache_set(key, {"token": token, "at": time.time()})

    cache_set(key, {"token": token, "at": time.time()})
    thread = threading.Thread(target=beat, name=f"job-{job.pk}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)
        cache_delete(key)


# --- Creating and retrying ----------------------------------------------------------------


def _send(job_id: int) -> None:
    """Put run_job on the queue now; raises BrokerUnavailable."""
    # The task and its service: jobs.tasks.run_job calls this module, so the task is
    # imported when a job is sent, not when this module loads.
    from jobs.tasks import run_job  # noqa: PLC0415

    enqueue_now(run_job, job_id=job_id)


def _enqueue_on_commit(job: Job) -> None:
    """Send the job once the transaction commits. If the broker is down, the job is
    marked failed and ServiceUnavailableError propagates to the caller (from the end
    of its `atomic` block, or from here when no transaction is open)."""
    job_id = job.pk

    def send() -> None:
        try:
            _send(job_id)
        except BrokerUnavailable:
            Job.objects.filter(pk=job_id, state=JobState.QUEUED).update(
                state=JobState.FAILED,
                error=QUEUE_DOWN_MESSAGE,
                progress_message="",
                finished_at=timezone.now(),
            )
            raise ServiceUnavailableError(QUEUE_DOWN_MESSAGE, extra={"job_id": job_id})

    transaction.on_commit(send)


def job_create(
    *,
    kind: str,
    params: dict[str, Any] | None = None,
    organization: BuyerOrganization | None = None,
    created_by: User | None = None,
    title: str = "",
    input_hash: str = "",
) -> Job:
    """Record a job and queue it once the transaction commits.

    With `input_hash`, a job of the same kind and organization made from the same
    inputs that is queued, running or done is returned instead of a new one.
    Raises ServiceUnavailableError (503) if the broker is down: the job is then
    recorded as failed, with a message saying to try again.
    """
    registered = job_kind(kind)
    if registered is None:
        raise ValueError(f"No handler is registered for job kind {kind!r}.")
    with transaction.atomic():
        if input_hash:
            same = Job.objects.filter(kind=kind, organization=organization, input_hash=input_hash)
            if organization is None:
                same = same.filter(created_by=created_by)
            existing = same.exclude(state=JobState.FAILED).order_by("-created_at").first()
            if existing is not None:
                return existing
        job = Job.objects.create(
            kind=kind,
            title=(title or registered.label)[:200],
            params=params or {},
            organization=organization,
            created_by=created_by,
            input_hash=input_hash,
            state=JobState.QUEUED,
            progress_message="Waiting to start",
            heartbeat_at=timezone.now(),
        )
        _enqueue_on_commit(job)
    return job


def job_retry(*, actor: User, job: Job) -> Job:
    """Queue a failed job again. Anyone who may see the job may try it again."""
    with transaction.atomic():
        locked = Job.objects.select_for_update().filter(pk=job.pk).first()
        if locked is None or not job_visible_to(user=actor, job=locked):
            raise NotFoundError("This job does not exist, or you cannot see it.")
        if locked.state != JobState.FAILED:
            raise ConflictError(
                {
                    JobState.QUEUED: "This job is already waiting to start.",
                    JobState.RUNNING: "This job is running.",
                    JobState.DONE: "This job has already finished.",
                }.get(JobState(locked.state), "Only a failed job can be tried again.")
            )
        locked.state = JobState.QUEUED
        locked.progress = 0
        locked.progress_message = "Waiting to start"
        locked.error = ""
        locked.result = {}
        locked.attempts = 0
        locked.run_token = None
        locked.started_at = locked.finished_at = None
        locked.heartbeat_at = timezone.now()
        locked.save()
        _enqueue_on_commit(locked)
    return locked


# --- Running --------------------------------------------------------------------------------


class JobSuperseded(Exception):
    """Another worker took this job over: this run's work is discarded."""


class RetryLater(Exception):
    """Run the task again after `countdown` seconds (the task turns this into a Celery retry)."""

    def __init__(self, countdown: float, transient_retries: int) -> None:
        super().__init__(f"retry in {countdown:.0f} s")
        self.countdown = countdown
        self.transient_retries = transient_retries


def _claim(job_id: int, transient_retries: int) -> Job | None:
    """Take the job for this worker: the job to run, or None if there is nothing to do."""
    now = timezone.now()
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.state in (JobState.DONE, JobState.FAILED):
            return None  # deleted, already done (a duplicate message), or given up on
        if job.state == JobState.RUNNING:
            last = last_sign_of_life(job)
            age = (now - last).total_seconds() if last else float("inf")
            if age < stale_after():
                # Another worker is on it (or died moments ago): look again once
                # its heartbeat would be stale.
                raise RetryLater(stale_after() - age + 1, transient_retries)
            if job.attempts >= MAX_ATTEMPTS:
                _fail_locked(job, CRASHED_MESSAGE.format(attempts=job.attempts))
                return None
            logger.warning("Job %s: its worker stopped; taking it over.", job.pk)
        job.state = JobState.RUNNING
        job.attempts += 1
        job.run_token = uuid.uuid4()
        job.started_at = job.heartbeat_at = now
        job.finished_at = None
        job.progress = 0
        job.progress_message = "Starting"
        job.error = ""
        job.save(
            update_fields=[
                "state",
                "attempts",
                "run_token",
                "started_at",
                "heartbeat_at",
                "finished_at",
                "progress",
                "progress_message",
                "error",
            ]
        )
    cache_delete(progress_key(job.pk))
    return job


def _finish(job: Job, result: dict[str, Any] | None) -> None:
    """Record the result, if the job is still ours (call inside the handler's transaction)."""
    now = timezone.now()
    updated = Job.objects.filter(pk=job.pk, run_token=job.run_token, state=JobState.RUNNING).update(
        state=JobState.DONE,
        progress=100,
        progress_message="",
        result=result or {},
        result_file=job.result_file.name or "",
        result_filename=job.result_filename,
        result_content_type=job.result_content_type,
        finished_at=now,
        heartbeat_at=now,
    )
    if not updated:
        raise JobSuperseded()


def _fail_locked(job: Job, message: str) -> None:
    now = timezone.now()
    Job.objects.filter(pk=job.pk).update(
        state=JobState.FAILED, error=message, progress_message="", finished_at=now, heartbeat_at=now
    )


def _fail(job: Job, message: str) -> None:
    now = timezone.now()
    Job.objects.filter(pk=job.pk, run_token=job.run_token, state=JobState.RUNNING).update(
        state=JobState.FAILED, error=message, progress_message="", finished_at=now, heartbeat_at=now
    )
    _discard_file(job)


def _discard_file(job: Job) -> None:
    name = job.result_file.name
    if name:
        job.result_file.name = ""
        stored_file_delete(job.result_file.storage, name)


def _backoff(transient_retries: int) -> float:
    """5, 10, 20, 40, 80 seconds (at most 5 minutes), with a little jitter."""
    return float(min(5 * 2**transient_retries, 300)) + random.uniform(0, 1 + transient_retries)


def _problem(exc: BaseException) -> str:
    if isinstance(exc, OperationalError | InterfaceError):
        return "the database did not answer"
    if isinstance(exc, TimeoutError):
        return "a service took too long to answer"
    return "a connection failed"


def job_run(*, job_id: int, transient_retries: int = 0) -> Job | None:
    """Claim the job and run its handler; called by the run_job task.

    Returns the job as this worker left it (None if there was nothing to do).
    Raises RetryLater when the task should run again later: a temporary error,
    or another worker that may still be on the job.
    """
    job = _claim(job_id, transient_retries)
    if job is None:
        return None
    registered = job_kind(job.kind)
    if registered is None:
        _fail(job, f"This kind of job ({job.kind}) cannot be run. Please contact support.")
        return job
    progress = ProgressRecorder(job)
    try:
        with _heartbeat(job):
            if registered.atomic:
                with transaction.atomic():
                    result = registered.handler(job, progress)
                    _finish(job, result)
            else:
                result = registered.handler(job, progress)
                _finish(job, result)
    except JobSuperseded:
        logger.warning("Job %s was taken over by another worker; discarding this run.", job.pk)
        _discard_file(job)
        return None
    except SoftTimeLimitExceeded:
        _fail(job, TOO_LONG_MESSAGE.format(minutes=_minutes(settings.CELERY_TASK_SOFT_TIME_LIMIT)))
    except ApplicationError as exc:
        _fail(job, exc.message)
    except TRANSIENT_ERRORS as exc:
        if transient_retries >= MAX_TRANSIENT_RETRIES:
            logger.error("Job %s: giving up after temporary errors: %s", job.pk, exc)
            _fail(job, TRANSIENT_MESSAGE.format(problem=_problem(exc), tries=transient_retries + 1))
        else:
            countdown = _backoff(transient_retries)
            logger.warning("Job %s: %s; trying again in %.0f s.", job.pk, exc, countdown)
            _requeue_quietly(
                job, f"Interrupted by a temporary problem. Trying again in {countdown:.0f} seconds."
            )
            raise RetryLater(countdown, transient_retries + 1) from exc
    except Exception:
        logger.exception("Job %s (%s) failed.", job.pk, job.kind)
        _fail(job, UNEXPECTED_MESSAGE)
    job.refresh_from_db()
    return job


def _requeue_quietly(job: Job, message: str) -> None:
    """Back to queued before a retry. Best effort: the database may be the problem."""
    _discard_file(job)
    try:
        Job.objects.filter(pk=job.pk, run_token=job.run_token, state=JobState.RUNNING).update(
            state=JobState.QUEUED, progress_message=message, heartbeat_at=timezone.now()
        )
    except TRANSIENT_ERRORS as exc:
        logger.warning("Job %s: could not record the retry: %s", job.pk, exc)


def job_attach_file(*, job: Job, content: bytes, filename: str, content_type: str) -> None:
    """From a handler: store the job's downloadable result (private, random name)."""
    _discard_file(job)
    job.result_file.save(filename, ContentFile(content), save=False)
    job.result_filename = filename[:200]
    job.result_content_type = content_type[:100]


# --- Recovering what was lost ---------------------------------------------------------------


def _send_quietly(job_id: int) -> None:
    try:
        _send(job_id)
    except BrokerUnavailable:
        logger.warning("Job %s: the broker is down; the next sweep will send it.", job_id)


def jobs_recover_stalled(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Beat task: no job stays running after its worker died, or queued after its message
    was lost. Running jobs without a heartbeat are re-queued (failed after the hard time
    limit or MAX_ATTEMPTS deaths); queued jobs waiting too long are sent again."""
    now = now or timezone.now()
    counts = {"requeued": 0, "failed": 0, "resent": 0}
    stale = now - dt.timedelta(seconds=stale_after())
    for job_id in Job.objects.filter(
        Q(heartbeat_at__lt=stale) | Q(heartbeat_at__isnull=True), state=JobState.RUNNING
    ).values_list("pk", flat=True)[:500]:
        outcome = _recover_running(job_id, now)
        if outcome:
            counts[outcome] += 1
    for job_id in Job.objects.filter(
        Q(heartbeat_at__lt=now - QUEUED_RESEND_AFTER) | Q(heartbeat_at__isnull=True),
        state=JobState.QUEUED,
    ).values_list("pk", flat=True)[:500]:
        if Job.objects.filter(pk=job_id, state=JobState.QUEUED).update(heartbeat_at=now):
            _send_quietly(job_id)
            counts["resent"] += 1
    return counts


def _recover_running(job_id: int, now: dt.datetime) -> str | None:
    with transaction.atomic():
        job = (
            Job.objects.select_for_update(skip_locked=True)
            .filter(pk=job_id, state=JobState.RUNNING)
            .first()
        )
        if job is None:
            return None
        last = last_sign_of_life(job)
        if last is not None and (now - last).total_seconds() < stale_after():
            return None  # the worker is alive: it beats in the cache
        hard_limit = settings.CELERY_TASK_TIME_LIMIT
        if job.started_at and (now - job.started_at).total_seconds() >= hard_limit:
            _fail_locked(job, TOO_LONG_MESSAGE.format(minutes=_minutes(hard_limit)))
            return "failed"
        if job.attempts >= MAX_ATTEMPTS:
            _fail_locked(job, CRASHED_MESSAGE.format(attempts=job.attempts))
            return "failed"
        Job.objects.filter(pk=job.pk).update(
            state=JobState.QUEUED,
            progress_message="The worker running this job stopped. It will start again shortly.",
            heartbeat_at=now,
        )
        transaction.on_commit(lambda: _send_quietly(job_id))
    logger.warning("Job %s: its worker stopped; queued again.", job_id)
    return "requeued"


# --- Uploaded inputs --------------------------------------------------------------------------


def staged_upload_create(
    *,
    kind: str,
    organization: BuyerOrganization | None,
    uploaded_by: User,
    content: Any,
    filename: str,
    content_type: str,
    size: int,
    sha256: str,
) -> StagedUpload:
    """Store an uploaded input file privately (random name) until its job has used it."""
    upload = StagedUpload(
        kind=kind,
        organization=organization,
        uploaded_by=uploaded_by,
        filename=filename[:200],
        content_type=content_type,
        size=size,
        sha256=sha256,
    )
    upload.file.save(filename, content, save=False)
    try:
        upload.save()
    except Exception:
        if upload.file.name:
            stored_file_delete(upload.file.storage, upload.file.name)
        raise
    return upload


def staged_uploads_delete_old(*, now: dt.datetime | None = None, days: int = 7) -> int:
    """Daily: uploaded inputs are deleted a week after upload, unless a job using them (the
    check or the job itself) is active."""
    now = now or timezone.now()
    old = (
        StagedUpload.objects.filter(created_at__lt=now - dt.timedelta(days=days))
        .exclude(job__state__in=[JobState.QUEUED, JobState.RUNNING])
        .exclude(check_job__state__in=[JobState.QUEUED, JobState.RUNNING])
    )
    deleted = 0
    for upload in old.iterator():
        name = upload.file.name
        upload.delete()
        if name:
            stored_file_delete(upload.file.storage, name)
        deleted += 1
    return deleted
