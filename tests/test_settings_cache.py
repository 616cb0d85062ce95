"""The cache's Redis database follows REDIS_URL's (issue 15, finding 7): the next one,
so two deployments sharing a Redis server on different databases never share throttle
counters or job progress keys; database 15 has no successor; CACHE_REDIS_URL overrides."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from redis.connection import parse_url

from bpo_portal.settings.base import cache_redis_url

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "redis_url,cache_url",
    [
        ("redis://127.0.0.1:6379", "redis://127.0.0.1:6379/1"),
        ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/1"),
        ("redis://127.0.0.1:6379/3", "redis://127.0.0.1:6379/4"),
        ("redis://:secret@redis.internal:6380/14", "redis://:secret@redis.internal:6380/15"),
        # redis-py reads ?db= before the path: the cache must move off it too.
        ("redis://127.0.0.1:6379?db=3", "redis://127.0.0.1:6379/4?db=4"),
        (
            "redis://127.0.0.1:6379/0?db=3&ssl_cert_reqs=none",
            "redis://127.0.0.1:6379/4?db=4&ssl_cert_reqs=none",
        ),
        # A socket's path is not a database.
        ("unix:///run/redis.sock", "unix:///run/redis.sock?db=1"),
        ("unix:///run/redis.sock?db=2", "unix:///run/redis.sock?db=3"),
    ],
)
def test_the_cache_uses_the_database_after_redis_urls(redis_url, cache_url):
    assert cache_redis_url(redis_url) == cache_url


@pytest.mark.parametrize(
    "redis_url", ["redis://127.0.0.1:6379/15", "redis://127.0.0.1:6379/0?db=15"]
)
def test_database_15_has_no_successor(redis_url):
    with pytest.raises(ImproperlyConfigured, match="CACHE_REDIS_URL"):
        cache_redis_url(redis_url)


def test_the_derived_url_is_the_next_database_to_redis_py():
    for redis_url in ("redis://h:6379?db=3", "redis://h:6379/5", "unix:///run/r.sock?db=7"):
        database = parse_url(redis_url).get("db", 0)
        assert parse_url(cache_redis_url(redis_url))["db"] == database + 1


def test_cache_redis_url_is_the_override():
    assert cache_redis_url("redis://a:6379/15", "redis://b:6379/7") == "redis://b:6379/7"


def _settings_in_a_new_process(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"REDIS_URL", "CACHE_REDIS_URL", "PYTEST_XDIST_WORKER"}
    }
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.CACHES['default']['LOCATION'])",
        ],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "bpo_portal.settings.base", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.integration
@pytest.mark.parametrize(
    "env,location",
    [
        ({"REDIS_URL": "redis://127.0.0.1:6379/0"}, "redis://127.0.0.1:6379/1"),
        ({"REDIS_URL": "redis://127.0.0.1:6379/3"}, "redis://127.0.0.1:6379/4"),
        (
            {"REDIS_URL": "redis://127.0.0.1:6379/15", "CACHE_REDIS_URL": "redis://x:6379/9"},
            "redis://x:6379/9",
        ),
    ],
)
def test_settings_put_the_cache_on_the_derived_database(env, location):
    result = _settings_in_a_new_process(env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == location


@pytest.mark.integration
def test_settings_refuse_to_start_on_database_15():
    result = _settings_in_a_new_process({"REDIS_URL": "redis://127.0.0.1:6379/15"})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "there is none after 15" in result.stderr
