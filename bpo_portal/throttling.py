"""The API's throttles: DRF's rates and scopes, counted in fixed windows.

DRF's SimpleRateThrottle keeps a list of every request's timestamp in the cache and
reads and rewrites it on each request: at 2,000 an hour that is a pickled list of up to
2,000 floats, both ways, per request. Here each request is one counter step
(`bpo_portal.cache.counter_incr`: one Redis round trip). A window is the rate's period
(a minute, an hour) aligned on the clock; a client may send up to twice the rate across
a window's edge, which a limit meant to stop abuse, not to meter, can allow.

Every API response a throttle counted says where its caller stands, in the IETF
draft's headers: `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` (seconds
until the window ends), for the throttle nearest its limit; a 429 adds `Retry-After`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle

from bpo_portal.cache import counter_incr


class WindowRateThrottle(SimpleRateThrottle):
    def allow_request(self, request: Any, view: Any) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        window = int(self.now // self.duration)
        self.window_end = (window + 1) * self.duration
        self.count = counter_incr(f"{self.key}:{window}", int(self.duration))
        _note_standing(request, self.num_requests, self.count, self.window_end - self.now)
        return bool(self.count <= self.num_requests)

    def wait(self) -> float:
        """Seconds until the window ends (the Retry-After header)."""
        return float(max(1.0, self.window_end - self.now))


class AnonWindowRateThrottle(WindowRateThrottle, AnonRateThrottle):
    """Anonymous requests, per client address (DRF's `anon` rate)."""


class UserWindowRateThrottle(WindowRateThrottle, UserRateThrottle):
    """Authenticated requests, per user (DRF's `user` rate)."""


def _note_standing(request: Any, limit: int, count: int, reset: float) -> None:
    """Keep, on the request, the standing of the throttle nearest its limit."""
    django_request = getattr(request, "_request", request)
    remaining = max(0, limit - count)
    current = getattr(django_request, "rate_limit", None)
    if current is None or remaining < current[1]:
        django_request.rate_limit = (limit, remaining, max(1, math.ceil(reset)))


class RateLimitHeadersMiddleware:
    """The RateLimit-* headers on the API's responses a throttle counted."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        standing = getattr(request, "rate_limit", None)
        if standing is not None:
            limit, remaining, reset = standing
            response["RateLimit-Limit"] = str(limit)
            response["RateLimit-Remaining"] = str(remaining)
            response["RateLimit-Reset"] = str(reset)
        return response
