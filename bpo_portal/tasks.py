"""Tasks shared by every app. (The outbox's tasks live beside their model, in
accounts.tasks, under their old names bpo_portal.tasks.deliver_email and
bpo_portal.tasks.resend_stalled_emails.)"""

from __future__ import annotations

from celery import shared_task


@shared_task
def ping() -> str:
    """Used by the worker integration test."""
    return "pong"
