"""What every API viewset shares: per-user restriction in one place, and a
schema generator that never runs a real query."""

from __future__ import annotations

from typing import Any

from django.db.models import Model, QuerySet
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import viewsets


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
