from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from accounts.models import (
    ApiToken,
    AuditEvent,
    BuyerMembership,
    BuyerRole,
    Invitation,
    OutgoingEmail,
    User,
)
from accounts.services import (
    api_token_authenticate,
    api_token_create,
    api_token_revoke,
    buyer_organization_create,
    invitation_accept,
    invitation_accept_new_user,
    invitation_create,
    invitation_for_token,
    invitation_revoke,
    membership_change_role,
    membership_remove,
    user_create,
)
from bpo_portal.errors import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def test_user_create_refuses_duplicate_email_case_insensitively(buyer_admin):
    with pytest.raises(ApplicationError) as exc:
        user_create(email="ADMIN@buyer.example", password=PASSWORD)
    assert "already exists" in exc.value.fields["email"][0]


def test_user_create_refuses_weak_password_and_saves_nothing():
    with pytest.raises(ApplicationError) as exc:
        user_create(email="weak@example.com", password="12345678")
    assert exc.value.fields["password"]
    assert not BuyerMembership.objects.exists()

    assert not User.objects.filter(email="weak@example.com").exists()


def test_organization_create_makes_the_creator_admin_and_audits(unattached_user):
    org = buyer_organization_create(
        user=unattached_user,
        name="Acme",
        home_country="GB",
        default_currency="GBP",
        time_zone="Europe/London",
    )
    assert unattached_user.buyer_membership.role == BuyerRole.ADMIN
    assert AuditEvent.objects.filter(buyer_organization=org, action="organization.created").exists()


def test_organization_create_refuses_bad_currency_and_second_org(unattached_user, buyer_admin):
    with pytest.raises(ApplicationError) as exc:
        buyer_organization_create(
            user=unattached_user,
            name="Acme",
            home_country="GB",
            default_currency="XYZ",
            time_zone="UTC",
        )
    assert "default_currency" in exc.value.fields
    with pytest.raises(ConflictError):
        buyer_organization_create(
            user=buyer_admin,
            name="Second",
            home_country="US",
            default_currency="USD",
            time_zone="UTC",
        )


