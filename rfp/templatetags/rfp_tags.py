"""Display helpers for RFP pages."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils import timezone

from rfp.parts import published_parts as read

register = template.Library()


@register.filter
def quantity(value: Decimal | int | None) -> str:
    """6400 -> '6,400'; 12.50 -> '12.5'; None -> '—'."""
    if value is None or value == "":
        return "—"
    number = Decimal(value).normalize()
    if number == number.to_integral():
        return f"{int(number):,}"
    return f"{number:,f}"


@register.filter
def deadline_state(moment: Any) -> str:
    """A Bootstrap colour for how close a deadline is."""
    if moment is None:
        return "secondary"
    left = (moment - timezone.now()).total_seconds()
    if left <= 0:
        return "secondary"
    if left <= 24 * 3600:
        return "danger"
    if left <= 72 * 3600:
        return "warning"
    return "success"


@register.simple_tag(takes_context=True)
def current_zone(context: dict[str, Any]) -> str:
    return str(timezone.get_current_timezone_name())


@register.simple_tag
def published_parts(rfp: Any) -> list[Any]:
    """What vendors may read of the parts higher layers add (the evaluation criteria):
    `{% published_parts rfp as parts %}`. See rfp.parts."""
    return read(rfp)
