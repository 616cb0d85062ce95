"""The API's throttles: DRF's rates and scopes, counted in fixed windows.

DRF's SimpleRateThrottle keeps a list of every request's timestamp in the cache and
reads and rewrites it on each request: at 2,000 an hour that is a pickled list of up to
2,000 floats, both ways, per request. Here each request is one counter step
(`bpo_portal.cache.counter_incr`: one Redis round trip). A window is the rate's period
(a minute, an hour) aligned on the clock; a client may send up to twice the rate across
a window's edge, which a limit meant to stop abuse, not to meter, can allow.
"""

from __future__ import annotations

from typing import Any

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
        return bool(self.count <= self.num_requests)

    def wait(self) -> float:
        """Seconds until the window ends (the Retry-After header)."""
        return float(max(1.0, self.window_end - self.now))


class AnonWindowRateThrottle(WindowRateThrottle, AnonRateThrottle):
    """Anonymous requests, per client address (DRF's `anon` rate)."""


class UserWindowRateThrottle(WindowRateThrottle, UserRateThrottle):
    """Authenticated requests, per user (DRF's `user` rate)."""
