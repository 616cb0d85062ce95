"""CSRF on every form: every URL of the site, posted to by a logged-in browser without
the token, is refused (403) before any view runs. The API checks CSRF for session
(browser) authentication and not for API tokens, which a browser never sends by itself."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404

from tests.conftest import token_client

pytestmark = pytest.mark.django_db

CSRF_PAGE = "Your session expired or the form was opened in another tab"

# Views that may be posted to without a token, and why. Keep it empty if you can.
CSRF_EXEMPT: dict[str, str] = {}


def _concrete(route: str) -> list[str]:
    """URLs to try for a pattern: its captured groups and converters filled in with a
    number, then with a word (a group of alternatives takes the first one)."""
    urls = []
    for value in ("1", "x"):
        url = route
        groups = list(re.finditer(r"\(\?P<\w+>((?:[^()]|\([^()]*\))*)\)", url))
        for group in reversed(groups):
            alternatives = re.fullmatch(r"([\w-]+)\|[\w|-]+", group.group(1))
            chosen = alternatives.group(1) if alternatives else value
            url = url[: group.start()] + chosen + url[group.end() :]
        url = re.sub(r"<int:\w+>", "1", url)
        url = re.sub(r"<uuid:\w+>", "00000000-0000-0000-0000-000000000000", url)
        url = re.sub(r"<(?:\w+:)?\w+>", value, url)
        urls.append("/" + url.replace("^", "").replace("$", "").replace("\\.", "."))
    return urls


def url_patterns(
    resolver: URLResolver | None = None, prefix: str = ""
) -> Iterator[tuple[str, URLPattern]]:
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            yield from url_patterns(pattern, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern


def url_for(route: str, pattern: URLPattern) -> str:
    """A URL that resolves to this very pattern."""
    for url in _concrete(route):
        try:
            match = resolve(url)
        except Resolver404:
            continue
        if match.func == pattern.callback or getattr(match.func, "__wrapped__", None) == getattr(
            pattern.callback, "__wrapped__", pattern.callback
        ):
            return url
    raise AssertionError(f"Cannot build a URL for {route!r}: teach _concrete() about it")


PAGES = [(r, p) for r, p in url_patterns() if not r.startswith("api/")]
API = [(r, p) for r, p in url_patterns() if r.startswith("api/")]


def test_the_walk_sees_the_whole_site():
    names = {p.name for _, p in PAGES}
    assert {"account_login", "profile", "rfp_edit", "proposal_check", "report_list"} <= names
    assert any(r.startswith("admin/") for r, _ in PAGES)
    assert len(API) > 50


def test_no_view_is_exempt_from_csrf():
    exempt = [
        route
        for route, pattern in PAGES
        if getattr(pattern.callback, "csrf_exempt", False) and route not in CSRF_EXEMPT
    ]
    assert exempt == []


def test_every_page_refuses_a_post_without_the_csrf_token(buyer_admin):
    client = Client(enforce_csrf_checks=True)
    client.force_login(buyer_admin)
    accepted = []
    for route, pattern in PAGES:
        if route in CSRF_EXEMPT:
            continue
        url = url_for(route, pattern)
        response = client.post(url, {"anything": "1"})
        if response.status_code != 403 or CSRF_PAGE not in response.content.decode():
            accepted.append(f"{url} ({pattern.name}): {response.status_code}")
    assert accepted == [], "posted to without a CSRF token:\n" + "\n".join(accepted)


def test_the_same_post_with_the_token_gets_past_the_check(buyer_admin):
    """The control: the 403s above are CSRF's, not the views'."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(buyer_admin)
    client.get("/profile/")
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/profile/", {"action": "profile", "full_name": "Ada", "csrfmiddlewaretoken": token}
    )
    assert response.status_code in (200, 302)
    assert CSRF_PAGE not in response.content.decode()


def test_the_api_with_a_session_requires_the_csrf_token(buyer_admin):
    client = Client(enforce_csrf_checks=True)
    client.force_login(buyer_admin)
    accepted = []
    for route, pattern in API:
        url = url_for(route, pattern)
        response = client.post(url, {}, content_type="application/json")
        refused = response.status_code == 403
        if response["Content-Type"].startswith("application/json"):
            refused = refused and response.json()["message"].startswith("CSRF Failed")
        # (The Swagger UI page renders DRF's refusal as a bare "403 Forbidden".)
        if not refused:
            accepted.append(f"{url} ({pattern.name}): {response.status_code}")
    assert accepted == [], "the API took a session POST without a CSRF token:\n" + "\n".join(
        accepted
    )


def test_the_api_with_a_token_needs_no_csrf_token(buyer_admin):
    api = token_client(buyer_admin)
    api.handler.enforce_csrf_checks = True
    response = api.post("/api/v1/tokens/", {"name": "CI pipeline"}, format="json")
    assert response.status_code == 201, response.content
    # A session cookie alongside the token changes nothing: the token authenticates.
    api.force_login(buyer_admin)
    response = api.post("/api/v1/tokens/", {"name": "Another"}, format="json")
    assert response.status_code == 201, response.content
