"""The browser door: sign-up, log-in, dashboards, team, invitations, profile."""

from __future__ import annotations

import re
import uuid

import pytest
from allauth.account import signals as allauth_account_signals
from allauth.mfa import signals as allauth_mfa_signals
from django.conf import settings as django_settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import ApiToken, BuyerMembership, User
from accounts.services import api_token_create, invitation_create
from bpo_portal.errors import handler500
from tests.conftest import PASSWORD
from tests.helpers import reset_password_through_pages

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_signup_verify_and_create_a_buyer_organization(django_capture_on_commit_callbacks):
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_signup"),
            {
                "full_name": "Dana Scully",
                "email": "dana@example.com",
                "password1": PASSWORD,
                "password2": PASSWORD,
            },
        )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"http://\S+/accounts/confirm-email/\S+/", mail.outbox[0].body).group(0)
    path = link.split("testserver", 1)[-1] if "testserver" in link else "/" + link.split("/", 3)[3]
    response = client.post(path)
    assert response.status_code == 302
    # Logged in and without an organization: onboarding.
    response = client.get(reverse("dashboard"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("onboarding")
    response = client.post(
        reverse("onboarding"),
        {
            "kind": "buyer",
            "buyer-name": "X-Files Procurement",
            "buyer-home_country": "US",
            "buyer-default_currency": "USD",
            "buyer-time_zone": "America/New_York",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "X-Files Procurement" in response.content.decode()
    user = User.objects.get(email="dana@example.com")
    assert user.full_name == "Dana Scully"
    assert user.buyer_membership.role == "admin"


def test_signup_with_an_email_in_use_reveals_nothing_and_mails_the_owner(
    buyer_admin, django_capture_on_commit_callbacks
):
    # Issue 15, finding 5: the page must not say the address is taken; its owner gets a mail.
    with django_capture_on_commit_callbacks(execute=True):
        taken = Client().post(
            reverse("account_signup"),
            {
                "full_name": "X",
                "email": "ADMIN@buyer.example",
                "password1": PASSWORD,
                "password2": PASSWORD,
            },
        )
    fresh = Client().post(
        reverse("account_signup"),
        {
            "full_name": "Y",
            "email": "nobody-yet@buyer.example",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert taken.status_code == fresh.status_code == 302
    assert taken["Location"] == fresh["Location"]
    assert User.objects.filter(email__iexact="admin@buyer.example").count() == 1
    to_owner = [m for m in mail.outbox if m.to == ["admin@buyer.example"]]
    assert len(to_owner) == 1
    assert "already" in (to_owner[0].subject + to_owner[0].body).lower()


def test_password_reset_answers_the_same_for_known_and_unknown_addresses(buyer_admin):
    # Issue 15, finding 5: "not assigned to any user account" revealed who has an account.
    known = Client().post(reverse("account_reset_password"), {"email": "admin@buyer.example"})
    unknown = Client().post(reverse("account_reset_password"), {"email": "ghost@nowhere.example"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert "not assigned" not in Client().get(known["Location"]).content.decode()


def test_signup_with_a_weak_password_keeps_input_and_explains(db):
    response = Client().post(
        reverse("account_signup"),
        {
            "full_name": "Weak",
            "email": "weak@example.com",
            "password1": "password",
            "password2": "password",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html
    assert "too common" in html
    assert 'value="weak@example.com"' in html
    assert not User.objects.filter(email="weak@example.com").exists()


def test_vendor_registers_from_onboarding(unattached_user):
    client = logged_in(unattached_user)
    response = client.post(
        reverse("onboarding"),
        {
            "kind": "vendor",
            "vendor-legal_name": "Cebu Care Inc.",
            "vendor-headquarters_country": "PH",
        },
        follow=True,
    )
    assert "Cebu Care Inc." in response.content.decode()
    assert unattached_user.vendor_membership.role == "owner"


def test_onboarding_errors_are_summarised_and_input_kept(unattached_user):
    response = logged_in(unattached_user).post(
        reverse("onboarding"),
        {
            "kind": "buyer",
            "buyer-name": "Keep me",
            "buyer-home_country": "ZZ",
            "buyer-default_currency": "USD",
        },
    )
    html = response.content.decode()
    assert "There is a problem" in html
    assert 'value="Keep me"' in html
    assert not BuyerMembership.objects.filter(user=unattached_user).exists()


def test_login_and_dashboards_differ_for_buyers_and_vendors(buyer_admin, vendor_a):
    client = Client()
    response = client.post(
        reverse("account_login"), {"login": buyer_admin.email, "password": PASSWORD}, follow=True
    )
    html = response.content.decode()
    assert "Northwind Health" in html and "Team" in html and "Invite colleagues" in html
    client = Client()
    response = client.post(
        reverse("account_login"), {"login": vendor_a.email, "password": PASSWORD}, follow=True
    )
    html = response.content.decode()
    assert "No open RFPs" in html
    assert "Team</a>" not in html


def _cache_of_kind(kind: str, tmp_path) -> dict:
    """The cache log-in rate limits count failures in: Redis (production, CI) or the
    file cache of development (make run without REDIS_URL)."""
    if kind == "file":
        return {
            "default": {
                "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                "LOCATION": str(tmp_path / "cache"),
            }
        }
    if not django_settings.REDIS_URL:
        pytest.skip("needs Redis (set REDIS_URL)")
    return {
        "default": {
            "BACKEND": "bpo_portal.cache.FailSoftRedisCache",
            # This process's cache database; a prefix of its own, because the counters
            # outlive the test (five minutes) and a second run would start locked out.
            "LOCATION": django_settings.CACHES["default"]["LOCATION"],
            "KEY_PREFIX": f"test-throttle-{uuid.uuid4().hex}",
        }
    }


@pytest.mark.parametrize("cache_kind", ["file", "redis"])
def test_login_is_throttled_after_repeated_failures(buyer_admin, settings, tmp_path, cache_kind):
    settings.CACHES = _cache_of_kind(cache_kind, tmp_path)
    client = Client()
    for _ in range(5):
        response = client.post(
            reverse("account_login"), {"login": buyer_admin.email, "password": "wrong-password"}
        )
        assert "you specified are not correct" in response.content.decode()
    # The sixth attempt is refused even with the right password, and the page says why.
    response = client.post(
        reverse("account_login"), {"login": buyer_admin.email, "password": PASSWORD}
    )
    assert response.status_code == 200
    assert "Too many failed sign-in attempts for this account" in response.content.decode()
    assert "Try again in 1 minute" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # So is another browser (same address) trying the same account.
    again = Client().post(
        reverse("account_login"), {"login": buyer_admin.email, "password": PASSWORD}
    )
    assert "Too many failed sign-in attempts" in again.content.decode()
    # Another account from elsewhere is not locked out by these failures.
    elsewhere = Client(REMOTE_ADDR="203.0.113.9")
    response = elsewhere.post(
        reverse("account_login"), {"login": "someone-else@example.com", "password": "x" * 12}
    )
    assert "Too many failed sign-in attempts" not in response.content.decode()


def test_a_correct_login_does_not_count_as_a_failure(buyer_admin):
    for _ in range(8):
        client = Client()
        response = client.post(
            reverse("account_login"), {"login": buyer_admin.email, "password": PASSWORD}
        )
        assert response.status_code == 302 and "_auth_user_id" in client.session


@pytest.mark.parametrize("role_fixture", ["procurement_manager", "evaluator", "viewer", "vendor_a"])
def test_team_page_is_for_admins_only(request, role_fixture):
    user = request.getfixturevalue(role_fixture)
    response = logged_in(user).get(reverse("organization_members"))
    assert response.status_code == 403
    assert "You cannot see this page" in response.content.decode()


def test_anonymous_is_sent_to_login(db):
    response = Client().get(reverse("organization_members"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_admin_invites_and_the_invitee_joins(buyer_admin, django_capture_on_commit_callbacks):
    client = logged_in(buyer_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("organization_members"),
            {"email": "new@example.com", "role": "evaluator"},
            follow=True,
        )
    assert "Invitation sent to new@example.com" in response.content.decode()
    link = re.search(r"http://\S+(/invitations/\S+/)", mail.outbox[0].body).group(1)
    invitee = Client()
    page = invitee.get(link)
    assert "Create your account for" in page.content.decode()
    response = invitee.post(
        link, {"full_name": "New Person", "password1": PASSWORD, "password2": PASSWORD}, follow=True
    )
    assert response.status_code == 200
    assert User.objects.get(email="new@example.com").buyer_membership.role == "evaluator"
    # The link is spent.
    again = Client().get(link)
    assert again.status_code == 409
    assert "already been accepted" in again.content.decode()


def test_invalid_invitation_links_get_friendly_pages(db):
    response = Client().get("/invitations/garbage/")
    assert response.status_code == 404
    assert "not valid" in response.content.decode()


def test_invite_form_keeps_input_on_error(buyer_admin, evaluator):
    response = logged_in(buyer_admin).post(
        reverse("organization_members"), {"email": evaluator.email, "role": "viewer"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "already a member" in html and evaluator.email in html


def test_last_admin_cannot_demote_themselves_via_the_page(buyer_admin):
    membership = buyer_admin.buyer_membership
    response = logged_in(buyer_admin).post(
        reverse("membership_change_role", args=[membership.pk]), {"role": "viewer"}, follow=True
    )
    assert "at least one admin" in response.content.decode()
    membership.refresh_from_db()
    assert membership.role == "admin"


def test_profile_creates_a_token_shown_once_and_revokes_it(buyer_admin):
    client = logged_in(buyer_admin)
    response = client.post(reverse("profile"), {"action": "create_token", "name": "ERP"})
    html = response.content.decode()
    token = ApiToken.objects.get()
    match = re.search(r'id="new-key" value="(bpo_[^"]+)"', html)
    assert match and match.group(1).startswith(token.key_prefix)
    assert match.group(1) not in client.get(reverse("profile")).content.decode()
    client.post(reverse("token_revoke", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_other_users_tokens_cannot_be_revoked(buyer_admin, evaluator):
    token, _ = api_token_create(user=evaluator, name="mine")
    response = logged_in(buyer_admin).post(reverse("token_revoke", args=[token.pk]))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_profile_time_zone_changes_how_times_are_shown(buyer_admin):
    client = logged_in(buyer_admin)
    client.post(
        reverse("profile"), {"action": "profile", "full_name": "Alice", "time_zone": "Asia/Manila"}
    )
    buyer_admin.refresh_from_db()
    assert str(buyer_admin.time_zone) == "Asia/Manila"


def test_audit_log_is_for_admins(buyer_admin, evaluator):
    invitation_create(
        actor=buyer_admin,
        email="x@example.com",
        role="viewer",
        organization=buyer_admin.buyer_membership.organization,
    )
    response = logged_in(buyer_admin).get(reverse("audit_log"))
    assert "invited x@example.com" in response.content.decode()
    assert logged_in(evaluator).get(reverse("audit_log")).status_code == 403


def test_friendly_404_page(db):
    response = Client().get("/no/such/page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_csrf_failure_page_is_friendly(buyer_admin):
    client = Client(enforce_csrf_checks=True)
    client.force_login(buyer_admin)
    response = client.post(reverse("profile"), {"action": "profile", "full_name": "X"})
    assert response.status_code == 403
    assert "session expired" in response.content.decode()


def test_500_page_does_not_leak_details(rf):
    response = handler500(rf.get("/"))
    assert response.status_code == 500
    assert "Nothing you saved has been lost" in response.content.decode()
    api = handler500(rf.get("/api/v1/me/"))
    assert api.status_code == 500 and b"message" in api.content


def test_security_headers(db):
    response = Client().get("/")
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_audit_log_exports_as_csv_for_admins_only(buyer_admin, evaluator, other_buyer):
    invitation_create(
        actor=buyer_admin,
        email="x@example.com",
        role="viewer",
        organization=buyer_admin.buyer_membership.organization,
    )
    response = logged_in(buyer_admin).get(reverse("audit_log_export"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    body = response.content.decode()
    assert body.splitlines()[0].startswith("occurred_at_utc,actor,action")
    assert "invitation.created" in body and "x@example.com" in body
    assert "organization.created" in body
    other = logged_in(other_buyer).get(reverse("audit_log_export")).content.decode()
    assert "x@example.com" not in other
    assert logged_in(evaluator).get(reverse("audit_log_export")).status_code == 403


def test_a_password_change_revokes_api_tokens(buyer_admin):
    # Issue 15, finding 3: a token that worked answers 401 after the password change.
    _token, key = api_token_create(user=buyer_admin, name="ci")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert api.get("/api/v1/rfps/").status_code == 200
    browser = logged_in(buyer_admin)
    response = browser.post(
        reverse("account_change_password"),
        {
            "oldpassword": PASSWORD,
            "password1": "N3w-long-passphrase!",
            "password2": "N3w-long-passphrase!",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "API tokens were revoked" in response.content.decode()
    assert "Revoked " in browser.get(reverse("profile")).content.decode()
    assert api.get("/api/v1/rfps/").status_code == 401


def test_a_password_reset_through_its_pages_revokes_api_tokens(buyer_admin):
    # Issue 15, finding 3, by the path a person takes: the e-mailed link, a new password.
    _token, key = api_token_create(user=buyer_admin, name="ci")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert api.get("/api/v1/rfps/").status_code == 200
    other_browser = logged_in(buyer_admin)
    done = reset_password_through_pages(Client(), buyer_admin.email, "N3w-long-passphrase!")
    assert done.status_code == 302
    assert api.get("/api/v1/rfps/").status_code == 401
    assert other_browser.get(reverse("profile")).status_code == 302  # signed out


@pytest.mark.parametrize("signal_name", ["password_reset", "email_changed", "authenticator_reset"])
def test_other_credential_changes_revoke_api_tokens(buyer_admin, signal_name):
    # Issue 15, finding 3: the triggers allauth sends besides a password change.
    signal = getattr(allauth_account_signals, signal_name, None) or getattr(
        allauth_mfa_signals, signal_name
    )
    _token, key = api_token_create(user=buyer_admin, name="ci")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert api.get("/api/v1/rfps/").status_code == 200
    signal.send(sender=User, request=None, user=buyer_admin)
    assert api.get("/api/v1/rfps/").status_code == 401


def test_a_primary_email_change_ends_the_users_other_sessions(buyer_admin, rf):
    # Issue 15, finding 3: another browser of the same user is logged out; this one stays.
    here, elsewhere = logged_in(buyer_admin), logged_in(buyer_admin)
    profile = reverse("profile")
    assert elsewhere.get(profile).status_code == 200
    request = rf.get(profile)
    request.session = here.session
    allauth_account_signals.email_changed.send(
        sender=User,
        request=request,
        user=buyer_admin,
        from_email_address=None,
        to_email_address=None,
    )
    assert here.get(profile).status_code == 200
    assert elsewhere.get(profile).status_code == 302
