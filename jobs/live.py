"""A running job's progress and heartbeat, kept in the cache.

A handler that runs in a transaction cannot make its progress visible through the
database until it commits, so progress and heartbeats go to the cache (shared by
every process: Redis, or a file cache in development) and, when no transaction is
open, to the job's row too. Readers take whichever is newer.

A cache outage must never fail a job: every access here logs and carries on.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.cache import cache

logger = logging.getLogger(__name__)

TIMEOUT = 24 * 3600


def progress_key(job_id: int) -> str:
    return f"jobs:{job_id}:progress"


def alive_key(job_id: int) -> str:
    return f"jobs:{job_id}:alive"


def cache_set(key: str, value: Any) -> None:
    try:
        cache.set(key, value, TIMEOUT)
    except Exception as exc:
        logger.warning("Could not write %s to the cache: %s", key, exc)


def cache_get(key: str) -> Any:
    try:
        return cache.get(key)
    except Exception as exc:
        logger.warning("Could not read %s from the cache: %s", key, exc)
        return None


def cache_delete(key: str) -> None:
    try:
        cache.delete(key)
    except Exception as exc:
        logger.warning("Could not delete %s from the cache: %s", key, exc)
