"""Record who did what. Every service that changes state worth answering for calls this.

It lives beside its model (accounts.models.AuditEvent), so that bpo_portal, the
bottom layer, imports nothing from the apps.
"""

from __future__ import annotations

from typing import Any

from django.db import models

from accounts.models import AuditEvent
from accounts.webhooks import EVENTS, event_emit


def audit_record(
    *,
    actor: Any,
    action: str,
    summary: str,
    obj: models.Model | None = None,
    organization: Any = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    event = AuditEvent.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        buyer_organization=organization,
        action=action,
        object_type=obj._meta.label if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        summary=summary[:300],
        data=data or {},
    )
    if organization is not None and action in EVENTS:
        # What the organization's systems subscribed to hear (accounts.webhooks), in
        # the same transaction as the change.
        event_emit(organization=organization, action=action, obj=obj, summary=event.summary)
    return event
