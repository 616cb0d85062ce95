"""Jobs: states and transitions, idempotency, take-over, retries, time limits, broker outages."""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from typing import Any

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.core.files.base import ContentFile
from django.db import connection
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

from accounts.models import AuditEvent
from bpo_portal.celery import app as celery_app
from bpo_portal.errors import ConflictError, NotFoundError, ServiceUnavailableError
from jobs import services
from jobs.live import alive_key, cache_set, progress_key
from jobs.models import Job, JobState, StagedUpload
from jobs.registry import job_handler, unregister
from jobs.selectors import job_status, job_visible_to, jobs_visible_to
from jobs.services import (
    MAX_ATTEMPTS,
    QUEUE_DOWN_MESSAGE,
    RetryLater,
    job_create,
    job_retry,
    job_run,
    jobs_recover_stalled,
)
from jobs.tasks import run_job
from tests.jobs import handlers
from tests.jobs.conftest import make_job


def runs_recorded(job: Job) -> int:
    """How many runs of the handler were committed (the side effect that must happen once)."""
    return AuditEvent.objects.filter(action="test.job_ran", object_id=str(job.pk)).count()


# --- Creating, running, states --------------------------------------------------------------------


def test_a_new_job_is_queued_then_done_by_the_worker_with_its_result(
    buyer_admin, django_capture_on_commit_callbacks
):
    organization = buyer_admin.buyer_membership.organization
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = job_create(
            kind="test_steps",
            params={"steps": 4},
            organization=organization,
            created_by=buyer_admin,
        )
    assert job.state == JobState.QUEUED
    assert job.title == "Test steps"
    assert job.heartbeat_at is not None
    assert len(callbacks) == 1  # sent to the broker only once the transaction commits

    callbacks[0]()  # the commit: run eagerly, as a worker would
    job.refresh_from_db()
    assert job.state == JobState.DONE
    assert job.progress == 100
    assert job.result == {"summary": "4 steps done.", "pid": job.result["pid"]}
    assert job.attempts == 1
    assert job.started_at <= job.finished_at
    assert runs_recorded(job) == 1


def test_an_unknown_kind_is_a_programming_error(buyer_admin):
    with pytest.raises(ValueError, match="No handler"):
        job_create(kind="no_such_kind", created_by=buyer_admin)


def test_a_job_whose_handler_refuses_fails_with_its_readable_reason_and_keeps_nothing(
    buyer_admin, django_capture_on_commit_callbacks
):
    job = make_job(buyer_admin, django_capture_on_commit_callbacks, fail="Row 3 has no name.")
    assert job.state == JobState.FAILED
    assert job.error == "Row 3 has no name."
    assert job.finished_at is not None
    assert runs_recorded(job) == 0  # the handler's writes were rolled back with it


def test_a_bug_in_a_handler_fails_the_job_with_a_message_for_a_person(
    buyer_admin, django_capture_on_commit_callbacks, caplog
):
    job = make_job(buyer_admin, django_capture_on_commit_callbacks, crash=True)
    assert job.state == JobState.FAILED
    assert "Something went wrong on our side" in job.error
    assert "a bug" not in job.error  # no internals shown to the user...
    assert "a bug" in caplog.text  # ...but logged for us


def test_a_job_that_hits_the_soft_time_limit_fails_saying_it_took_too_long(
    buyer_admin, queued_job, settings
):
    settings.CELERY_TASK_SOFT_TIME_LIMIT = 540

    @job_handler("test_slow_forever", label="Slow")
    def slow(job: Job, progress: Any) -> None:
        raise SoftTimeLimitExceeded()

    try:
        Job.objects.filter(pk=queued_job.pk).update(kind="test_slow_forever")
        job = job_run(job_id=queued_job.pk)
    finally:
        unregister("test_slow_forever")
    assert job.state == JobState.FAILED
    assert job.error.startswith("This job took longer than 9 minutes and was stopped.")


# --- Idempotency and take-over --------------------------------------------------------------------


