"""Receivers for allauth's credential-change signals: API tokens do not outlive them."""

from __future__ import annotations

from typing import Any

from allauth.account.signals import email_changed, password_changed, password_reset, password_set
from allauth.mfa.signals import authenticator_removed, authenticator_reset
from django.contrib import messages
from django.dispatch import receiver

from accounts.services import user_credentials_revoke


def _revoke(request: Any, user: Any, reason: str) -> None:
    session = getattr(request, "session", None)
    keep = session.session_key if session is not None else None
    if user_credentials_revoke(user=user, reason=reason, keep_session_key=keep) and request:
        messages.info(request, f"Your API tokens were revoked after the {reason}.")


@receiver(password_changed, dispatch_uid="accounts_revoke_on_password_changed")
def revoke_on_password_changed(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    _revoke(request, user, "password change")


@receiver(password_set, dispatch_uid="accounts_revoke_on_password_set")
def revoke_on_password_set(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    _revoke(request, user, "password change")


@receiver(password_reset, dispatch_uid="accounts_revoke_on_password_reset")
def revoke_on_password_reset(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    _revoke(request, user, "password reset")


@receiver(email_changed, dispatch_uid="accounts_revoke_on_email_changed")
def revoke_on_email_changed(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    _revoke(request, user, "change of your primary e-mail address")


@receiver(authenticator_removed, dispatch_uid="accounts_revoke_on_authenticator_removed")
def revoke_on_authenticator_removed(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    _revoke(request, user, "removal of a two-factor authenticator")


@receiver(authenticator_reset, dispatch_uid="accounts_revoke_on_authenticator_reset")
def revoke_on_authenticator_reset(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    _revoke(request, user, "reset of your two-factor authentication")
