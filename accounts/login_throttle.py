"""Log-in throttling: slow password guessing down without locking the owner out.

Two limits, both counted in the cache (Redis in production):

- **Per account and client** (the client is the browser's device cookie when the browser
  has signed in to this account before, else its IP address). The first
  `PAIR_FREE_FAILURES` wrong passwords cost nothing; after them each attempt waits a
  delay that doubles, from one minute up to `PAIR_MAX_DELAY`. The owner signing in from
  another address, or from a browser they used before, is not held back by it, and
  nobody else behind the same address is either.
- **Per account, across clients it has never seen.** Guesses spread over many addresses
  are counted together: after `ACCOUNT_FREE_FAILURES` in `ACCOUNT_WINDOW`, attempts
  from unknown clients are spaced `ACCOUNT_SPACING` apart. That slows a botnet to a
  crawl but never locks anybody out, and the owner is told once per window by e-mail.
  A browser that signed in to the account before is not slowed.

A completed password reset clears both (the counters belong to a generation of the
account that the reset ends). A correct password clears the client's own counter.
Attempts are counted *before* the password is checked, so a burst of parallel requests
gets at most one guess beyond the free ones; a refused attempt checks no password and
costs nothing. Keys hold a keyed hash of the address typed, never the address itself,
and an unknown address is throttled exactly like a known one (no enumeration).

The cache failing soft (bpo_portal.cache) means no throttling while Redis is down,
rather than nobody able to sign in.
"""

from __future__ import annotations

import contextlib
import math
import secrets
import time
from dataclasses import dataclass
from typing import Any

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest, HttpResponseBase
from django.utils.crypto import salted_hmac

from accounts.mail import send_templated_email
from accounts.models import User
from bpo_portal.cache import counter_incr
from bpo_portal.web import site_link

PAIR_FREE_FAILURES = 5
PAIR_FIRST_DELAY = 60
PAIR_MAX_DELAY = 15 * 60
ACCOUNT_FREE_FAILURES = 20
ACCOUNT_WINDOW = 60 * 60
ACCOUNT_SPACING = 30
# A client's count is forgotten a day after its first failure.
COUNTER_TIMEOUT = 24 * 60 * 60

DEVICE_COOKIE = "bpo_device"
DEVICE_COOKIE_AGE = 365 * 24 * 60 * 60
DEVICE_SALT = "accounts.login_throttle.device"
# A shared computer may be used for a few accounts; it is trusted for the last ones.
DEVICE_ACCOUNTS = 8


class LoginThrottled(Exception):
    """An attempt refused before its password is checked; `wait` seconds are left."""

    def __init__(self, wait: int, *, spread: bool) -> None:
        self.wait = max(1, wait)
        self.spread = spread
        super().__init__(self.message)

    @property
    def message(self) -> str:
        left = wait_text(self.wait)
        if self.spread:
            return (
                "This account is receiving many failed sign-in attempts, so each attempt from a "
                f"new browser must wait. Try again in {left}. Signing in from a browser you have "
                "used here before is not slowed down."
            )
        return (
            "Too many failed sign-in attempts for this account from your browser or network. "
            f"Try again in {left}, or reset your password: once it is reset you can sign in "
            "at once."
        )