def test_running_the_task_twice_does_the_work_once(queued_job):
    assert run_job.apply(kwargs={"job_id": queued_job.pk}).get() == JobState.DONE
    assert run_job.apply(kwargs={"job_id": queued_job.pk}).get() == "skipped"
    queued_job.refresh_from_db()
    assert queued_job.attempts == 1
    assert handlers.RUNS[queued_job.pk] == 1
    assert runs_recorded(queued_job) == 1


def test_a_job_another_worker_is_running_is_left_to_it_and_looked_at_again_later(queued_job):
    services._claim(queued_job.pk, 0)  # another worker claimed it and beats
    with pytest.raises(RetryLater) as later:
        job_run(job_id=queued_job.pk)
    assert 0 < later.value.countdown <= services.stale_after() + 1
    assert queued_job.pk not in handlers.RUNS


def test_a_job_whose_worker_died_is_taken_over_and_restarted(queued_job):
    services._claim(queued_job.pk, 0)
    long_ago = timezone.now() - dt.timedelta(minutes=5)
    Job.objects.filter(pk=queued_job.pk).update(heartbeat_at=long_ago)
    services.cache_delete(alive_key(queued_job.pk))  # its heartbeat thread died with it

    job = job_run(job_id=queued_job.pk)

    assert job.state == JobState.DONE
    assert job.attempts == 2
    assert runs_recorded(job) == 1


def test_a_job_whose_worker_keeps_dying_is_failed_instead_of_started_again(queued_job):
    services._claim(queued_job.pk, 0)
    Job.objects.filter(pk=queued_job.pk).update(
        attempts=MAX_ATTEMPTS, heartbeat_at=timezone.now() - dt.timedelta(minutes=5)
    )
    services.cache_delete(alive_key(queued_job.pk))
    assert job_run(job_id=queued_job.pk) is None
    queued_job.refresh_from_db()
    assert queued_job.state == JobState.FAILED
    assert f"interrupted {MAX_ATTEMPTS} times" in queued_job.error
    assert queued_job.pk not in handlers.RUNS


def test_a_worker_that_lost_its_job_to_another_discards_its_work(buyer_admin, queued_job):
    """The result is recorded in the handler's transaction only if the job is still ours."""

    @job_handler("test_overtaken", label="Overtaken")
    def overtaken(job: Job, progress: Any) -> dict[str, Any]:
        handlers.steps(job, progress)  # writes its side effect...
        # ...meanwhile another worker presumed this one dead and claimed the job:
        Job.objects.filter(pk=job.pk).update(run_token=uuid.uuid4())
        return {"summary": "should not be recorded"}

    try:
        Job.objects.filter(pk=queued_job.pk).update(kind="test_overtaken")
        assert job_run(job_id=queued_job.pk) is None
    finally:
        unregister("test_overtaken")
    queued_job.refresh_from_db()
    assert queued_job.state == JobState.RUNNING  # still the other worker's
    assert queued_job.result == {}
    assert runs_recorded(queued_job) == 0  # this run's writes were rolled back


def test_a_deleted_or_failed_job_is_not_run(queued_job):
    Job.objects.filter(pk=queued_job.pk).update(state=JobState.FAILED)
    assert job_run(job_id=queued_job.pk) is None
    assert job_run(job_id=987654) is None
    assert handlers.RUNS == {}


# --- Transient errors -----------------------------------------------------------------------------


def test_a_temporary_database_error_is_retried_and_the_job_then_succeeds(queued_job, monkeypatch):
    Job.objects.filter(pk=queued_job.pk).update(params={"transient_failures": 2})
    monkeypatch.setattr(services, "_backoff", lambda retries: 0)
    # Eager tasks re-raise Retry when told to propagate errors; a worker would re-queue.
    monkeypatch.setitem(celery_app.conf, "task_eager_propagates", False)
    assert run_job.apply(kwargs={"job_id": queued_job.pk}).get() == JobState.DONE
    queued_job.refresh_from_db()
    assert queued_job.state == JobState.DONE
    assert handlers.RUNS[queued_job.pk] == 3
    assert queued_job.attempts == 3
    assert runs_recorded(queued_job) == 1  # the failed runs left nothing behind


