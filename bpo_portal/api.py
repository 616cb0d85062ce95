"""What every API viewset shares: per-user restriction in one place, and a
schema generator that never runs a real query."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Model, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import serializers, viewsets


class ScopedViewSet(viewsets.GenericViewSet):  # type: ignore[type-arg]
    """Subclasses say which rows the requesting user may see in `visible_queryset()`.

    The schema generator calls `get_queryset()` without a real user; it gets
    an empty queryset of the right model instead.
    """

    model: type[Model]
    # Every object the API names by its URL has a number for a key (id, addendum number):
    # anything else in that place is not found (404) before a lookup turns it into a
    # database error. DRF's routers build their URL patterns from it.
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):
            return self.model._default_manager.none()
        return self.visible_queryset()

    def visible_queryset(self) -> QuerySet[Any]:
        raise NotImplementedError


class ApiTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "accounts.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "A personal API token from your profile page: `Token bpo_…`.",
        }


class AwareDateTimeField(serializers.DateTimeField):
    """A date and time the API accepts only with its time zone (an offset or `Z`): a
    deadline sent as "2026-12-31T17:00:00" is refused, never silently read as UTC.
    Every writable date-time of the API is one (ModelSerializers map to it too, see
    BpoPortalConfig.ready)."""

    default_error_messages = {
        "naive": "Give the time zone with the date and time: an offset such as "
        '"2026-12-31T17:00:00+01:00", or "Z" for UTC ("2026-12-31T16:00:00Z").',
    }

    def to_internal_value(self, value: Any) -> Any:
        if isinstance(value, str):
            parsed = parse_datetime(value.strip())
            if parsed is not None and timezone.is_naive(parsed):
                self.fail("naive")
        elif isinstance(value, dt.datetime) and timezone.is_naive(value):
            self.fail("naive")
        return super().to_internal_value(value)
