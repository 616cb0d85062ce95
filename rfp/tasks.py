"""Celery beat jobs for RFPs: thin wrappers over the services."""

from __future__ import annotations

from celery import shared_task

from rfp import services


@shared_task
def close_rfps_past_deadline() -> int:
    """Every minute: close published RFPs whose submission deadline has passed."""
    return len(services.rfps_close_past_deadline())


@shared_task
def send_rfp_deadline_reminders() -> int:
    """Every few minutes: e-mail the 72-hour and 24-hour deadline reminders (once each)."""
    return services.rfp_send_deadline_reminders()