def test_the_retry_waits_longer_each_time():
    waits = [services._backoff(n) for n in range(6)]
    assert waits[0] >= 5 and waits[1] >= 10 and waits[4] >= 80
    assert all(later > earlier for earlier, later in zip(waits, waits[1:], strict=False))
    assert max(waits) <= 300 + 6


def test_a_temporary_error_that_persists_fails_the_job_with_a_clear_reason(queued_job, monkeypatch):
    Job.objects.filter(pk=queued_job.pk).update(params={"transient_failures": 99})
    with pytest.raises(RetryLater) as later:
        job_run(job_id=queued_job.pk)
    assert later.value.transient_retries == 1
    queued_job.refresh_from_db()
    assert queued_job.state == JobState.QUEUED  # waiting for its retry, not stuck as running
    assert "Trying again in" in queued_job.progress_message

    job = job_run(job_id=queued_job.pk, transient_retries=services.MAX_TRANSIENT_RETRIES)
    assert job.state == JobState.FAILED
    assert "the database did not answer" in job.error
    assert "Please try again in a few minutes" in job.error


# --- Broker down ----------------------------------------------------------------------------------


@pytest.fixture
def broker_down(monkeypatch):
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise KombuOperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(run_job, "apply_async", refuse)


def test_when_the_broker_is_down_the_user_is_told_and_the_job_is_failed_not_stuck(
    buyer_admin, broker_down, django_capture_on_commit_callbacks
):
    with (
        pytest.raises(ServiceUnavailableError) as refused,
        django_capture_on_commit_callbacks(execute=True),
    ):
        job_create(kind="test_steps", created_by=buyer_admin)
    assert refused.value.status_code == 503
    assert refused.value.message == QUEUE_DOWN_MESSAGE
    job = Job.objects.get(pk=refused.value.extra["job_id"])
    assert job.state == JobState.FAILED
    assert "could not be queued" in job.error and "try again" in job.error


# --- Retry ----------------------------------------------------------------------------------------


def test_a_failed_job_can_be_tried_again_by_someone_of_the_same_organization(
    buyer_admin, viewer, django_capture_on_commit_callbacks
):
    job = make_job(buyer_admin, django_capture_on_commit_callbacks, fail="Not now.")
    assert job.state == JobState.FAILED
    Job.objects.filter(pk=job.pk).update(params={"steps": 2})
    job.refresh_from_db()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = job_retry(actor=viewer, job=job)
    assert job.state == JobState.QUEUED
    assert (job.error, job.attempts, job.progress) == ("", 0, 0)
    callbacks[0]()
    job.refresh_from_db()
    assert job.state == JobState.DONE
    assert job.result["summary"] == "2 steps done."


def test_only_a_failed_job_can_be_tried_again(buyer_admin, queued_job):
    with pytest.raises(ConflictError) as refused:
        job_retry(actor=buyer_admin, job=queued_job)
    assert refused.value.status_code == 409
    assert refused.value.message == "This job is already waiting to start."


def test_another_organization_cannot_retry_a_job(other_buyer, vendor_a, queued_job):
    Job.objects.filter(pk=queued_job.pk).update(state=JobState.FAILED)
    for outsider in (other_buyer, vendor_a):
        with pytest.raises(NotFoundError):
            job_retry(actor=outsider, job=queued_job)


def test_retrying_when_the_broker_is_down_fails_the_job_again_with_the_reason(
    buyer_admin, queued_job, broker_down, django_capture_on_commit_callbacks
):
    Job.objects.filter(pk=queued_job.pk).update(state=JobState.FAILED, error="Earlier problem.")
    with (
        pytest.raises(ServiceUnavailableError),
        django_capture_on_commit_callbacks(execute=True),
    ):
        job_retry(actor=buyer_admin, job=queued_job)
    queued_job.refresh_from_db()
    assert queued_job.state == JobState.FAILED
    assert queued_job.error == QUEUE_DOWN_MESSAGE


