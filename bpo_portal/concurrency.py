"""Optimistic locking's one rule: an edit names the version it was made on, and a
stale one saves nothing (409) and says who saved since, or that it was the person's
own earlier change (another tab, a retried request). Used by the RFP and the proposal
services; the API also takes the version from `If-Match` (bpo_portal.conditional)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from bpo_portal.errors import ApplicationError, ConflictError


def check_version(
    *,
    current: int,
    given: int | str | None,
    what: str,
    actor: Any,
    saved_by: Any,
    saved_at: dt.datetime | None,
) -> None:
    """Raise unless `given` is `current`. `what` names the thing edited ("this RFP",
    "the pricing"); `saved_by` and `saved_at` are its last save."""
    if given in (None, ""):
        raise ApplicationError.for_fields(
            {"version": f"Send the version of {what} you edited (optimistic locking)."}
        )
    try:
        given_number = int(given)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ApplicationError.for_fields({"version": "The version must be a whole number."})
    if given_number == current:
        return
    when = f" at {timezone.localtime(saved_at):%H:%M %Z}" if saved_at else ""
    own = actor is not None and saved_by is not None and saved_by.pk == actor.pk
    if own:
        opening = (
            f"Your own earlier change to {what} (saved{when}) came after the version you "
            "edited, from another tab or an earlier request."
        )
    elif saved_by is not None:
        opening = f"{saved_by} saved {what}{when} while you were editing it."
    else:
        opening = f"Someone else saved {what}{when} while you were editing it."
    raise ConflictError(
        f"{opening} Your changes have not been saved and nothing was overwritten: "
        "reload to see the current version, then make your changes again.",
        extra={
            "current_version": current,
            "your_version": given_number,
            "saved_by": str(saved_by) if saved_by is not None else None,
            "saved_at": saved_at.isoformat() if saved_at else None,
            "your_own_change": own,
        },
    )
