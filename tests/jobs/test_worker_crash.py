"""A real worker is killed (SIGKILL) in the middle of a job; a second worker takes the
job over and completes it, exactly once. Needs Redis: it hands the unacknowledged
message of a dead worker to another one after the visibility timeout, whereas the
filesystem broker of development never redelivers it."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from django.conf import settings

from accounts.models import AuditEvent
from jobs.models import Job, JobState
from jobs.selectors import job_status
from jobs.services import job_create
from tests.helpers import RealWorker, wait_until, workers_on_a_private_queue

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not settings.REDIS_URL,
        reason="needs Redis (set REDIS_URL): the filesystem broker never redelivers the "
        "message of a worker that died, so there is nothing for a second worker to take over",
    ),
]

WORKER_ENV = {
    # Quick heartbeats (tests/jobs/worker_settings.py) and a short visibility timeout,
    # so that the take-over happens within seconds instead of minutes.
    "DJANGO_SETTINGS_MODULE": "tests.jobs.worker_settings",
    "CELERY_VISIBILITY_TIMEOUT": "2",
}


@pytest.fixture
def start_worker(monkeypatch) -> Iterator[Callable[[str], RealWorker]]:
    """Start real workers on a private queue; they are stopped after the test."""
    with workers_on_a_private_queue(
        monkeypatch, "test-crash", extra_env=WORKER_ENV, include=["tests.jobs.handlers"]
    ) as start:
        yield start


def test_a_worker_killed_mid_job_leaves_it_to_the_next_one_which_does_it_once(
    buyer_admin, start_worker
):
    first = start_worker("first")
    job = job_create(
        kind="test_steps",
        params={"steps": 20, "delay": 0.4},
        organization=buyer_admin.buyer_membership.organization,
        created_by=buyer_admin,
    )

    def progress() -> int:
        return job_status(Job.objects.get(pk=job.pk)).progress

    wait_until(lambda: progress() >= 20, 60, lambda: f"no progress:\n{first.output()}")
    first.kill()
    job.refresh_from_db()
    assert job.state == JobState.RUNNING  # left as it was: the worker had no say
    assert job.attempts == 1
    # What the killed worker wrote was in the job's transaction: nothing is committed.
    assert not AuditEvent.objects.filter(action="test.job_ran", object_id=str(job.pk)).exists()

    second = start_worker("second")
    wait_until(
        lambda: Job.objects.get(pk=job.pk).state == JobState.DONE,
        90,
        lambda: f"not taken over:\nfirst:\n{first.output()}\nsecond:\n{second.output()}",
    )
    job.refresh_from_db()
    assert job.attempts == 2
    assert job.result["pid"] == second.pid
    runs = AuditEvent.objects.filter(action="test.job_ran", object_id=str(job.pk))
    assert [event.summary for event in runs] == [f"pid {second.pid}"]  # exactly once
    assert "taking it over" in second.output()