# --- Same inputs, same job ------------------------------------------------------------------------


def test_asking_again_with_the_same_inputs_returns_the_existing_job(
    buyer_admin, django_capture_on_commit_callbacks
):
    organization = buyer_admin.buyer_membership.organization
    with django_capture_on_commit_callbacks(execute=True):
        first = job_create(
            kind="test_steps", organization=organization, created_by=buyer_admin, input_hash="abc"
        )
        again = job_create(
            kind="test_steps", organization=organization, created_by=buyer_admin, input_hash="abc"
        )
        other = job_create(
            kind="test_steps", organization=organization, created_by=buyer_admin, input_hash="def"
        )
    assert again.pk == first.pk
    assert other.pk != first.pk
    Job.objects.filter(pk=first.pk).update(state=JobState.FAILED)
    with django_capture_on_commit_callbacks(execute=True):
        after_failure = job_create(
            kind="test_steps", organization=organization, created_by=buyer_admin, input_hash="abc"
        )
    assert after_failure.pk not in (first.pk, other.pk)


# --- Who sees a job -------------------------------------------------------------------------------


def test_a_user_sees_their_jobs_and_their_organizations_only(
    buyer_admin, evaluator, other_buyer, vendor_a, queued_job
):
    assert job_visible_to(user=buyer_admin, job=queued_job)
    assert job_visible_to(user=evaluator, job=queued_job)  # same organization
    assert not job_visible_to(user=other_buyer, job=queued_job)
    assert not job_visible_to(user=vendor_a, job=queued_job)
    assert list(jobs_visible_to(user=other_buyer)) == []
    own = job_create(kind="test_steps", created_by=vendor_a)  # no organization: only its creator
    assert list(jobs_visible_to(user=vendor_a)) == [own]
    assert not job_visible_to(user=buyer_admin, job=own)


# --- Progress -------------------------------------------------------------------------------------


def test_progress_is_seen_while_the_job_runs_and_from_the_cache_when_newer(queued_job):
    job = services._claim(queued_job.pk, 0)
    assert job_status(job).progress == 0
    cache_set(
        progress_key(job.pk),
        {"token": str(job.run_token), "percent": 40, "message": "Step 2 of 5", "at": time.time()},
    )
    status = job_status(job)
    assert (status.state, status.progress, status.message) == ("running", 40, "Step 2 of 5")
    # An entry left by an earlier run of the job is ignored.
    cache_set(
        progress_key(job.pk),
        {"token": str(uuid.uuid4()), "percent": 90, "message": "Old", "at": time.time()},
    )
    assert job_status(job).progress == 0


@pytest.mark.django_db(transaction=True)
def test_progress_is_visible_to_another_connection_while_the_handler_holds_a_transaction(
    buyer_admin,
):
    """The handler runs in one transaction (all or nothing): its progress cannot travel
    through the job's row, which others see only after the commit. It travels through
    the cache, shared by every process."""
    halfway, release = threading.Event(), threading.Event()

    @job_handler("test_waits_halfway", label="Waits halfway")
    def waits_halfway(job: Job, progress: Any) -> dict[str, Any]:
        assert connection.in_atomic_block
        progress(50, "Halfway there")
        halfway.set()
        release.wait(20)
        return {"summary": "ok"}

    job = Job.objects.create(kind="test_waits_halfway", title="Waits", created_by=buyer_admin)
    outcome: dict[str, Any] = {}

    def worker() -> None:
        try:
            outcome["job"] = job_run(job_id=job.pk)
        finally:
            connection.close()

    thread = threading.Thread(target=worker)
    thread.start()
    try:
        assert halfway.wait(20)
        seen = Job.objects.get(pk=job.pk)  # this thread's own connection
        assert seen.state == JobState.RUNNING
        assert seen.progress == 0  # the row lags behind...
        status = job_status(seen)
        assert (status.progress, status.message) == (50, "Halfway there")  # ...the cache does not
    finally:
        release.set()
        thread.join(30)
        unregister("test_waits_halfway")
    assert outcome["job"].state == JobState.DONE


