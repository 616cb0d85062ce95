"""API token authentication: `Authorization: Token <key>` (or `Bearer <key>`)."""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from accounts.services import api_token_authenticate


class ApiTokenAuthentication(BaseAuthentication):
    keywords = (b"token", b"bearer")

    def authenticate(self, request: Any) -> tuple[Any, Any] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in self.keywords:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                "Malformed Authorization header. Use 'Authorization: Token <key>'."
            )
        try:
            key = parts[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed("The token contains invalid characters.") from exc

        result = api_token_authenticate(key=key)
        if result is None:
            raise exceptions.AuthenticationFailed("Invalid or revoked API token.")
        return result

    def authenticate_header(self, request: Any) -> str:
        return "Token"
