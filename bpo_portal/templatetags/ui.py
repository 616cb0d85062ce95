"""Small display helpers: money with its currency, deadlines with time left."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms, template
from django.utils import timezone

from bpo_portal.money import format_money

register = template.Library()


@register.filter
def money(amount: Decimal | int | float | None, currency: str) -> str:
    return format_money(amount, currency)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def describe_time_left(deadline: dt.datetime | None, now: dt.datetime | None = None) -> str:
    """ "closes in 2 days, 4 hours" / "closed 3 hours ago"."""
    if deadline is None:
        return ""
    now = now or timezone.now()
    delta = deadline - now
    seconds = int(abs(delta.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        parts = [_plural(days, "day")] + ([_plural(hours, "hour")] if hours else [])
    elif hours:
        parts = [_plural(hours, "hour")] + ([_plural(minutes, "minute")] if minutes else [])
    elif minutes:
        parts = [_plural(minutes, "minute")]
    else:
        parts = ["less than a minute"]
    text = ", ".join(parts)
    return f"in {text}" if delta.total_seconds() > 0 else f"{text} ago"


@register.filter
def time_left(deadline: dt.datetime | None) -> str:
    return describe_time_left(deadline)


@register.filter
def is_past(moment: dt.datetime | None) -> bool:
    return moment is not None and moment <= timezone.now()


@register.simple_tag(takes_context=True)
def has_capability(context: dict[str, Any], capability: str) -> bool:
    return capability in context.get("buyer_capabilities", set())


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    try:
        return mapping.get(key)
    except AttributeError:
        return None


_CONTROL_INPUTS = {
    "text",
    "email",
    "url",
    "number",
    "password",
    "date",
    "datetime-local",
    "time",
    "file",
    "search",
    "tel",
}


@register.simple_tag
def render_widget(field: Any, **attrs: Any) -> str:
    """The field's widget with Bootstrap classes and the ARIA links to its hint and error."""
    widget = field.field.widget
    input_type = getattr(widget, "input_type", None)
    classes = [widget.attrs.get("class", "")]
    if input_type in ("checkbox",) and not getattr(widget, "allow_multiple_selected", False):
        classes.append("form-check-input")
    elif isinstance(widget, forms.Select) and not isinstance(
        widget, (forms.RadioSelect, forms.CheckboxSelectMultiple)
    ):
        classes.append("form-select")
    elif input_type in _CONTROL_INPUTS or widget.__class__.__name__ == "Textarea":
        classes.append("form-control")
    described = []
    if field.help_text:
        described.append(f"{field.auto_id}_helptext")
    if field.errors:
        classes.append("is-invalid")
        described.append(f"{field.auto_id}_error")
        attrs["aria-invalid"] = "true"
    if described:
        attrs["aria-describedby"] = " ".join(described)
    attrs["class"] = " ".join(c for c in classes if c) + " " + attrs.get("class", "")
    attrs["class"] = attrs["class"].strip()
    return field.as_widget(attrs=attrs)  # type: ignore[no-any-return]


@register.filter
def is_checkbox(field: Any) -> bool:
    widget = field.field.widget
    return getattr(widget, "input_type", None) == "checkbox" and not getattr(
        widget, "allow_multiple_selected", False
    )


@register.filter
def is_choice_list(field: Any) -> bool:
    return field.field.widget.__class__.__name__ in ("CheckboxSelectMultiple", "RadioSelect")


@register.simple_tag
def grouped_choices(field: Any) -> Any:
    """Groups of (value, label, checked) for a GroupedCheckboxes field."""
    value = field.value() or []
    selected = [str(v) for v in (value if isinstance(value, (list, tuple)) else [value])]
    return field.field.groups(selected)


@register.filter
def percent_class(percent: int) -> str:
    if percent >= 100:
        return "bg-success"
    return "bg-warning" if percent < 50 else "bg-info"
