"""What a prober sends in the address and the body: a word where an id goes, a NUL
character anywhere. Each is a plain 404 or 400 in the error shape, never a server
error (issue 15, finding 6). The routes are enumerated from the URL resolver, so a
route added later is covered without touching this file. Runs on PostgreSQL in CI,
where a NUL reaching a query is an error of the database driver."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from bpo_portal.parsers import contains_nul
from tests.accounts.test_api import assert_error_shape
from tests.conftest import token_client

GROUP = re.compile(r"\(\?P<[^>]+>[^)]*\)|<(?:int|str|slug|path):[^>]+>")


def _routes(patterns: list[object], prefix: str = "") -> Iterator[str]:
    for pattern in patterns:
        route = prefix + str(pattern.pattern)  # type: ignore[attr-defined]
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route


def api_routes_with_ids() -> list[str]:
    """Every API route with a parameter in its path, each parameter a word."""
    paths = set()
    for route in _routes(get_resolver().url_patterns):
        if route.startswith("api/") and GROUP.search(route) and "format" not in route:
            path = GROUP.sub("abc", route).replace("^", "").replace("$", "")
            paths.add("/" + path.replace("\\.", "."))
    return sorted(paths)


ROUTES = api_routes_with_ids()


def test_the_routes_are_enumerated() -> None:
    assert len(ROUTES) > 40
    assert "/api/v1/proposals/abc/" in ROUTES
    assert "/api/v1/rfps/abc/approve/" in ROUTES
    assert "/api/v1/jobs/abc/" in ROUTES


def test_a_word_where_an_id_goes_is_not_found(buyer_admin: object) -> None:
    """Every route, GET and POST (one test: one token, a few hundred requests)."""
    client = token_client(buyer_admin)  # type: ignore[arg-type]
    wrong = []
    for path in ROUTES:
        for response in (client.get(path), client.post(path, {}, format="json")):
            body = response.json() if response["Content-Type"] == "application/json" else {}
            if response.status_code != 404 or set(body) != {"message", "extra"}:
                wrong.append(f"{response.request['REQUEST_METHOD']} {path}: {response.status_code}")
    assert not wrong, "\n".join(wrong)


def test_pages_with_a_word_where_an_id_goes_are_not_found(procurement_manager: object) -> None:
    client = Client()
    client.force_login(procurement_manager)  # type: ignore[arg-type]
    for path in ("/rfps/abc/", "/proposals/abc/", "/scoring/rfp/abc/results/"):
        assert client.get(path).status_code == 404, path


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/vendors/?search=%00",
        "/api/v1/rfps/?status=%00",
        "/api/v1/rfps/%00/",
        "/api/v1/vendors/?industry=x%00y",
    ],
)
def test_a_nul_in_the_address_is_a_bad_request(path: str, procurement_manager: object) -> None:
    body = assert_error_shape(token_client(procurement_manager).get(path), 400)  # type: ignore[arg-type]
    assert "NUL" in body["message"]


def test_a_nul_in_a_page_address_is_a_bad_request(procurement_manager: object) -> None:
    client = Client()
    client.force_login(procurement_manager)  # type: ignore[arg-type]
    response = client.get("/vendors/?q=%00")
    assert response.status_code == 400
    assert "NUL" in response.content.decode()


@pytest.mark.parametrize(
    "body",
    [
        {"industries": ["x\u0000"]},
        {"service_functions": ["\u0000"]},
        {"trading_name": "Acme\u0000"},
        {"\u0000": "key"},
    ],
)
def test_a_nul_in_a_json_body_is_a_bad_request(body: dict[str, object], vendor_a: object) -> None:
    company = vendor_a.vendor_membership.company  # type: ignore[attr-defined]
    client = token_client(vendor_a)  # type: ignore[arg-type]
    response = client.patch(f"/api/v1/vendors/{company.pk}/", body, format="json")
    assert "NUL" in assert_error_shape(response, 400)["message"]
    company.refresh_from_db()
    assert "\x00" not in company.trading_name


def test_a_nul_in_a_multipart_body_is_a_bad_request(vendor_a: object) -> None:
    company = vendor_a.vendor_membership.company  # type: ignore[attr-defined]
    client = token_client(vendor_a)  # type: ignore[arg-type]
    # Multipart is taken only where a file is uploaded: a certificate's evidence.
    response = client.post(
        f"/api/v1/vendors/{company.pk}/certifications/",
        {"certificate_number": "A\x00"},
        format="multipart",
    )
    assert_error_shape(response, 400)


def test_bodies_are_json_except_where_a_file_is_uploaded(vendor_a: object) -> None:
    company = vendor_a.vendor_membership.company  # type: ignore[attr-defined]
    client = token_client(vendor_a)  # type: ignore[arg-type]
    for kwargs, data in (
        ({"content_type": "application/x-www-form-urlencoded"}, "trading_name=A"),
        ({"format": "multipart"}, {"trading_name": "A"}),
    ):
        response = client.patch(f"/api/v1/vendors/{company.pk}/", data, **kwargs)
        body = assert_error_shape(response, 415)
        assert "Unsupported media type" in body["message"]


def test_contains_nul_looks_everywhere() -> None:
    assert contains_nul({"a": [{"b": ("c", "d\x00")}]})
    assert contains_nul({"\x00": 1})
    assert not contains_nul({"a": [1, 2.5, None, {"b": "text"}]})


def test_an_over_long_query_string_is_a_bad_request_not_a_414(procurement_manager: object) -> None:
    long_query = "search=" + "a" * 3000
    api = token_client(procurement_manager)  # type: ignore[arg-type]
    body = assert_error_shape(api.get(f"/api/v1/vendors/?{long_query}"), 400)
    assert "too long" in body["message"]
    client = Client()
    client.force_login(procurement_manager)  # type: ignore[arg-type]
    assert client.get(f"/vendors/?{long_query}").status_code == 400
    assert (
        token_client(procurement_manager).get("/api/v1/vendors/?search=" + "a" * 500).status_code
        == 200
    )  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "path", ["/api/v1/nothing-here/", "/api/v2/rfps/", "/api/", "/api/v1/rfps/abc/"]
)
def test_an_unknown_api_address_is_a_404_in_the_error_shape(
    procurement_manager: object, settings: Any, path: str
) -> None:
    for debug in (False, True):  # also where Django would show its HTML page
        settings.DEBUG = debug
        response = token_client(procurement_manager).get(path)  # type: ignore[arg-type]
        assert response["Content-Type"] == "application/json"
        assert_error_shape(response, 404)


def test_a_missing_final_slash_is_named(procurement_manager: object) -> None:
    response = token_client(procurement_manager).post("/api/v1/rfps", {}, format="json")  # type: ignore[arg-type]
    body = assert_error_shape(response, 404)
    assert "end with a slash (/api/v1/rfps/)" in body["message"]
