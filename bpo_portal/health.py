"""/healthz/: are the database, the broker, a worker and the cache up?"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse

from bpo_portal.celery import app as celery_app

WORKER_PING_TIMEOUT = 2.0

logger = logging.getLogger(__name__)


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_broker() -> None:
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, timeout=2)
        # Connecting is not enough for every transport: open a channel too.
        conn.default_channel  # noqa: B018


def check_cache() -> None:
    """The site runs without its cache (see bpo_portal/cache.py), but throttling and
    log-in rate limits are off meanwhile: say so."""
    ping = getattr(cache, "ping", None)
    if ping is not None:
        ping()
        return
    cache.set("healthz:probe", "ok", 10)
    if cache.get("healthz:probe") != "ok":
        raise RuntimeError("the cache did not keep a value")


def check_worker() -> None:
    replies = celery_app.control.ping(timeout=WORKER_PING_TIMEOUT, limit=1)
    if not replies:
        raise RuntimeError(f"no Celery worker answered within {WORKER_PING_TIMEOUT} s")


def _probe(name: str, check: Callable[[], None]) -> dict[str, Any]:
    """Up or down, and how long the check took. The reason stays in the server log: the
    endpoint is public, and driver messages name internal hosts and ports."""
    started = time.monotonic()
    try:
        check()
        result: dict[str, Any] = {"ok": True}
    except Exception:  # report any failure, whatever the driver raises
        logger.exception("healthz: %s is down", name)
        result = {"ok": False}
    result["ms"] = round((time.monotonic() - started) * 1000, 1)
    return result


def health_status() -> dict[str, Any]:
    components = {
        "database": _probe("database", check_database),
        "broker": _probe("broker", check_broker),
    }
    if components["broker"]["ok"]:
        components["worker"] = _probe("worker", check_worker)
    else:
        # No worker can be reached without the broker; not asked, so no time taken.
        components["worker"] = {"ok": False}
    components["cache"] = _probe("cache", check_cache)
    down = [name for name, result in components.items() if not result["ok"]]
    return {"status": "ok" if not down else "down", "down": down, "components": components}


def healthz(request: HttpRequest) -> JsonResponse:
    status = health_status()
    return JsonResponse(status, status=200 if status["status"] == "ok" else 503)
