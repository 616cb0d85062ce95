"""The cache is down (Redis unreachable): the site stays up. Reads miss, writes are
dropped, throttling and log-in rate limits are not enforced meanwhile, and /healthz/
says the cache is down. Sessions live in the database and are not affected."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from bpo_portal.cache import FailSoftRedisCache
from tests.conftest import PASSWORD, token_client

pytestmark = pytest.mark.django_db

NOTHING_LISTENS = "redis://127.0.0.1:1/1"


@pytest.fixture
def cache_down(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "bpo_portal.cache.FailSoftRedisCache",
            "LOCATION": NOTHING_LISTENS,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }


def test_every_cache_operation_fails_soft():
    cache = FailSoftRedisCache(NOTHING_LISTENS, {"OPTIONS": {"socket_connect_timeout": 1}})
    assert cache.get("k", "default") == "default"
    assert cache.set("k", 1) is None
    assert cache.add("k", 1) is True  # "added": a lock taken on a dead cache lets the caller on
    assert cache.get_many(["a", "b"]) == {}
    assert cache.set_many({"a": 1, "b": 2}) == ["a", "b"]  # the keys not set
    assert cache.has_key("k") is False
    assert cache.touch("k") is False
    assert cache.delete("k") is False
    assert cache.delete_many(["a", "b"]) is None
    with pytest.raises(Exception, match="(?i)connect"):
        cache.ping()  # only the health check hears about it


def test_healthz_names_the_cache_when_it_is_down_without_the_drivers_message(cache_down, caplog):
    response = Client().get("/healthz/")
    assert response.status_code == 503
    body = response.json()
    assert "cache" in body["down"]
    assert body["components"]["cache"]["ok"] is False
    # To an anonymous caller: down, not "Error 111 connecting to 127.0.0.1:1".
    text = response.content.decode()
    assert "connect" not in text.lower() and "127.0.0.1" not in text and "error" not in text
    assert "connect" in caplog.text.lower()  # the reason is in the server log
    assert body["components"]["database"]["ok"] is True


def test_pages_log_in_and_the_api_work_while_the_cache_is_down(cache_down, buyer_admin):
    client = Client()
    assert client.get("/").status_code == 200
    assert client.get(reverse("account_login")).status_code == 200
    # The log-in rate limit counts in the cache: it lets people in rather than out.
    response = client.post(
        reverse("account_login"), {"login": buyer_admin.email, "password": PASSWORD}
    )
    assert response.status_code == 302 and "_auth_user_id" in client.session
    assert client.get(reverse("dashboard")).status_code == 200
    # A wrong password is still refused.
    wrong = Client().post(
        reverse("account_login"), {"login": buyer_admin.email, "password": "not-the-password"}
    )
    assert "_auth_user_id" not in wrong.wsgi_request.session
    # The API throttles in the cache too: requests go through.
    api = token_client(buyer_admin)
    response = api.get("/api/v1/me/")
    assert response.status_code == 200, response.content
    assert Client().get("/api/v1/me/").status_code in (401, 403)  # anonymous throttle, then auth
