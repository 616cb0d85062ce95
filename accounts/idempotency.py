"""Safe retries on the API: `Idempotency-Key`.

A POST under /api/ may carry an `Idempotency-Key` header (1 to 255 printable
characters, a UUID say). The first request with a key runs and its answer is kept for
24 hours; the same key with the same request (method, path, query and body) gets that
answer again, marked `Idempotent-Replayed: true`, and has no second effect. The same
key with another request answers 409, as does a repeat while the first still runs
(`Retry-After: 1`). Keys are per caller: per API token, or per signed-in user. An
answer of 500 or more is not kept (the request may be retried with the same key), nor
is an anonymous request's. A first request that died without an answer frees its key
after RUNNING_FOR_AT_MOST.

Multipart uploads over the request-body memory limit are recognised by their length
and content type rather than their bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
from collections.abc import Callable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from accounts.models import IdempotentRequest
from bpo_portal.errors import error_body

logger = logging.getLogger(__name__)

HEADER = "HTTP_IDEMPOTENCY_KEY"
KEPT_FOR = dt.timedelta(hours=24)
RUNNING_FOR_AT_MOST = dt.timedelta(minutes=2)
_VALID_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")


def _error(status: int, message: str, **extra: object) -> JsonResponse:
    response = JsonResponse(error_body(message, extra or None), status=status)
    return response


def _scope(request: HttpRequest) -> str | None:
    authorization = request.META.get("HTTP_AUTHORIZATION", "")
    if authorization:
        return "token:" + hashlib.sha256(authorization.encode()).hexdigest()[:40]
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return None


def _request_hash(request: HttpRequest) -> str:
    digest = hashlib.sha256()
    for part in (request.method or "", request.path, request.META.get("QUERY_STRING", "")):
        digest.update(part.encode() + b"\0")
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        digest.update(f"{request.content_type}:{length}".encode())
    else:
        digest.update(request.body)
    return digest.hexdigest()


def _replay(record: IdempotentRequest) -> HttpResponse:
    response = HttpResponse(
        bytes(record.body), status=record.status_code, content_type=record.content_type or None
    )
    if record.location:
        response["Location"] = record.location
    response["Idempotent-Replayed"] = "true"
    return response


def idempotent_requests_delete_old() -> int:
    """Beat, hourly: forget keys older than KEPT_FOR."""
    deleted, _ = IdempotentRequest.objects.filter(created_at__lt=timezone.now() - KEPT_FOR).delete()
    return deleted


class IdempotencyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.META.get(HEADER)
        if key is None or request.method != "POST" or not request.path_info.startswith("/api/"):
            return self.get_response(request)
        if not _VALID_KEY.match(key):
            return _error(
                400,
                "Idempotency-Key must be 1 to 255 printable characters without spaces "
                "(a UUID, for example).",
            )
        scope = _scope(request)
        if scope is None:
            return self.get_response(request)
        request_hash = _request_hash(request)
        now = timezone.now()
        IdempotentRequest.objects.filter(
            scope=scope, key=key, created_at__lt=now - KEPT_FOR
        ).delete()
        IdempotentRequest.objects.filter(
            scope=scope, key=key, status_code=None, created_at__lt=now - RUNNING_FOR_AT_MOST
        ).delete()
        try:
            with transaction.atomic():
                record = IdempotentRequest.objects.create(
                    scope=scope, key=key, request_hash=request_hash, created_at=now
                )
        except IntegrityError:
            return self._seen(scope, key, request_hash)
        try:
            response = self.get_response(request)
        except BaseException:
            record.delete()
            raise
        if response.status_code >= 500 or response.streaming:
            record.delete()
            return response
        record.status_code = response.status_code
        record.content_type = response.get("Content-Type", "")
        record.location = response.get("Location", "")
        record.body = response.content
        record.completed_at = timezone.now()
        record.save(
            update_fields=["status_code", "content_type", "location", "body", "completed_at"]
        )
        return response

    def _seen(self, scope: str, key: str, request_hash: str) -> HttpResponse:
        record = IdempotentRequest.objects.filter(scope=scope, key=key).first()
        if record is None:  # deleted meanwhile (it failed): let the client try again
            response = _error(409, "A request with this Idempotency-Key just failed: retry.")
            response["Retry-After"] = "1"
            return response
        if record.request_hash != request_hash:
            return _error(
                409,
                "This Idempotency-Key was already used for a different request (another "
                "address or body) in the last 24 hours: use a new key for a new request.",
                idempotency_key=key,
            )
        if record.status_code is None:
            response = _error(
                409,
                "A request with this Idempotency-Key is still being processed: retry in a "
                "moment to get its answer.",
                idempotency_key=key,
            )
            response["Retry-After"] = "1"
            return response
        return _replay(record)
