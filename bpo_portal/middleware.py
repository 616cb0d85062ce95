from __future__ import annotations

import logging
from collections.abc import Callable
from urllib.parse import unquote_plus

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from bpo_portal.errors import ApplicationError, ServiceUnavailableError, error_body, error_page
from bpo_portal.uploads import OBJECT_STORAGE_ERRORS, STORAGE_DOWN_MESSAGE

logger = logging.getLogger(__name__)

LIVENESS_PATH = "/livez/"


class LivenessMiddleware:
    """/livez/: the process answers HTTP. First in MIDDLEWARE, so it answers before
    anything reads the Host header (ALLOWED_HOSTS names the public host, which a probe
    inside the container does not use), before the HTTPS redirect, and without touching
    the database or Redis: a container probe restarts the web server only when the web
    server itself is stuck, never because a dependency is. /healthz/ is the readiness
    check that looks at the dependencies."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == LIVENESS_PATH:
            return HttpResponse("ok\n", content_type="text/plain")
        return self.get_response(request)


MAX_QUERY_STRING = 2048  # characters, as sent (percent-encoded)


class AddressGuardMiddleware:
    """What the address itself may carry, checked before anything looks it up:
    - a NUL character (%00) in the path or the query string: PostgreSQL cannot compare
      text holding one, so a lookup or a filter would fail with a server error;
    - a query string longer than MAX_QUERY_STRING: no search or filter needs more, and
      an unbounded one ends as the server's 414 instead of our answer.
    Both answer 400 in the error shape (JSON under /api/, the error page elsewhere).
    Request bodies are checked by the API's parsers (bpo_portal/parsers.py) and by
    Django's form fields."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        raw_query = request.META.get("QUERY_STRING", "")
        if len(raw_query) > MAX_QUERY_STRING:
            return error_page(
                request,
                400,
                f"The query string is too long (at most {MAX_QUERY_STRING:,} characters).",
            )
        query = unquote_plus(raw_query, errors="replace")
        if "\x00" in request.path or "\x00" in query:
            return error_page(request, 400, "The address may not contain a NUL character (%00).")
        return self.get_response(request)


class ApplicationErrorMiddleware:
    """A service refused (403, 404, 409...) in an HTML view: show its message on
    a proper error page with the right status instead of a server error. Object storage
    that does not answer is a 503 with a message, page or API alike."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, OBJECT_STORAGE_ERRORS):
            logger.error("Object storage failed on %s: %s", request.path, exception)
            exception = ServiceUnavailableError(STORAGE_DOWN_MESSAGE)
        if not isinstance(exception, ApplicationError):
            return None
        if request.path.startswith("/api/"):
            return JsonResponse(
                error_body(exception.message, exception.extra), status=exception.status_code
            )
        template = {403: "errors/403.html", 404: "errors/404.html"}.get(
            exception.status_code, "errors/refused.html"
        )
        return render(
            request, template, {"message": exception.message}, status=exception.status_code
        )
