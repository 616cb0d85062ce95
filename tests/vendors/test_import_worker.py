"""The check of an uploaded vendor file in real workers: one is killed (SIGKILL) while it
reads the file; a second takes the check over and does it again from the top. Needs
Redis (see tests/jobs/test_worker_crash.py: only Redis redelivers a dead worker's message)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from django.conf import settings

from jobs.models import Job, JobState, StagedUpload
from jobs.selectors import job_status
from tests.helpers import RealWorker, wait_until, workers_on_a_private_queue
from tests.jobs.test_worker_crash import WORKER_ENV
from tests.vendors.test_import import xlsx_file
from vendors.imports import vendor_import_checked_preview, vendor_import_upload

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (set REDIS_URL)"),
]


@pytest.fixture
def start_worker(monkeypatch) -> Iterator[Callable[[str], RealWorker]]:
    # The worker reads the file the test process stored.
    env = {**WORKER_ENV, "MEDIA_ROOT": str(settings.MEDIA_ROOT)}
    with workers_on_a_private_queue(monkeypatch, "test-import-check", extra_env=env) as start:
        yield start


def test_a_check_whose_worker_dies_is_done_again_by_the_next_one(buyer_admin, start_worker):
    rows = [[f"Vendor {n}", f"v{n}.example", "PH", f"v{n}@example.com", ""] for n in range(5000)]
    first = start_worker("first")
    upload = vendor_import_upload(actor=buyer_admin, file=xlsx_file(rows))
    check_id = upload.check_job.pk

    def message() -> str:
        return job_status(Job.objects.get(pk=check_id)).message

    wait_until(
        lambda: message().startswith("Reading row"), 60, lambda: f"not reading:\n{first.output()}"
    )
    first.kill()
    upload.refresh_from_db()
    assert upload.check_job.state == JobState.RUNNING
    assert vendor_import_checked_preview(upload=upload) is None  # nothing to show yet

    second = start_worker("second")
    wait_until(
        lambda: Job.objects.get(pk=check_id).state == JobState.DONE,
        120,
        lambda: f"not taken over:\nfirst:\n{first.output()}\nsecond:\n{second.output()}",
    )
    upload = StagedUpload.objects.select_related("check_job").get(pk=upload.pk)
    assert upload.check_job.attempts == 2
    assert upload.check_job.result["summary"] == "All 5,000 rows are ready to import."
    preview = vendor_import_checked_preview(upload=upload)
    assert preview is not None and preview.valid and len(preview.rows) == 5000
    assert "taking it over" in second.output()
