"""Record who did what. Every service that changes state worth answering for calls this."""

from __future__ import annotations

from typing import Any

from django.db import models


def audit_record(
    *,
    actor: Any,
    action: str,
    summary: str,
    obj: models.Model | None = None,
    organization: Any = None,
    data: dict[str, Any] | None = None,
) -> Any:
    from accounts.models import AuditEvent

    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        buyer_organization=organization,
        action=action,
        object_type=obj._meta.label if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        summary=summary[:300],
        data=data or {},
    )
