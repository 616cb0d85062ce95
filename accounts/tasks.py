"""The outbox's tasks: deliver one e-mail, and the beat sweep that re-sends stalled ones.

They keep the names they had in bpo_portal.tasks (`name=`), so tasks already queued
and the beat schedule (settings CELERY_BEAT_SCHEDULE, django-celery-beat's table)
keep finding them.
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

from accounts.idempotency import idempotent_requests_delete_old
from accounts.models import OutgoingEmail
from bpo_portal.queue import BrokerUnavailable, enqueue_now


@shared_task(
    bind=True,
    name="bpo_portal.tasks.deliver_email",
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def deliver_email(self, *, email_id: int) -> None:  # type: ignore[no-untyped-def]
    """Send one outbox e-mail. Safe to run twice: a sent e-mail is skipped."""
    with transaction.atomic():
        email = OutgoingEmail.objects.select_for_update().filter(pk=email_id).first()
        if email is None or email.sent_at is not None:
            return
        email.attempts += 1
        message = EmailMultiAlternatives(
            subject=email.subject,
            body=email.text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=email.to,
        )
        if email.html:
            message.attach_alternative(email.html, "text/html")
        try:
            message.send()
        except OSError as exc:  # smtplib.SMTPException is an OSError
            email.last_error = str(exc)[:2000]
            email.save(update_fields=["attempts", "last_error"])
            raise
        email.sent_at = timezone.now()
        email.save(update_fields=["attempts", "sent_at"])


@shared_task(name="bpo_portal.tasks.resend_stalled_emails")
def resend_stalled_emails() -> int:
    """Beat job: re-enqueue outbox e-mails the broker never got (it was down)."""
    cutoff = timezone.now() - dt.timedelta(minutes=5)
    ids = list(
        OutgoingEmail.objects.filter(
            sent_at__isnull=True, created_at__lt=cutoff, attempts__lt=8
        ).values_list("pk", flat=True)[:500]
    )
    for email_id in ids:
        try:
            enqueue_now(deliver_email, email_id=email_id)
        except BrokerUnavailable:
            break
    return len(ids)


@shared_task
def forget_idempotency_keys() -> int:
    """Beat, hourly: forget the API's Idempotency-Keys older than a day."""
    return idempotent_requests_delete_old()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def deliver_webhook(delivery_id: int) -> str:
    """One attempt at a webhook delivery (accounts.webhooks): safe to run twice."""
    from accounts.webhooks import delivery_attempt  # noqa: PLC0415 - it queues this task

    return delivery_attempt(delivery_id=delivery_id)


@shared_task
def resend_due_webhooks() -> int:
    """Beat, every minute: queue the webhook deliveries that are due and were not sent."""
    from accounts.webhooks import deliveries_resend_due  # noqa: PLC0415 - it queues tasks

    return deliveries_resend_due()
