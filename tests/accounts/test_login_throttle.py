"""Log-in throttling (issue 15, finding 4): wrong passwords slow the guesser down, per
account and client, with a delay that grows and says how long is left; the owner coming
from elsewhere, or from a browser that signed in before, still gets in; guesses spread
over many addresses are slowed (never locked) and the owner is told; a completed password
reset unlocks at once. Before the fix, six wrong passwords from one address refused the
right one for five minutes, and locked every user behind that address."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from accounts import login_throttle
from accounts.models import OutgoingEmail
from tests.conftest import PASSWORD
from tests.helpers import reset_password_through_pages

pytestmark = pytest.mark.django_db

OFFICE = "198.51.100.7"
HOME = "203.0.113.40"
START = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def clock_cache(settings):
    """Counters in a cache that follows the test's clock (Redis expires keys in real time)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"throttle-{uuid.uuid4().hex}",
        }
    }


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def attempt(client: Client, email: str, password: str) -> str:
    response = client.post(reverse("account_login"), {"login": email, "password": password})
    return "" if response.status_code == 302 else response.content.decode()


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def sign_out(client: Client) -> None:
    """Sign out as the browser does (the test client's logout() also drops its cookies)."""
    client.post(reverse("account_logout"))
    assert not signed_in(client)


def fail(times: int, email: str, *, ip: str = OFFICE) -> None:
    for _ in range(times):
        page = attempt(Client(REMOTE_ADDR=ip), email, "wrong-password-1")
        assert "you specified are not correct" in page


def test_the_sixth_attempt_waits_a_minute_then_the_right_password_works(buyer_admin, clock):
    fail(5, buyer_admin.email)
    client = Client(REMOTE_ADDR=OFFICE)
    page = attempt(client, buyer_admin.email, PASSWORD)
    assert "Too many failed sign-in attempts for this account" in page
    assert "Try again in 1 minute," in page
    assert not signed_in(client)
    clock.shift(dt.timedelta(seconds=30))
    assert "Try again in 30 seconds" in attempt(client, buyer_admin.email, PASSWORD)
    clock.shift(dt.timedelta(seconds=31))
    assert attempt(client, buyer_admin.email, PASSWORD) == ""
    assert signed_in(client)


def test_the_delay_doubles_with_each_further_failure_up_to_fifteen_minutes(buyer_admin, clock):
    fail(5, buyer_admin.email)
    waits = []
    for _ in range(6):
        clock.shift(dt.timedelta(minutes=16))
        fail(1, buyer_admin.email)
        page = attempt(Client(REMOTE_ADDR=OFFICE), buyer_admin.email, PASSWORD)
        waits.append(int(re.search(r"Try again in (\d+) minute", page).group(1)))
    assert waits == [2, 4, 8, 15, 15, 15]


def test_a_refused_attempt_checks_no_password_and_costs_nothing(buyer_admin, clock):
    fail(5, buyer_admin.email)
    for _ in range(20):  # hammering during the wait does not make it longer
        assert "Try again in 1 minute" in attempt(
            Client(REMOTE_ADDR=OFFICE), buyer_admin.email, "another-guess-1"
        )
    clock.shift(dt.timedelta(seconds=61))
    client = Client(REMOTE_ADDR=OFFICE)
    assert attempt(client, buyer_admin.email, PASSWORD) == ""


def test_the_owner_from_another_address_is_not_held_back(buyer_admin, clock):
    fail(5, buyer_admin.email)
    assert "Try again" in attempt(Client(REMOTE_ADDR=OFFICE), buyer_admin.email, PASSWORD)
    home = Client(REMOTE_ADDR=HOME)
    assert attempt(home, buyer_admin.email, PASSWORD) == ""
    assert signed_in(home)


def test_colleagues_behind_the_same_address_are_not_held_back(buyer_admin, procurement_manager):
    fail(5, buyer_admin.email)
    colleague = Client(REMOTE_ADDR=OFFICE)
    assert attempt(colleague, procurement_manager.email, PASSWORD) == ""
    assert signed_in(colleague)


def test_a_browser_that_signed_in_before_gets_in_behind_an_attacked_address(buyer_admin, clock):
    laptop = Client(REMOTE_ADDR=OFFICE)
    assert attempt(laptop, buyer_admin.email, PASSWORD) == ""
    cookie = laptop.cookies[login_throttle.DEVICE_COOKIE]
    assert cookie["httponly"] and cookie["max-age"] == login_throttle.DEVICE_COOKIE_AGE
    sign_out(laptop)
    fail(5, buyer_admin.email)  # someone else, same office address, no cookie
    assert "Try again" in attempt(Client(REMOTE_ADDR=OFFICE), buyer_admin.email, PASSWORD)
    assert attempt(laptop, buyer_admin.email, PASSWORD) == ""
    assert signed_in(laptop)