def wait_text(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def pair_delay(failures: int) -> int:
    """The wait after `failures` wrong passwords from one client: none for the free ones,
    then one minute, doubling up to PAIR_MAX_DELAY."""
    if failures < PAIR_FREE_FAILURES:
        return 0
    return int(min(PAIR_FIRST_DELAY * 2 ** (failures - PAIR_FREE_FAILURES), PAIR_MAX_DELAY))


def account_key(login: str) -> str:
    return salted_hmac("accounts.login_throttle", login.strip().lower()).hexdigest()[:32]


@dataclass(frozen=True)
class Attempt:
    """Who is trying: the account (a hash of the address typed, and the generation of its
    counters) and the client."""

    account: str
    generation: int
    client: str
    trusted: bool

    def _key(self, *parts: str) -> str:
        return ":".join(["login", self.account, str(self.generation), *parts])

    @property
    def pair_attempts(self) -> str:
        return self._key("pair", self.client, "n")

    @property
    def pair_until(self) -> str:
        return self._key("pair", self.client, "until")

    @property
    def spread_attempts(self) -> str:
        return self._key("spread", "n")

    @property
    def spread_until(self) -> str:
        return self._key("spread", "until")

    @property
    def spread_notified(self) -> str:
        return self._key("spread", "notified")


def _generation_key(account: str) -> str:
    return f"login:{account}:generation"


def _device_accounts(request: HttpRequest) -> tuple[str, list[str]]:
    """The browser's device id and the accounts it has signed in to ('' and [] if none)."""
    raw = request.COOKIES.get(DEVICE_COOKIE)
    if not raw:
        return "", []
    try:
        value = signing.loads(raw, salt=DEVICE_SALT, max_age=DEVICE_COOKIE_AGE)
    except signing.BadSignature:
        return "", []
    if not isinstance(value, dict):
        return "", []
    device, accounts = value.get("d"), value.get("a")
    if not isinstance(device, str) or not isinstance(accounts, list):
        return "", []
    return device, [str(a) for a in accounts]


def _client_ip(request: HttpRequest) -> str:
    return str(get_adapter(request).get_client_ip(request))


def attempt_for(request: HttpRequest, login: str) -> Attempt:
    account = account_key(login)
    generation = int(cache.get(_generation_key(account), 0))
    device, accounts = _device_accounts(request)
    if device and account in accounts:
        return Attempt(account, generation, client=f"device:{device}", trusted=True)
    return Attempt(account, generation, client=f"ip:{_client_ip(request)}", trusted=False)


def _decr(key: str) -> None:
    with contextlib.suppress(ValueError):  # expired meanwhile: nothing to give back
        cache.decr(key)


def _left(key: str, now: float) -> int:
    until = cache.get(key)
    return math.ceil(float(until) - now) if until is not None else 1


def login_attempt_begin(request: HttpRequest, login: str) -> Attempt:
    """Count an attempt before its password is checked, or refuse it (LoginThrottled)."""
    attempt = attempt_for(request, login)
    now = time.time()
    number = counter_incr(attempt.pair_attempts, COUNTER_TIMEOUT)
    if number > PAIR_FREE_FAILURES:
        # One attempt per delay: taking the slot is atomic, so parallel requests get one.
        delay = pair_delay(number)
        if not cache.add(attempt.pair_until, now + delay, timeout=delay):
            _decr(attempt.pair_attempts)
            raise LoginThrottled(_left(attempt.pair_until, now), spread=False)
    if not attempt.trusted:
        spread = counter_incr(attempt.spread_attempts, ACCOUNT_WINDOW)
        if spread > ACCOUNT_FREE_FAILURES and not cache.add(
            attempt.spread_until, now + ACCOUNT_SPACING, timeout=ACCOUNT_SPACING
        ):
            _decr(attempt.spread_attempts)
            _decr(attempt.pair_attempts)
            raise LoginThrottled(_left(attempt.spread_until, now), spread=True)
    return attempt


def login_attempt_failed(attempt: Attempt, *, login: str) -> None:
    """The password was wrong (the attempt is already counted): start the client's wait
    once its free attempts are used up, and tell the owner of a spread attack once."""
    number = cache.get(attempt.pair_attempts, 0)
    if number >= PAIR_FREE_FAILURES:
        delay = pair_delay(number)
        cache.set(attempt.pair_until, time.time() + delay, timeout=delay)
    if not attempt.trusted and cache.get(attempt.spread_attempts, 0) >= ACCOUNT_FREE_FAILURES:
        cache.set(attempt.spread_until, time.time() + ACCOUNT_SPACING, timeout=ACCOUNT_SPACING)
        if cache.add(attempt.spread_notified, 1, timeout=ACCOUNT_WINDOW):
            _notify_owner(login)


def login_attempt_succeeded(attempt: Attempt) -> None:
    """The right password: the client's own count starts over. Attempts from unknown
    clients stay counted (whoever guessed elsewhere is still guessing)."""
    cache.delete_many([attempt.pair_attempts, attempt.pair_until])
    if not attempt.trusted:
        _decr(attempt.spread_attempts)


def login_throttle_clear(*, logins: list[str]) -> None:
    """A completed password reset: every counter of these addresses is forgotten."""
    for login in logins:
        counter_incr(_generation_key(account_key(login)), None)


def trust_device(request: HttpRequest, response: HttpResponseBase, *, logins: list[str]) -> None:
    """After a successful sign-in, remember that this browser signs in to this account
    (with any of its addresses)."""
    device, accounts = _device_accounts(request)
    signed_in = [account_key(login) for login in logins]
    accounts = [*signed_in, *[a for a in accounts if a not in signed_in]][:DEVICE_ACCOUNTS]
    value = signing.dumps(
        {"d": device or secrets.token_urlsafe(16), "a": accounts}, salt=DEVICE_SALT
    )
    response.set_cookie(
        DEVICE_COOKIE,
        value,
        max_age=DEVICE_COOKIE_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def _notify_owner(login: str) -> None:
    address = login.strip().lower()
    user = User.objects.filter(email__iexact=address, is_active=True).first()
    if user is None:
        return
    context: dict[str, Any] = {
        "user": user,
        "attempts": ACCOUNT_FREE_FAILURES,
        "window_minutes": ACCOUNT_WINDOW // 60,
        "reset_url": site_link("account_reset_password"),
    }
    send_templated_email(to=[user.email], template_prefix="emails/login_attempts", context=context)
