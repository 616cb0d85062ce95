"""A real worker on Redis is killed while it renders a report; the next worker
takes the job over and the report exists once, complete."""

from __future__ import annotations

import io
import time

import pytest
from django.conf import settings
from pypdf import PdfReader

from jobs.models import Job, JobState
from reports import services
from reports.models import Report
from tests.helpers import wait_until, workers_on_a_private_queue

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        not settings.REDIS_URL,
        reason="needs Redis (set REDIS_URL): only Redis redelivers a dead worker's message",
    ),
]

WORKER_ENV = {
    "DJANGO_SETTINGS_MODULE": "tests.jobs.worker_settings",
    "CELERY_VISIBILITY_TIMEOUT": "2",
}


@pytest.fixture
def start_worker(monkeypatch):
    """Real workers on this test's private queue (jobs go there), stopped after it."""
    # The worker writes the file where this test reads it.
    env = {**WORKER_ENV, "MEDIA_ROOT": str(settings.MEDIA_ROOT)}
    with workers_on_a_private_queue(
        monkeypatch, "test-report-crash", extra_env=env, include=["tests.reports.slow_render"]
    ) as start:
        yield start


def test_report_survives_a_killed_worker(scored, procurement_manager, start_worker):
    first = start_worker("first")
    report = services.report_request(actor=procurement_manager, rfp=scored.rfp, kind="pdf")
    wait_until(
        lambda: Job.objects.get(pk=report.job_id).state == JobState.RUNNING,
        60,
        lambda: f"never started:\n{first.output()}",
    )
    time.sleep(1)  # inside the slowed-down render
    first.kill()
    assert Job.objects.get(pk=report.job_id).state == JobState.RUNNING

    second = start_worker("second")
    wait_until(
        lambda: Job.objects.get(pk=report.job_id).state == JobState.DONE,
        120,
        lambda: f"not taken over:\nfirst:\n{first.output()}\nsecond:\n{second.output()}",
    )
    job = Job.objects.get(pk=report.job_id)
    assert job.attempts == 2
    assert Report.objects.filter(rfp=scored.rfp).count() == 1
    job.result_file.open("rb")
    reader = PdfReader(io.BytesIO(job.result_file.read()))
    job.result_file.close()
    assert len(reader.pages) > 5