def test_a_forged_or_foreign_device_cookie_is_not_trusted(buyer_admin, procurement_manager):
    mine = Client(REMOTE_ADDR=OFFICE)
    assert attempt(mine, procurement_manager.email, PASSWORD) == ""  # trusted for *my* account
    sign_out(mine)
    fail(5, buyer_admin.email)
    assert "Try again" in attempt(mine, buyer_admin.email, PASSWORD)
    forged = Client(REMOTE_ADDR=OFFICE)
    forged.cookies[login_throttle.DEVICE_COOKIE] = "eyJkIjoieCIsImEiOlsiYSJdfQ:forged:sig"
    assert "Try again" in attempt(forged, buyer_admin.email, PASSWORD)


def test_guesses_spread_over_many_addresses_are_slowed_and_the_owner_told_once(buyer_admin, clock):
    free = login_throttle.ACCOUNT_FREE_FAILURES
    for n in range(free):
        fail(1, buyer_admin.email, ip=f"192.0.2.{n + 1}")
    told = OutgoingEmail.objects.filter(subject__contains="failed sign-in attempts")
    assert [m.to for m in told] == [[buyer_admin.email]]  # told when the limit is reached
    assert "not locked" in told[0].text and "/accounts/password/reset/" in told[0].text
    # The next new address must wait; never longer than the spacing.
    page = attempt(Client(REMOTE_ADDR="192.0.2.200"), buyer_admin.email, "wrong-password-1")
    assert "receiving many failed sign-in attempts" in page
    assert "Try again in 30 seconds" in page
    # Once the spacing has passed one attempt goes through: slowed, not locked.
    clock.shift(dt.timedelta(seconds=31))
    fail(1, buyer_admin.email, ip="192.0.2.201")
    assert "Try again" in attempt(Client(REMOTE_ADDR="192.0.2.202"), buyer_admin.email, "x" * 12)
    clock.shift(dt.timedelta(seconds=31))
    owner_somewhere_new = Client(REMOTE_ADDR="192.0.2.203")
    assert attempt(owner_somewhere_new, buyer_admin.email, PASSWORD) == ""
    assert told.count() == 1  # once per window, however long the attack goes on


def test_a_known_browser_is_not_slowed_by_a_spread_attack(buyer_admin, clock):
    laptop = Client(REMOTE_ADDR=HOME)
    assert attempt(laptop, buyer_admin.email, PASSWORD) == ""
    sign_out(laptop)
    for n in range(login_throttle.ACCOUNT_FREE_FAILURES + 1):
        attempt(Client(REMOTE_ADDR=f"192.0.2.{n + 1}"), buyer_admin.email, "wrong-password-1")
    assert "Try again" in attempt(Client(REMOTE_ADDR=HOME), buyer_admin.email, PASSWORD)
    assert attempt(laptop, buyer_admin.email, PASSWORD) == ""


def test_a_completed_password_reset_unlocks_at_once(buyer_admin, clock):
    fail(5, buyer_admin.email)
    for _ in range(3):  # a longer wait by now
        clock.shift(dt.timedelta(minutes=16))
        fail(1, buyer_admin.email)
    client = Client(REMOTE_ADDR=OFFICE)
    assert "Try again in" in attempt(client, buyer_admin.email, PASSWORD)
    new_password = "a-brand-new-passphrase-7"
    done = reset_password_through_pages(client, buyer_admin.email, new_password)
    assert done.status_code == 302
    again = Client(REMOTE_ADDR=OFFICE)
    assert attempt(again, buyer_admin.email, new_password) == ""
    assert signed_in(again)


def test_an_unknown_address_is_throttled_exactly_like_a_known_one(buyer_admin, clock):
    fail(5, buyer_admin.email)
    fail(5, "nobody-here@example.com")
    known = attempt(Client(REMOTE_ADDR=OFFICE), buyer_admin.email, "wrong-password-1")
    unknown = attempt(Client(REMOTE_ADDR=OFFICE), "nobody-here@example.com", "wrong-password-1")
    assert re.search(r"Too many failed[^<]*", known).group(0) == re.search(
        r"Too many failed[^<]*", unknown
    ).group(0)


def test_a_burst_of_parallel_attempts_gets_one_guess_beyond_the_free_ones(rf, clock):
    """Attempts are counted before the password is checked: requests that all arrive
    before any answer still get only the free attempts plus one."""
    request = rf.post("/", REMOTE_ADDR=OFFICE)
    allowed = 0
    for _ in range(50):
        try:
            login_throttle.login_attempt_begin(request, "victim@example.com")
        except login_throttle.LoginThrottled:
            continue
        allowed += 1
    assert allowed == login_throttle.PAIR_FREE_FAILURES + 1


def test_the_counters_hold_no_address_in_clear(buyer_admin):
    fail(1, buyer_admin.email)
    keys = list(cache._cache.keys())  # LocMemCache
    assert keys and not any(buyer_admin.email.split("@")[0] in key for key in keys)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(1, "1 second"), (59, "59 seconds"), (60, "1 minute"), (61, "2 minutes"), (900, "15 minutes")],
)
def test_the_wait_is_said_plainly(seconds, text):
    assert login_throttle.wait_text(seconds) == text
