"""Celery tasks for jobs: thin wrappers over jobs.services."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from jobs import services


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None)
def run_job(self: Any, job_id: int, transient_retries: int = 0) -> str:
    """Run one job. Acknowledged late: a worker killed mid-job leaves the message to
    the next worker, which takes the job over (see jobs.services). Safe to receive
    twice: a job already done or being run is not run again."""
    try:
        job = services.job_run(job_id=job_id, transient_retries=transient_retries)
    except services.RetryLater as later:
        raise self.retry(
            kwargs={"job_id": job_id, "transient_retries": later.transient_retries},
            countdown=later.countdown,
            max_retries=None,
        )
    return job.state if job is not None else "skipped"


@shared_task
def recover_stalled_jobs() -> dict[str, int]:
    """Beat, every minute: re-queue or fail jobs whose worker died; resend lost messages."""
    return services.jobs_recover_stalled()


@shared_task
def delete_old_uploads() -> int:
    """Beat, daily: delete uploaded job inputs after a week."""
    return services.staged_uploads_delete_old()
