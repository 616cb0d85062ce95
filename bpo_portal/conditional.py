"""Conditional requests on the API.

- Every successful GET under /api/ carries an `ETag`, and `If-None-Match` with it
  answers 304 Not Modified (no body). A representation with a `version` (an RFP, a
  proposal) has an ETag that starts with it: `"7-3f9c…"`, the rest a digest of the
  body, so the ETag changes whenever anything shown changes.
- `If-Match` with such an ETag is accepted as the version an edit was made on
  (optimistic locking, `bpo_portal.concurrency`): a stale one answers 409 and saves
  nothing, as a stale `version` in the body does (the body field stays; when both are
  sent they must agree).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control

from bpo_portal.errors import ApplicationError

API_PREFIX = "/api/"
_VERSIONED_ETAG = re.compile(r'^(?:W/)?"(\d+)-[0-9a-f]+"$')


def etag_for(content: bytes, version: int | None = None) -> str:
    digest = hashlib.sha256(content).hexdigest()[:20]
    return f'"{version}-{digest}"' if version is not None else f'"{digest}"'


def version_of(data: Any) -> int | None:
    """The `version` a representation shows at its top level, if any."""
    if isinstance(data, dict):
        version = data.get("version")
        if isinstance(version, int) and not isinstance(version, bool):
            return version
    return None


def if_match_version(request: Any) -> int | None:
    """The version an `If-Match` header names (None without one). Anything but one of
    our versioned ETags is refused with a message (400)."""
    header = request.META.get("HTTP_IF_MATCH", "").strip()
    if not header:
        return None
    match = _VERSIONED_ETAG.match(header)
    if match is None:
        raise ApplicationError.for_fields(
            {
                "If-Match": "Send the ETag of the representation you edited, as it came "
                '(for example "7-3f9c2a…"): its number is the version your change is made on.'
            }
        )
    return int(match.group(1))


def version_given(request: Any, body_version: Any) -> Any:
    """The version an edit names: the body's (or query's) `version`, or `If-Match`'s;
    both may be sent if they agree."""
    header = if_match_version(request)
    if header is None:
        return body_version
    if body_version in (None, ""):
        return header
    if str(body_version).strip() != str(header):
        raise ApplicationError.for_fields(
            {
                "version": f"The If-Match header names version {header} and the request "
                f"version {body_version}: send one, or the same in both."
            }
        )
    return header


def refuse_if_match(request: Any) -> None:
    """Where a change's version is not the one the ETag carries (a proposal's parts each
    have their own), `If-Match` is refused rather than ignored."""
    if request.META.get("HTTP_IF_MATCH", "").strip():
        raise ApplicationError.for_fields(
            {
                "If-Match": "Not accepted here: send the version of the part you edited in "
                "the body (`version`)."
            }
        )


class ApiConditionalGetMiddleware:
    """ETag on every successful GET or HEAD under /api/, and 304 for `If-None-Match`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            not request.path_info.startswith(API_PREFIX)
            or request.method not in ("GET", "HEAD")
            or response.status_code != 200
            or response.streaming
            or response.has_header("ETag")
        ):
            return response
        response["ETag"] = etag_for(response.content, version_of(getattr(response, "data", None)))
        # Clients may keep it, but must ask again (with If-None-Match) before using it.
        patch_cache_control(response, private=True, no_cache=True)
        conditional = get_conditional_response(request, etag=response["ETag"], response=response)
        return conditional if conditional is not None else response
