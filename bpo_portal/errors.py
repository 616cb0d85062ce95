"""One error type for business rules, and one error shape for every door.

Services raise `ApplicationError` (or a subclass carrying its HTTP status).
The API turns every 4xx into `{"message": ..., "extra": {"fields": {...}}}`;
HTML views show the message in the page (see `bpo_portal.views`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from rest_framework import exceptions, status
from rest_framework.response import Response


class ApplicationError(Exception):
    """A request a user can fix: the message is shown to them as it is."""

    status_code = 400

    def __init__(self, message: str, *, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra or {}

    @classmethod
    def for_fields(
        cls, fields: Mapping[str, str | list[str]], message: str | None = None
    ) -> ApplicationError:
        normalised = {k: v if isinstance(v, list) else [v] for k, v in fields.items()}
        return cls(message or first_message(normalised), extra={"fields": normalised})

    @property
    def fields(self) -> dict[str, list[str]]:
        return dict(self.extra.get("fields", {}))


class PermissionDeniedError(ApplicationError):
    status_code = 403


class NotFoundError(ApplicationError):
    status_code = 404


class ConflictError(ApplicationError):
    """The request is valid but the object's state forbids it now (409)."""

    status_code = 409


class ServiceUnavailableError(ApplicationError):
    """A backing service (broker, database) is down: nothing was done (503)."""

    status_code = 503


def first_message(fields: dict[str, list[str]]) -> str:
    for key, messages in fields.items():
        if messages:
            prefix = "" if key in ("__all__", "non_field_errors") else f"{key.replace('_', ' ')}: "
            return f"{prefix}{messages[0]}"
    return "Please correct the errors below."


def validation_error_fields(error: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {k: [str(m) for e in v for m in e.messages] for k, v in error.error_dict.items()}
    return {"non_field_errors": [str(m) for m in error.messages]}


def _flatten_drf_detail(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF nests errors for nested serializers; flatten to dotted field names."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            out.update(_flatten_drf_detail(value, name))
    elif isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            out[prefix or "non_field_errors"] = [str(item) for item in detail]
        else:
            for index, item in enumerate(detail):
                if item:
                    out.update(
                        _flatten_drf_detail(item, f"{prefix}.{index}" if prefix else str(index))
                    )
    else:
        out[prefix or "non_field_errors"] = [str(detail)]
    return out


def error_body(message: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    extra = dict(extra or {})
    extra.setdefault("fields", {})
    return {"message": message, "extra": extra}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF exception handler: every error in the one shape."""
    if isinstance(exc, ApplicationError):
        return Response(error_body(exc.message, exc.extra), status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        fields = validation_error_fields(exc)
        return Response(error_body(first_message(fields), {"fields": fields}), status=400)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    # Imported here, a cycle through DRF: rest_framework.views loads the authentication
    # classes named in settings, which import the services, which import this module.
    from rest_framework.views import exception_handler as drf_exception_handler  # noqa: PLC0415

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten_drf_detail(exc.detail)
        response.data = error_body(first_message(fields), {"fields": fields})
    elif isinstance(exc, exceptions.ParseError):
        response.data = error_body(f"The request body could not be read: {exc.detail}")
    elif isinstance(exc, exceptions.Throttled):
        # DRF has rounded the wait up to whole seconds, as in the Retry-After header.
        wait = exc.wait  # type: ignore[attr-defined]
        response.data = error_body(
            "Too many requests. Please slow down and try again"
            + (f" in {wait} seconds." if wait else " later."),
            {"retry_after": wait or None},
        )
    elif isinstance(exc, exceptions.APIException):
        detail = exc.detail
        message = str(detail) if not isinstance(detail, (dict, list)) else "Request failed."
        response.data = error_body(message)
    return response


# --- Schema: document the error shape on every operation ---------------------

ERROR_SCHEMA = {
    "type": "object",
    "required": ["message", "extra"],
    "properties": {
        "message": {"type": "string", "description": "What went wrong, for a person."},
        "extra": {
            "type": "object",
            "properties": {
                "fields": {
                    "type": "object",
                    "description": "Field name (dotted for nested data) to its messages.",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                }
            },
            "additionalProperties": True,
        },
    },
}

_ERROR_STATUSES = {
    "400": "Invalid input: see `extra.fields`.",
    "401": "Not authenticated, or the token is unknown or revoked.",
    "403": "Authenticated, but not allowed to do this.",
    "404": "Not found, or not visible to you.",
    "405": "Method not allowed.",
    "406": "Not acceptable.",
    "409": "The object's state does not allow this now.",
    "415": "Unsupported media type.",
    "429": "Throttled: retry later.",
}


def add_error_responses_hook(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """drf-spectacular post-processing hook: every operation documents the error shape."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/Error"}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            for code, description in _ERROR_STATUSES.items():
                if code == "405":
                    continue
                responses.setdefault(
                    code,
                    {"description": description, "content": {"application/json": {"schema": ref}}},
                )
    return result


# --- HTML and JSON error pages -----------------------------------------------


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def error_page(request: HttpRequest, status_code: int, message: str) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse(error_body(message), status=status_code)
    return render(request, f"errors/{status_code}.html", {"message": message}, status=status_code)


def handler400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_page(request, status.HTTP_400_BAD_REQUEST, "The request could not be understood.")


def handler403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = (
        str(exception)
        if exception and str(exception)
        else ("You do not have permission to see this page.")
    )
    return error_page(request, status.HTTP_403_FORBIDDEN, message)


def handler404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_page(request, status.HTTP_404_NOT_FOUND, "Not found.")


def handler500(request: HttpRequest) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse(
            error_body("Something went wrong on our side. Please try again."), status=500
        )
    # No template context processors here: the failure may come from them.
    return HttpResponse(loader.get_template("errors/500.html").render(), status=500)


def validate_model(instance: Any, *, exclude: list[str] | None = None) -> None:
    """`full_clean()`, raising ApplicationError with field messages instead."""
    try:
        instance.full_clean(exclude=exclude)
    except DjangoValidationError as exc:
        fields = validation_error_fields(exc)
        raise ApplicationError(first_message(fields), extra={"fields": fields}) from exc