@pytest.mark.django_db(transaction=True)
def test_progress_outside_a_transaction_is_also_written_to_the_row(buyer_admin, monkeypatch):
    monkeypatch.setattr(services.ProgressRecorder, "DB_INTERVAL", 0)
    seen: list[tuple[int, str]] = []

    @job_handler("test_looks_at_its_row", label="Looks", atomic=False)
    def looks(job: Job, progress: Any) -> None:
        progress(30, "A third")
        row = Job.objects.get(pk=job.pk)
        seen.append((row.progress, row.progress_message))

    try:
        job = Job.objects.create(kind="test_looks_at_its_row", created_by=buyer_admin)
        assert job_run(job_id=job.pk).state == JobState.DONE
    finally:
        unregister("test_looks_at_its_row")
    assert seen == [(30, "A third")]


# --- Files ----------------------------------------------------------------------------------------


def test_a_handler_attaches_a_private_file_under_a_random_name(
    buyer_admin, django_capture_on_commit_callbacks
):
    job = make_job(buyer_admin, django_capture_on_commit_callbacks, file="hello")
    assert job.result_file.name.startswith("private/jobs/")
    assert job.result_file.name.endswith(".txt")
    assert "result" not in job.result_file.name
    assert (job.result_filename, job.result_content_type) == ("result.txt", "text/plain")
    assert job.result_file.read() == b"hello"
    assert job_status(job).download_url == f"/jobs/{job.pk}/download/"


def test_a_failed_job_leaves_no_file_behind(buyer_admin, django_capture_on_commit_callbacks):
    @job_handler("test_file_then_fail", label="File then fail", atomic=False)
    def file_then_fail(job: Job, progress: Any) -> None:
        services.job_attach_file(job=job, content=b"x", filename="a.txt", content_type="text/plain")
        outcome["name"] = job.result_file.name
        raise services.ApplicationError("No.")

    outcome: dict[str, str] = {}
    try:
        job = Job.objects.create(kind="test_file_then_fail", created_by=buyer_admin)
        job = job_run(job_id=job.pk)
    finally:
        unregister("test_file_then_fail")
    assert job.state == JobState.FAILED
    assert not job.result_file
    assert not job.result_file.storage.exists(outcome["name"])


# --- Recovering stalled jobs ----------------------------------------------------------------------


@pytest.fixture
def sent(monkeypatch) -> list[int]:
    sent: list[int] = []
    monkeypatch.setattr(services, "_send", sent.append)
    return sent


def _running(job: Job, *, started_ago: dt.timedelta, beat_ago: dt.timedelta, attempts: int = 1):
    now = timezone.now()
    Job.objects.filter(pk=job.pk).update(
        state=JobState.RUNNING,
        run_token=uuid.uuid4(),
        attempts=attempts,
        started_at=now - started_ago,
        heartbeat_at=now - beat_ago,
    )


def test_a_running_job_whose_heartbeat_stopped_is_queued_again(
    queued_job, sent, django_capture_on_commit_callbacks
):
    _running(queued_job, started_ago=dt.timedelta(minutes=3), beat_ago=dt.timedelta(minutes=2))
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs_recover_stalled() == {"requeued": 1, "failed": 0, "resent": 0}
    queued_job.refresh_from_db()
    assert queued_job.state == JobState.QUEUED
    assert "will start again" in queued_job.progress_message
    assert sent == [queued_job.pk]


def test_a_job_alive_in_the_cache_is_left_alone(queued_job, sent):
    _running(queued_job, started_ago=dt.timedelta(minutes=3), beat_ago=dt.timedelta(minutes=2))
    queued_job.refresh_from_db()
    cache_set(alive_key(queued_job.pk), {"token": str(queued_job.run_token), "at": time.time()})
    assert jobs_recover_stalled() == {"requeued": 0, "failed": 0, "resent": 0}
    queued_job.refresh_from_db()
    assert queued_job.state == JobState.RUNNING


