"""Receivers for allauth's credential-change signals: API tokens do not outlive them."""

from __future__ import annotations

from typing import Any

from allauth.account.signals import email_changed, password_changed, password_reset, password_set
from allauth.mfa.signals import authenticator_removed, authenticator_reset
from django.contrib import messages
from django.dispatch import Signal

from accounts.services import user_credentials_revoke

# Each change of credentials, and how the message to the user names it.
REVOKED_AFTER: dict[Signal, str] = {
    password_changed: "password change",
    password_set: "password change",
    password_reset: "password reset",
    email_changed: "change of your primary e-mail address",
    authenticator_removed: "removal of a two-factor authenticator",
    authenticator_reset: "reset of your two-factor authentication",
}


def revoke_credentials(sender: Any, signal: Signal, request: Any, user: Any, **kwargs: Any) -> None:
    """Revoke the user's tokens and end their other sessions (the current one stays)."""
    reason = REVOKED_AFTER[signal]
    session = getattr(request, "session", None)
    keep = session.session_key if session is not None else None
    if user_credentials_revoke(user=user, reason=reason, keep_session_key=keep) and request:
        messages.info(request, f"Your API tokens were revoked after the {reason}.")


for _signal in REVOKED_AFTER:
    _signal.connect(revoke_credentials, dispatch_uid=f"accounts_revoke_credentials_{id(_signal)}")
