"""A real worker on Redis is killed while it renders a report; the next worker
takes the job over and the report exists once, complete."""

from __future__ import annotations

import io
import time
import uuid

import pytest
from django.conf import settings
from pypdf import PdfReader

from bpo_portal.celery import app as celery_app
from jobs import services as job_services
from jobs.models import Job, JobState
from jobs.tasks import run_job
from reports import services
from reports.models import Report
from tests.helpers import RealWorker

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


def wait_for(condition, timeout, explain):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(explain())


def test_report_survives_a_killed_worker(scored, procurement_manager, monkeypatch):
    queue = f"test-report-crash-{uuid.uuid4().hex[:8]}"
    monkeypatch.setattr(
        job_services,
        "_send",
        lambda job_id: run_job.apply_async(kwargs={"job_id": job_id}, queue=queue),
    )
    celery_app.conf.task_always_eager = False
    workers: list[RealWorker] = []

    def start(name: str) -> RealWorker:
        worker = RealWorker(
            queue,
            # The worker writes the file where this test reads it.
            extra_env={**WORKER_ENV, "MEDIA_ROOT": str(settings.MEDIA_ROOT)},
            include=["tests.reports.slow_render"],
            name=f"{queue}-{name}",
        )
        workers.append(worker)
        worker.wait_ready()
        return worker

    try:
        first = start("first")
        report = services.report_request(actor=procurement_manager, rfp=scored.rfp, kind="pdf")
        wait_for(
            lambda: Job.objects.get(pk=report.job_id).state == JobState.RUNNING,
            60,
            lambda: f"never started:\n{first.output()}",
        )
        time.sleep(1)  # inside the slowed-down render
        first.kill()
        assert Job.objects.get(pk=report.job_id).state == JobState.RUNNING

        second = start("second")
        wait_for(
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
    finally:
        celery_app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER
        for worker in workers:
            worker.stop()
