"""The cache on Redis, failing soft: when Redis is down, the site stays up.

Nothing durable lives in the cache. Sessions are in the database; what the cache
holds can be done without for a while:
- API throttling and allauth's log-in, sign-up and password-reset rate limits are
  not enforced while the cache is down (they fail open rather than lock everyone
  out; /healthz/ reports the cache as down so that someone looks);
- a running job's live progress is read from its database row instead.
So a read misses, a write is dropped, `add` answers "added", and each outage is
logged (at most once a minute per process) instead of turning every page into a 500.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

REDIS_DOWN = (RedisConnectionError, RedisTimeoutError)
WARN_EVERY = 60.0


class FailSoftRedisCache(RedisCache):
    _last_warning = 0.0

    def _down(self, operation: str, exc: Exception) -> None:
        now = time.monotonic()
        if now - FailSoftRedisCache._last_warning >= WARN_EVERY:
            FailSoftRedisCache._last_warning = now
            logger.warning(
                "The cache (Redis) is down; carrying on without it (%s: %s). Throttling and "
                "log-in rate limits are not enforced until it is back.",
                operation,
                exc,
            )

    def ping(self) -> None:
        """For /healthz/: raise if Redis does not answer (the other methods never do)."""
        self._cache.get_client(write=True).ping()

    def add(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> bool:
        try:
            return bool(super().add(key, value, timeout, version))
        except REDIS_DOWN as exc:
            self._down("add", exc)
            return True

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        try:
            return super().get(key, default, version)
        except REDIS_DOWN as exc:
            self._down("get", exc)
            return default

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> None:
        try:
            super().set(key, value, timeout, version)
        except REDIS_DOWN as exc:
            self._down("set", exc)

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        try:
            return bool(super().touch(key, timeout, version))
        except REDIS_DOWN as exc:
            self._down("touch", exc)
            return False

    def delete(self, key: Any, version: int | None = None) -> bool:
        try:
            return bool(super().delete(key, version))
        except REDIS_DOWN as exc:
            self._down("delete", exc)
            return False

    def get_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        try:
            return dict(super().get_many(keys, version))
        except REDIS_DOWN as exc:
            self._down("get_many", exc)
            return {}

    def has_key(self, key: Any, version: int | None = None) -> bool:
        try:
            return bool(super().has_key(key, version))
        except REDIS_DOWN as exc:
            self._down("has_key", exc)
            return False

    def set_many(
        self, data: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> list[Any]:
        try:
            return list(super().set_many(data, timeout, version))
        except REDIS_DOWN as exc:
            self._down("set_many", exc)
            return list(data)

    def delete_many(self, keys: Any, version: int | None = None) -> None:
        try:
            super().delete_many(keys, version)
        except REDIS_DOWN as exc:
            self._down("delete_many", exc)

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        """While Redis is down a counter reads as if this were its first step."""
        try:
            return int(super().incr(key, delta, version))
        except REDIS_DOWN as exc:
            self._down("incr", exc)
            return delta

    def decr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        try:
            return int(super().decr(key, delta, version))
        except REDIS_DOWN as exc:
            self._down("decr", exc)
            return -delta


def counter_incr(key: str, timeout: int | None, *, alias: str = "default") -> int:
    """Add one to a counter that expires `timeout` seconds after its first step (never,
    with None), and return the new value (the API throttle, the log-in throttle).

    On Redis it is one round trip (SET NX with the expiry, then INCR, pipelined), where
    `add` then `incr` would be two. While Redis is down it reads 1 (fail soft: nothing
    is throttled rather than everybody)."""
    backend = caches[alias]
    if isinstance(backend, RedisCache):
        full = backend.make_and_validate_key(key)
        try:
            pipe = backend._cache.get_client(full, write=True).pipeline(transaction=True)
            pipe.set(full, 0, ex=timeout, nx=True)
            pipe.incr(full)
            return int(pipe.execute()[1])
        except REDIS_DOWN as exc:
            if isinstance(backend, FailSoftRedisCache):
                backend._down("incr", exc)
                return 1
            raise
    if backend.add(key, 1, timeout=timeout):
        return 1
    try:
        return int(backend.incr(key))
    except ValueError:  # expired between add and incr
        backend.add(key, 1, timeout=timeout)
        return 1
