"""Celery beat jobs for proposals: thin wrappers over the services."""

from __future__ import annotations

from celery import shared_task

from proposals import services


@shared_task
def open_technical_envelopes() -> int:
    """Every minute: record the opening (and check compliance) of the proposals
    of every RFP whose submission deadline has passed."""
    return len(services.technical_envelopes_open_due())
