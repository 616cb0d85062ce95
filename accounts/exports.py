"""The audit-log CSV export: every row goes through bpo_portal.exports (no formula cells)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from accounts import selectors
from accounts.models import User
from bpo_portal.exports import csv_writer

AUDIT_LOG_COLUMNS = ["occurred_at_utc", "actor", "action", "object_type", "object_id", "summary"]


def audit_log_csv_write(*, user: User, stream: Any) -> None:
    """Write the audit log the user may see to `stream` as CSV (times in UTC)."""
    rows = selectors.audit_events_visible_to(user=user).values_list(
        "occurred_at", "actor__email", "action", "object_type", "object_id", "summary"
    )
    writer = csv_writer(stream)
    writer.writerow(AUDIT_LOG_COLUMNS)
    for occurred_at, actor, action, object_type, object_id, summary in rows:
        writer.writerow(
            [
                occurred_at.astimezone(dt.UTC).isoformat(),
                actor or "system",
                action,
                object_type,
                object_id,
                summary,
            ]
        )
