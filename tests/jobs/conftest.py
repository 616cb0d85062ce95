from __future__ import annotations

from typing import Any

import pytest

from accounts.models import User
from jobs.models import Job
from jobs.services import job_create
from tests.jobs import handlers


@pytest.fixture(autouse=True)
def _forget_runs() -> Any:
    handlers.RUNS.clear()
    yield
    handlers.RUNS.clear()


@pytest.fixture
def queued_job(buyer_admin: User, django_capture_on_commit_callbacks: Any) -> Job:
    """A job recorded and queued, not yet run (its on-commit send is dropped)."""
    with django_capture_on_commit_callbacks(execute=False):
        return job_create(
            kind="test_steps",
            params={"steps": 3},
            organization=buyer_admin.buyer_membership.organization,
            created_by=buyer_admin,
        )


def make_job(user: User, capture: Any, **params: Any) -> Job:
    """Create a job and run it eagerly, as the worker would after the commit."""
    with capture(execute=True):
        job = job_create(
            kind="test_steps",
            params=params,
            organization=user.buyer_membership.organization,
            created_by=user,
        )
    job.refresh_from_db()
    return job