def test_a_job_killed_by_the_hard_time_limit_is_failed_with_the_reason(queued_job, settings, sent):
    settings.CELERY_TASK_TIME_LIMIT = 600
    _running(queued_job, started_ago=dt.timedelta(minutes=11), beat_ago=dt.timedelta(minutes=1))
    assert jobs_recover_stalled()["failed"] == 1
    queued_job.refresh_from_db()
    assert queued_job.state == JobState.FAILED
    assert queued_job.error.startswith("This job took longer than 10 minutes and was stopped.")
    assert sent == []


def test_a_job_whose_workers_keep_dying_is_failed_by_the_sweep(queued_job, sent):
    _running(
        queued_job,
        started_ago=dt.timedelta(minutes=2),
        beat_ago=dt.timedelta(minutes=2),
        attempts=MAX_ATTEMPTS,
    )
    assert jobs_recover_stalled()["failed"] == 1
    queued_job.refresh_from_db()
    assert queued_job.state == JobState.FAILED
    assert sent == []


def test_a_job_queued_for_long_is_sent_again_once_per_period(queued_job, sent):
    assert jobs_recover_stalled()["resent"] == 0  # just queued
    Job.objects.filter(pk=queued_job.pk).update(
        heartbeat_at=timezone.now() - dt.timedelta(minutes=20)
    )
    assert jobs_recover_stalled()["resent"] == 1
    assert jobs_recover_stalled()["resent"] == 0
    assert sent == [queued_job.pk]


def test_no_job_is_left_running_forever(queued_job, sent, django_capture_on_commit_callbacks):
    """However its worker died, a running job ends done or failed, never stuck."""
    _running(queued_job, started_ago=dt.timedelta(minutes=2), beat_ago=dt.timedelta(minutes=2))
    for _ in range(MAX_ATTEMPTS + 1):
        with django_capture_on_commit_callbacks(execute=True):
            jobs_recover_stalled()
        Job.objects.filter(pk=queued_job.pk, state=JobState.QUEUED).update(
            state=JobState.RUNNING,
            attempts=Job.objects.get(pk=queued_job.pk).attempts + 1,
            heartbeat_at=timezone.now() - dt.timedelta(minutes=2),
        )
    queued_job.refresh_from_db()
    assert queued_job.state == JobState.FAILED


# --- Uploaded inputs ------------------------------------------------------------------------------


def stored_input(user: Any) -> StagedUpload:
    return services.staged_upload_create(
        kind="test_steps",
        organization=user.buyer_membership.organization,
        uploaded_by=user,
        content=ContentFile(b"a,b\n"),
        filename="list.csv",
        content_type="text/csv",
        size=4,
        sha256="0" * 64,
    )


def test_uploaded_inputs_are_deleted_after_a_week_with_their_files(buyer_admin):
    upload = stored_input(buyer_admin)
    name = upload.file.name
    assert name.startswith("private/jobs/") and name.endswith(".csv")
    assert services.staged_uploads_delete_old() == 0
    assert services.staged_uploads_delete_old(now=timezone.now() + dt.timedelta(days=8)) == 1
    assert not StagedUpload.objects.exists()
    assert not upload.file.storage.exists(name)


@pytest.mark.parametrize("link", ["job", "check_job"])
def test_an_uploaded_input_is_kept_while_a_job_using_it_is_active(buyer_admin, queued_job, link):
    upload = stored_input(buyer_admin)
    setattr(upload, link, queued_job)
    upload.save()
    later = timezone.now() + dt.timedelta(days=8)
    assert services.staged_uploads_delete_old(now=later) == 0
    services._claim(queued_job.pk, 0)  # running: still in use
    assert services.staged_uploads_delete_old(now=later) == 0
    Job.objects.filter(pk=queued_job.pk).update(state=JobState.DONE)
    assert services.staged_uploads_delete_old(now=later) == 1
