"""Putting work on the Celery queue, safely with respect to transactions."""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from celery import Task
from django.db import transaction

logger = logging.getLogger(__name__)

# Fail fast when the broker is down instead of hanging the request.
RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.3, "interval_max": 0.5}


class BrokerUnavailable(Exception):
    pass


def enqueue_now(task: Task, countdown: float | None = None, **kwargs: Any) -> None:
    """Send now (to run `countdown` seconds later, if given); raise BrokerUnavailable if
    the broker cannot be reached."""
    try:
        task.apply_async(kwargs=kwargs, countdown=countdown, retry=True, retry_policy=RETRY_POLICY)
    except Exception as exc:  # kombu raises OperationalError, redis its own errors
        logger.warning("Could not enqueue %s: %s", task.name, exc)
        raise BrokerUnavailable(str(exc)) from exc


def enqueue_on_commit(task: Task, countdown: float | None = None, **kwargs: Any) -> None:
    """Send once the current transaction commits (to run `countdown` seconds later, if
    given). If the broker is down the work is not lost: callers keep a durable record (an
    outbox row, a job row) that a periodic sweep re-sends."""

    def send() -> None:
        with contextlib.suppress(BrokerUnavailable):
            enqueue_now(task, countdown=countdown, **kwargs)

    transaction.on_commit(send)