def test_invitation_sends_email_through_the_outbox(
    buyer_admin, buyer_org, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invitation_create(
            actor=buyer_admin,
            email="New.Person@Example.com",
            role=BuyerRole.EVALUATOR,
            organization=buyer_org,
        )
    assert invitation.email == "new.person@example.com"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new.person@example.com"]
    assert "Northwind Health" in message.subject
    assert f"/invitations/{invitation.plain_token}/" in message.body
    assert OutgoingEmail.objects.get().sent_at is not None
    # Only a hash is stored.
    assert invitation.plain_token not in Invitation.objects.get().token_hash


def test_only_admins_invite(procurement_manager, buyer_org):
    with pytest.raises(PermissionDeniedError):
        invitation_create(
            actor=procurement_manager, email="x@example.com", role="viewer", organization=buyer_org
        )


def test_invitation_refuses_bad_role_and_existing_members(
    buyer_admin, buyer_org, evaluator, other_buyer
):
    with pytest.raises(ApplicationError) as exc:
        invitation_create(
            actor=buyer_admin, email="x@example.com", role="owner", organization=buyer_org
        )
    assert "role" in exc.value.fields
    with pytest.raises(ApplicationError, match="already a member"):
        invitation_create(
            actor=buyer_admin, email=evaluator.email, role="viewer", organization=buyer_org
        )
    with pytest.raises(ApplicationError, match="another organization"):
        invitation_create(
            actor=buyer_admin, email=other_buyer.email, role="viewer", organization=buyer_org
        )


def test_new_user_accepts_invitation(buyer_admin, buyer_org):
    invitation = invitation_create(
        actor=buyer_admin, email="eva@example.com", role="evaluator", organization=buyer_org
    )
    user = invitation_accept_new_user(
        token=invitation.plain_token, full_name="Eva", password=PASSWORD
    )
    assert user.buyer_membership.organization == buyer_org
    assert user.buyer_membership.role == "evaluator"
    assert user.emailaddress_set.get().verified
    with pytest.raises(ConflictError, match="already been accepted"):
        invitation_for_token(token=invitation.plain_token)


def test_weak_password_on_invitation_saves_nothing(buyer_admin, buyer_org):
    invitation = invitation_create(
        actor=buyer_admin, email="eva@example.com", role="evaluator", organization=buyer_org
    )
    with pytest.raises(ApplicationError):
        invitation_accept_new_user(
            token=invitation.plain_token, full_name="Eva", password="password"
        )
    assert not BuyerMembership.objects.filter(user__email="eva@example.com").exists()
    assert invitation_for_token(token=invitation.plain_token).pk == invitation.pk


def test_expired_invitation_is_refused_with_a_clear_message(buyer_admin, buyer_org):
    invitation = invitation_create(
        actor=buyer_admin, email="late@example.com", role="viewer", organization=buyer_org
    )
    with (
        time_machine.travel(timezone.now() + dt.timedelta(days=15)),
        pytest.raises(ConflictError, match="expired"),
    ):
        invitation_accept_new_user(
            token=invitation.plain_token, full_name="Late", password=PASSWORD
        )
    with pytest.raises(NotFoundError):
        invitation_for_token(token="not-a-token")


def test_reinviting_replaces_the_pending_invitation(buyer_admin, buyer_org):
    first = invitation_create(
        actor=buyer_admin, email="p@example.com", role="viewer", organization=buyer_org
    )
    invitation_create(
        actor=buyer_admin, email="p@example.com", role="evaluator", organization=buyer_org
    )
    with pytest.raises(ConflictError, match="withdrawn or replaced"):
        invitation_for_token(token=first.plain_token)


def test_revoked_invitation_cannot_be_used(buyer_admin, buyer_org):
    invitation = invitation_create(
        actor=buyer_admin, email="p@example.com", role="viewer", organization=buyer_org
    )
    invitation_revoke(actor=buyer_admin, invitation=invitation)
    with pytest.raises(ConflictError):
        invitation_accept_new_user(token=invitation.plain_token, full_name="P", password=PASSWORD)


def test_existing_user_must_match_invited_email(buyer_admin, buyer_org):
    stranger = make_user("stranger@example.com")
    invited = make_user("invited@example.com")
    invitation = invitation_create(
        actor=buyer_admin, email="invited@example.com", role="viewer", organization=buyer_org
    )
    with pytest.raises(PermissionDeniedError, match="sent to invited@example.com"):
        invitation_accept(token=invitation.plain_token, user=stranger)
    invitation_accept(token=invitation.plain_token, user=invited)
    assert invited.buyer_membership.role == "viewer"


def test_vendor_owner_invites_a_contributor(vendor_a, vendor_a_company):
    invitation = invitation_create(
        actor=vendor_a,
        email="colleague@vendor-a.example",
        role="contributor",
        company=vendor_a_company,
    )
    user = invitation_accept_new_user(
        token=invitation.plain_token, full_name="Col", password=PASSWORD
    )
    assert user.vendor_membership.company == vendor_a_company
    assert user.vendor_membership.role == "contributor"


def test_role_change_and_removal_keep_one_admin(buyer_admin, buyer_org, evaluator):
    admin_membership = buyer_admin.buyer_membership
    with pytest.raises(ConflictError, match="at least one admin"):
        membership_change_role(actor=buyer_admin, membership=admin_membership, role="viewer")
    with pytest.raises(ConflictError, match="at least one admin"):
        membership_remove(actor=buyer_admin, membership=admin_membership)
    membership = evaluator.buyer_membership
    membership_change_role(actor=buyer_admin, membership=membership, role="admin")
    membership.refresh_from_db()
    assert membership.role == "admin"
    # Now there are two admins: the first may step down.
    membership_change_role(actor=buyer_admin, membership=admin_membership, role="viewer")
    assert AuditEvent.objects.filter(action="membership.role_changed").count() == 2


def test_non_admin_cannot_change_roles(procurement_manager, evaluator):
    with pytest.raises(PermissionDeniedError):
        membership_change_role(
            actor=procurement_manager, membership=evaluator.buyer_membership, role="admin"
        )
    with pytest.raises(PermissionDeniedError):
        membership_remove(actor=procurement_manager, membership=evaluator.buyer_membership)


def test_other_org_admin_cannot_touch_our_members(other_buyer, evaluator):
    with pytest.raises(PermissionDeniedError):
        membership_remove(actor=other_buyer, membership=evaluator.buyer_membership)


def test_api_token_lifecycle(buyer_admin):
    token, key = api_token_create(user=buyer_admin, name="ERP sync")
    assert key.startswith("bpo_")
    assert key not in token.key_hash and len(token.key_hash) == 64
    assert key.startswith(token.key_prefix)
    user, found = api_token_authenticate(key=key)
    assert user == buyer_admin and found == token
    found.refresh_from_db()
    assert found.last_used_at is not None
    api_token_revoke(user=buyer_admin, token=token)
    assert api_token_authenticate(key=key) is None
    assert ApiToken.objects.get().revoked_at is not None


def test_last_use_is_written_at_most_once_a_minute(buyer_admin, django_assert_num_queries):
    start = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)
    token, key = api_token_create(user=buyer_admin, name="ERP sync")
    with time_machine.travel(start, tick=False) as clock:
        with django_assert_num_queries(2):  # the lookup, the first "last used"
            api_token_authenticate(key=key)
        clock.shift(dt.timedelta(seconds=59))
        with django_assert_num_queries(1):  # the lookup only
            api_token_authenticate(key=key)
        clock.shift(dt.timedelta(seconds=2))
        with django_assert_num_queries(2):
            api_token_authenticate(key=key)
    token.refresh_from_db()
    assert token.last_used_at == start + dt.timedelta(seconds=61)


def test_api_token_names(buyer_admin, evaluator):
    api_token_create(user=buyer_admin, name="ERP")
    with pytest.raises(ApplicationError, match="already have an active token"):
        api_token_create(user=buyer_admin, name="ERP")
    with pytest.raises(ApplicationError):
        api_token_create(user=buyer_admin, name="   ")
    token, _ = api_token_create(user=evaluator, name="ERP")  # names are per user
    with pytest.raises(NotFoundError):
        api_token_revoke(user=buyer_admin, token=token)
