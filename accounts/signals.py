"""Receivers for allauth's signals: API tokens do not outlive a change of credentials; a
browser that signs in is remembered, and a password reset ends the log-in throttle."""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from allauth.account.signals import (
    email_changed,
    password_changed,
    password_reset,
    password_set,
    user_logged_in,
)
from allauth.mfa.signals import authenticator_removed, authenticator_reset
from django.contrib import messages
from django.dispatch import Signal

from accounts.login_throttle import login_throttle_clear, trust_device
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


def _addresses(user: Any) -> list[str]:
    """Every address the user may sign in with."""
    emails = EmailAddress.objects.filter(user=user).values_list("email", flat=True)
    return list(dict.fromkeys([user.email, *emails]))


def remember_browser(
    sender: Any, request: Any, user: Any, response: Any = None, **kwargs: Any
) -> None:
    """This browser signed in: its later attempts on the account are not slowed by guesses
    made elsewhere (accounts.login_throttle)."""
    if response is not None and request is not None:
        trust_device(request, response, logins=_addresses(user))


def end_login_throttle(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """A completed password reset unlocks the account at once."""
    login_throttle_clear(logins=_addresses(user))


user_logged_in.connect(remember_browser, dispatch_uid="accounts_remember_browser")
password_reset.connect(end_login_throttle, dispatch_uid="accounts_end_login_throttle")
