"""Job handlers for tests. Imported by the tests and, with `--include`, by real workers."""

from __future__ import annotations

import os
import time
from typing import Any

from django.db import OperationalError

from accounts.audit import audit_record
from bpo_portal.errors import ApplicationError
from jobs.models import Job
from jobs.registry import Progress, job_handler
from jobs.services import job_attach_file

# job id -> how many times the handler ran (in this process)
RUNS: dict[int, int] = {}


@job_handler("test_steps", label="Test steps")
def steps(job: Job, progress: Progress) -> dict[str, Any]:
    """Writes a row (the side effect that must happen exactly once), then works in steps.

    params: steps, delay (seconds per step), fail (a message), crash (True),
    transient_failures (how many first runs raise OperationalError), file (text).
    """
    params = job.params
    RUNS[job.pk] = RUNS.get(job.pk, 0) + 1
    audit_record(actor=None, action="test.job_ran", summary=f"pid {os.getpid()}", obj=job)
    if RUNS[job.pk] <= params.get("transient_failures", 0):
        raise OperationalError("server closed the connection unexpectedly")
    total = params.get("steps", 3)
    for step in range(1, total + 1):
        time.sleep(params.get("delay", 0))
        progress(100 * step / total, f"Step {step} of {total}")
        if params.get("fail") and step == total:
            raise ApplicationError(params["fail"])
        if params.get("crash") and step == total:
            raise RuntimeError("a bug")
    if params.get("file"):
        job_attach_file(
            job=job,
            content=params["file"].encode(),
            filename="result.txt",
            content_type="text/plain",
        )
    return {"summary": f"{total} steps done.", "pid": os.getpid()}


@job_handler("test_outside_transaction", label="Test outside a transaction", atomic=False)
def outside_transaction(job: Job, progress: Progress) -> dict[str, Any]:
    total = job.params.get("steps", 3)
    for step in range(1, total + 1):
        time.sleep(job.params.get("delay", 0))
        progress(100 * step / total, f"Step {step} of {total}")
    return {"summary": "Done outside a transaction."}
