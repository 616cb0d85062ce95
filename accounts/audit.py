"""Record who did what. Every service that changes state worth answering for calls this.

It lives beside its model (accounts.models.AuditEvent), so that bpo_portal, the
bottom layer, imports nothing from the apps.
"""

from __future__ import annotations

from typing import Any

from django.db import models

from accounts.models import AuditEvent


def audit_record(
    *,
    actor: Any,
    action: str,
    summary: str,
    obj: models.Model | None = None,
    organization: Any = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        buyer_organization=organization,
        action=action,
        object_type=obj._meta.label if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        summary=summary[:300],
        data=data or {},
    )
