"""Celery tasks for scoring: thin wrappers over scoring.results.stored."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from scoring.results import stored


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def refresh_stored_results(rfp_id: int, lot_id: int) -> str:
    """Recompute one RFP's stored results if their inputs changed. Acknowledged late
    (a worker killed mid-way leaves it to the next) and safe to run twice."""
    return stored.refresh(rfp_id=rfp_id, lot_id=lot_id)


@shared_task
def refresh_stale_results() -> int:
    """Beat, every 30 seconds: queue the stored results whose inputs changed."""
    stale = stored.stale()
    for rfp_id, lot_id in stale:
        refresh_stored_results.delay(rfp_id, lot_id)
    return len(stale)
