"""The API's own field and filter, kept apart from bpo_portal.api: DRF reads its
filter settings when its generic views are imported, which bpo_portal.api does."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework import serializers
from rest_framework.filters import BaseFilterBackend

from bpo_portal.errors import ApplicationError


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


class UpdatedAfterFilter(BaseFilterBackend):
    """`?updated_after=<date-time with its zone>` on a list whose rows carry an
    `updated_at` (the view's `updated_field`): only the rows changed since, for an
    integration that syncs instead of reading everything again."""

    param = "updated_after"

    def _field(self, view: Any) -> str | None:
        if getattr(view, "action", None) != "list":
            return None
        name = getattr(view, "updated_field", "updated_at")
        model = getattr(view, "model", None)
        if not name or model is None or name not in {f.name for f in model._meta.get_fields()}:
            return None
        return str(name)

    def filter_queryset(self, request: Any, queryset: QuerySet[Any], view: Any) -> QuerySet[Any]:
        raw = request.query_params.get(self.param)
        if raw in (None, ""):
            return queryset
        field = self._field(view)
        if field is None:
            raise ApplicationError.for_fields(
                {self.param: "This list cannot be filtered by the time of the last change."}
            )
        try:
            since = AwareDateTimeField().run_validation(raw)
        except serializers.ValidationError as exc:
            raise ApplicationError.for_fields({self.param: str(exc.detail[0])})  # type: ignore[index]
        return queryset.filter(**{f"{field}__gt": since})

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        if self._field(view) is None:
            return []
        return [
            {
                "name": self.param,
                "required": False,
                "in": "query",
                "description": "Only the rows changed after this date and time (with its "
                "time zone, e.g. 2026-12-05T09:00:00Z): compare with `updated_at`.",
                "schema": {"type": "string", "format": "date-time"},
            }
        ]
