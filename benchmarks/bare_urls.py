"""The project's URLs plus a bare JSON view: the floor the benchmarks compare against
(the same middleware, no query, no template)."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import include, path


def bare(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})


urlpatterns = [
    path("bench/bare/", bare),
    path("", include("bpo_portal.urls")),
]
