from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django import forms
from django.contrib.sites.shortcuts import get_current_site
from django.http import HttpRequest

from accounts.login_throttle import (
    Attempt,
    LoginThrottled,
    login_attempt_begin,
    login_attempt_failed,
    login_attempt_succeeded,
)
from accounts.mail import enqueue_email


def _login_of(credentials: dict[str, Any]) -> str:
    return str(credentials.get("email") or credentials.get("username") or "")


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """Render allauth's e-mails as usual, but deliver them through our outbox and Celery."""
        request = allauth_context.request
        ctx = {"request": request, "email": email, "current_site": get_current_site(request)}
        ctx.update(context)
        message = self.render_mail(template_prefix, email, ctx)
        html = next(
            (
                content
                for content, mime in getattr(message, "alternatives", [])
                if mime == "text/html"
            ),
            "",
        )
        enqueue_email(to=list(message.to), subject=message.subject, text=message.body, html=html)

    # --- Log-in throttling (accounts.login_throttle replaces allauth's "login_failed") ---

    _login_attempt: Attempt | None = None

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        try:
            self._login_attempt = login_attempt_begin(request, _login_of(credentials))
        except LoginThrottled as exc:
            raise forms.ValidationError(exc.message, code="too_many_login_attempts") from None

    def authenticate(self, request: HttpRequest, **credentials: Any) -> Any:
        user = super().authenticate(request, **credentials)
        if user is not None and self._login_attempt is not None:
            login_attempt_succeeded(self._login_attempt)
        return user

    def authentication_failed(self, request: HttpRequest, **credentials: Any) -> None:
        if self._login_attempt is not None:
            login_attempt_failed(self._login_attempt, login=_login_of(credentials))
