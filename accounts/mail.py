"""E-mail: rendered in the request, stored in an outbox, delivered by Celery.

It lives beside its model (accounts.models.OutgoingEmail) and its task
(accounts.tasks.deliver_email), so that bpo_portal imports nothing from the apps.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string

from accounts.models import OutgoingEmail
from accounts.tasks import deliver_email
from bpo_portal.queue import enqueue_on_commit


def render_email(template_prefix: str, context: dict[str, Any]) -> tuple[str, str, str]:
    """Subject, text body and (if the template exists) HTML body."""
    context = {"site_url": settings.SITE_URL, **context}
    subject = render_to_string(f"{template_prefix}_subject.txt", context).strip()
    subject = " ".join(subject.splitlines())
    text = render_to_string(f"{template_prefix}_message.txt", context)
    try:
        html: str = render_to_string(f"{template_prefix}_message.html", context)
    except TemplateDoesNotExist:
        html = ""
    return subject, text, html


def send_templated_email(*, to: list[str], template_prefix: str, context: dict[str, Any]) -> None:
    subject, text, html = render_email(template_prefix, context)
    enqueue_email(to=to, subject=subject, text=text, html=html)


def enqueue_email(*, to: list[str], subject: str, text: str, html: str = "") -> None:
    """Write the e-mail to the outbox; the worker sends it after commit."""
    if not to:
        return
    email = OutgoingEmail.objects.create(to=to, subject=subject[:300], text=text, html=html)
    enqueue_on_commit(deliver_email, email_id=email.pk)
