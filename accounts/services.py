"""Every write about people and organizations: sign-up, organizations,
invitations, roles, API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import TYPE_CHECKING, Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from accounts.audit import audit_record
from accounts.mail import send_templated_email
from accounts.models import (
    ApiToken,
    BuyerMembership,
    BuyerOrganization,
    BuyerRole,
    Invitation,
    User,
    VendorRole,
)
from bpo_portal.errors import (
    ApplicationError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    validate_model,
)
from bpo_portal.money import is_currency
from bpo_portal.permissions import (
    Capability,
    buyer_membership,
    require_buyer,
    require_vendor,
    vendor_membership,
)
from bpo_portal.web import site_link

if TYPE_CHECKING:
    from vendors.models import VendorCompany

TOKEN_PREFIX = "bpo_"


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _has_membership(user: User) -> bool:
    return buyer_membership(user) is not None or vendor_membership(user) is not None


# --- Users -------------------------------------------------------------------


def user_create(
    *,
    email: str,
    password: str,
    full_name: str = "",
    email_verified: bool = False,
) -> User:
    """Create a user (the sign-up pages go through allauth; this is for
    invitations, imports and demo data)."""
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ApplicationError.for_fields({"email": "Enter a valid e-mail address."}) from exc
    if User.objects.filter(email__iexact=email).exists():
        raise ApplicationError.for_fields(
            {"email": "An account with this e-mail address already exists. Log in instead."}
        )
    candidate = User(email=email, full_name=full_name)
    try:
        validate_password(password, user=candidate)
    except ValidationError as exc:
        raise ApplicationError.for_fields({"password": list(exc.messages)}) from exc
    with transaction.atomic():
        user = User.objects.create_user(email=email, password=password, full_name=full_name)
        EmailAddress.objects.create(user=user, email=email, primary=True, verified=email_verified)
    return user


def address_in_use_notify(*, email: str) -> bool:
    """A sign-up with an address that already has an account: tell the account's owner
    (with links to log in and to reset the password) and answer True. The caller then
    shows exactly what it shows for a new address, so that no page tells a visitor who
    has an account here (allauth's own sign-up and reset do the same:
    ACCOUNT_PREVENT_ENUMERATION)."""
    address = email.strip().lower()
    if not User.objects.filter(email__iexact=address).exists():
        return False
    send_templated_email(
        to=[address],
        template_prefix="emails/address_in_use",
        context={
            "login_url": site_link("account_login"),
            "reset_url": site_link("account_reset_password"),
        },
    )
    return True


def user_update_profile(*, user: User, full_name: str, time_zone: Any) -> User:
    user.full_name = full_name.strip()
    user.time_zone = time_zone or None
    user.save(update_fields=["full_name", "time_zone"])
    return user


# --- Buyer organizations -------------------------------------------------------------


def buyer_organization_create(
    *,
    user: User,
    name: str,
    home_country: str,
    default_currency: str,
    time_zone: str,
) -> BuyerOrganization:
    """Create a buyer organization with the user as its first admin."""
    if _has_membership(user):
        raise ConflictError("You already belong to an organization.")
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = "Enter your organization's name."
    if not is_currency(default_currency):
        errors["default_currency"] = f"'{default_currency}' is not a currency code."
    if errors:
        raise ApplicationError.for_fields(errors)
    with transaction.atomic():
        organization = BuyerOrganization(
            name=name.strip(),
            home_country=home_country,
            default_currency=default_currency,
            time_zone=time_zone,
        )
        validate_model(organization)
        organization.save()
        BuyerMembership.objects.create(user=user, organization=organization, role=BuyerRole.ADMIN)
        audit_record(
            actor=user,
            action="organization.created",
            obj=organization,
            organization=organization,
            summary=f"{user} created the organization {organization}",
        )
    return organization


def buyer_organization_update(
    *, actor: User, organization: BuyerOrganization, **fields: Any
) -> BuyerOrganization:
    require_buyer(actor, Capability.MANAGE_SETTINGS, organization)
    allowed = {
        "name",
        "home_country",
        "default_currency",
        "time_zone",
        "business_hours_start",
        "business_hours_end",
        "four_eyes_required",
    }
    # From the database: a ModelForm has already set the new values on the instance.
    four_eyes_before = (
        BuyerOrganization.objects.filter(pk=organization.pk)
        .values_list("four_eyes_required", flat=True)
        .get()
    )
    for key, value in fields.items():
        if key not in allowed:
            raise ApplicationError(f"'{key}' cannot be changed here.")
        setattr(organization, key, value)
    if organization.business_hours_end <= organization.business_hours_start:
        raise ApplicationError.for_fields(
            {"business_hours_end": "Business hours must end after they start."}
        )
    validate_model(organization)
    with transaction.atomic():
        organization.save()
        audit_record(
            actor=actor,
            action="organization.updated",
            obj=organization,
            organization=organization,
            summary=f"{actor} changed the organization's settings",
            data={k: str(v) for k, v in fields.items()},
        )
        if organization.four_eyes_required != four_eyes_before:
            # Its own entry: who decided that one person may publish and award, and when.
            state = "on" if organization.four_eyes_required else "off"
            audit_record(
                actor=actor,
                action="organization.four_eyes_changed",
                obj=organization,
                organization=organization,
                summary=f"{actor} switched four eyes on publication and award {state}",
                data={"old": four_eyes_before, "new": organization.four_eyes_required},
            )
    return organization


def audit_log_exported(*, actor: User, organization: BuyerOrganization) -> None:
    """The audit log left the portal as a file: recorded like any private download."""
    require_buyer(actor, Capability.VIEW_AUDIT, organization)
    audit_record(
        actor=actor,
        action="organization.audit_log_exported",
        obj=organization,
        organization=organization,
        summary=f"{actor} exported the audit log",
    )


# --- Invitations ---------------------------------------------------------------------


def _invitation_target_check(*, actor: User, role: str, organization: Any, company: Any) -> None:
    if (organization is None) == (company is None):
        raise ApplicationError("An invitation is to one organization or one company.")
    if organization is not None:
        require_buyer(actor, Capability.MANAGE_MEMBERS, organization)
        if role not in BuyerRole.values:
            raise ApplicationError.for_fields({"role": f"'{role}' is not a buyer role."})
    else:
        require_vendor(actor, Capability.MANAGE_COMPANY_USERS, company)
        if role not in VendorRole.values:
            raise ApplicationError.for_fields({"role": f"'{role}' is not a vendor role."})


def invitation_create(
    *,
    actor: User,
    email: str,
    role: str,
    organization: BuyerOrganization | None = None,
    company: VendorCompany | None = None,
) -> Invitation:
    """Invite a colleague by e-mail. A newer invitation replaces a pending one."""
    _invitation_target_check(actor=actor, role=role, organization=organization, company=company)
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ApplicationError.for_fields({"email": "Enter a valid e-mail address."}) from exc

    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None and _has_membership(existing):
        same_place = (
            organization is not None
            and getattr(buyer_membership(existing), "organization_id", None) == organization.pk
        ) or (
            company is not None
            and getattr(vendor_membership(existing), "company_id", None) == company.pk
        )
        raise ApplicationError.for_fields(
            {
                "email": "This person is already a member."
                if same_place
                else "This person already belongs to another organization."
            }
        )

    return invitation_issue(
        email=email, role=role, organization=organization, company=company, invited_by=actor
    )


def invitation_issue(
    *,
    email: str,
    role: str,
    invited_by: User | None,
    organization: BuyerOrganization | None = None,
    company: VendorCompany | None = None,
    template_prefix: str = "emails/invitation",
    extra_context: dict[str, Any] | None = None,
) -> Invitation:
    """Create and e-mail an invitation, replacing a pending one to the same place.

    Callers check permissions first (`invitation_create` for people inviting
    colleagues; the vendor import for claim invitations).
    """
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        pending = Invitation.objects.filter(
            email__iexact=email,
            buyer_organization=organization,
            vendor_company=company,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
        )
        pending.update(revoked_at=timezone.now())
        invitation = Invitation.objects.create(
            email=email,
            role=role,
            buyer_organization=organization,
            vendor_company=company,
            invited_by=invited_by,
            token_hash=_sha256(token),
            expires_at=timezone.now() + settings.INVITATION_VALID_FOR,
        )
        audit_record(
            actor=invited_by,
            action="invitation.created",
            obj=invitation,
            organization=organization,
            summary=f"{invited_by or 'BPO Portal'} invited {email} as {invitation.role_label}",
        )
        send_templated_email(
            to=[email],
            template_prefix=template_prefix,
            context={
                "invitation": invitation,
                "target": invitation.target,
                "invited_by": invited_by,
                "accept_url": site_link("invitation_accept", token),
                "valid_days": settings.INVITATION_VALID_FOR.days,
                **(extra_context or {}),
            },
        )
    invitation.plain_token = token  # type: ignore[attr-defined]  # for tests and the API
    return invitation


def invitation_for_token(*, token: str) -> Invitation:
    """The invitation a link points to; clear errors for used, revoked and expired ones."""
    invitation = (
        Invitation.objects.select_related("buyer_organization", "vendor_company", "invited_by")
        .filter(token_hash=_sha256(token))
        .first()
    )
    if invitation is None:
        raise NotFoundError("This invitation link is not valid. Check that you copied all of it.")
    if invitation.accepted_at:
        raise ConflictError("This invitation has already been accepted. Log in to continue.")
    if invitation.revoked_at:
        raise ConflictError(
            "This invitation was withdrawn or replaced by a newer one. "
            "Ask your colleague to invite you again."
        )
    if invitation.is_expired:
        raise ConflictError(
            "This invitation has expired. Ask your colleague to send you a new one."
        )
    return invitation


def _join(invitation: Invitation, user: User) -> None:
    if invitation.buyer_organization is not None:
        BuyerMembership.objects.create(
            user=user, organization=invitation.buyer_organization, role=invitation.role
        )
    elif invitation.vendor_company is not None:
        # Through the company's own relation: accounts sits below vendors.
        invitation.vendor_company.memberships.create(user=user, role=invitation.role)
        if not invitation.vendor_company.is_claimed:
            # The contact of an imported profile has claimed it.
            invitation.vendor_company.is_claimed = True
            invitation.vendor_company.save(update_fields=["is_claimed"])
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    # Following the e-mailed link proves the address.
    EmailAddress.objects.update_or_create(
        user=user,
        email__iexact=invitation.email,
        defaults={"email": invitation.email, "verified": True},
    )
    audit_record(
        actor=user,
        action="invitation.accepted",
        obj=invitation,
        organization=invitation.buyer_organization,
        summary=f"{user} joined {invitation.target} as {invitation.role_label}",
    )


def invitation_accept(*, token: str, user: User) -> Invitation:
    """An existing, logged-in user accepts."""
    with transaction.atomic():
        invitation = invitation_for_token(token=token)
        Invitation.objects.select_for_update().get(pk=invitation.pk)
        if user.email.lower() != invitation.email.lower():
            raise PermissionDeniedError(
                f"This invitation was sent to {invitation.email}. "
                f"You are logged in as {user.email}: log out and open the link again."
            )
        if _has_membership(user):
            raise ConflictError("You already belong to an organization.")
        _join(invitation, user)
    return invitation


def invitation_accept_new_user(*, token: str, full_name: str, password: str) -> User:
    """Someone without an account accepts: the account is created with it."""
    with transaction.atomic():
        invitation = invitation_for_token(token=token)
        Invitation.objects.select_for_update().get(pk=invitation.pk)
        if not full_name.strip():
            raise ApplicationError.for_fields({"full_name": "Enter your name."})
        user = user_create(
            email=invitation.email,
            password=password,
            full_name=full_name.strip(),
            email_verified=True,
        )
        _join(invitation, user)
    return user


def invitation_revoke(*, actor: User, invitation: Invitation) -> Invitation:
    _invitation_target_check(
        actor=actor,
        role=invitation.role,
        organization=invitation.buyer_organization,
        company=invitation.vendor_company,
    )
    if invitation.accepted_at:
        raise ConflictError("This invitation has already been accepted.")
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            action="invitation.revoked",
            obj=invitation,
            organization=invitation.buyer_organization,
            summary=f"{actor} withdrew the invitation of {invitation.email}",
        )
    return invitation


# --- Buyer memberships ------------------------------------------------------------


def _other_admins_exist(membership: BuyerMembership) -> bool:
    return (
        BuyerMembership.objects.filter(
            organization_id=membership.organization_id, role=BuyerRole.ADMIN
        )
        .exclude(pk=membership.pk)
        .exists()
    )


def membership_change_role(
    *, actor: User, membership: BuyerMembership, role: str
) -> BuyerMembership:
    require_buyer(actor, Capability.MANAGE_MEMBERS, membership.organization_id)
    if role not in BuyerRole.values:
        raise ApplicationError.for_fields({"role": f"'{role}' is not a buyer role."})
    with transaction.atomic():
        BuyerMembership.objects.select_for_update().filter(
            organization_id=membership.organization_id
        ).count()
        if (
            membership.role == BuyerRole.ADMIN
            and role != BuyerRole.ADMIN
            and not _other_admins_exist(membership)
        ):
            raise ConflictError(
                "An organization needs at least one admin. Make someone else admin first."
            )
        old = membership.role
        membership.role = role
        membership.save(update_fields=["role"])
        audit_record(
            actor=actor,
            action="membership.role_changed",
            obj=membership,
            organization=membership.organization,
            summary=f"{actor} changed {membership.user}'s role from {old} to {role}",
            data={"from": old, "to": role},
        )
    return membership


def membership_remove(*, actor: User, membership: BuyerMembership) -> None:
    require_buyer(actor, Capability.MANAGE_MEMBERS, membership.organization_id)
    with transaction.atomic():
        BuyerMembership.objects.select_for_update().filter(
            organization_id=membership.organization_id
        ).count()
        if membership.role == BuyerRole.ADMIN and not _other_admins_exist(membership):
            raise ConflictError(
                "An organization needs at least one admin. Make someone else admin first."
            )
        audit_record(
            actor=actor,
            action="membership.removed",
            obj=membership,
            organization=membership.organization,
            summary=f"{actor} removed {membership.user} from the organization",
        )
        membership.delete()


# --- API tokens ------------------------------------------------------------------


def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a personal token. The key is returned once and never stored."""
    name = name.strip()
    if not name:
        raise ApplicationError.for_fields({"name": "Give the token a name, e.g. 'ERP sync'."})
    if len(name) > 100:
        raise ApplicationError.for_fields({"name": "Keep the name under 100 characters."})
    if ApiToken.objects.filter(user=user, name=name, revoked_at__isnull=True).exists():
        raise ApplicationError.for_fields(
            {"name": "You already have an active token with this name."}
        )
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, key_prefix=key[: len(TOKEN_PREFIX) + 6], key_hash=_sha256(key)
    )
    return token, key


def api_token_revoke(*, user: User, token: ApiToken) -> ApiToken:
    if token.user_id != user.pk:
        raise NotFoundError("Token not found.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


# How precisely a token's "last used" is kept (the token list shows it).
TOKEN_USE_PRECISION = dt.timedelta(minutes=1)


def api_token_authenticate(*, key: str) -> tuple[User, ApiToken] | None:
    """The user a key belongs to, or None for an unknown or revoked key."""
    token = (
        ApiToken.objects.select_related(
            "user",
            "user__buyer_membership__organization",
            "user__vendor_membership__company",
        )
        .filter(key_hash=_sha256(key), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    # Record use at most once a minute: no write at all on most requests. (Two requests
    # at once may both write; the guard in the UPDATE keeps that to one row change.)
    if token.last_used_at is None or token.last_used_at <= now - TOKEN_USE_PRECISION:
        ApiToken.objects.filter(pk=token.pk).exclude(
            last_used_at__gt=now - TOKEN_USE_PRECISION
        ).update(last_used_at=now)
    return token.user, token


def user_credentials_revoke(*, user: User, reason: str, keep_session_key: str | None) -> int:
    """After a credential change, revoke every live API token of the user and end their other
    sessions, keeping the one that made the change (issue 15, finding 3). Returns tokens revoked."""
    now = timezone.now()
    revoked = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)
    ended = 0
    for session in Session.objects.filter(expire_date__gt=now).exclude(
        session_key=keep_session_key or ""
    ):
        if session.get_decoded().get(SESSION_KEY) == str(user.pk):
            session.delete()
            ended += 1
    if revoked or ended:
        audit_record(
            actor=user,
            action="credentials_revoked",
            summary=f"{revoked} API token(s) revoked, {ended} other session(s) ended: {reason}",
            obj=user,
            data={"reason": reason, "tokens": revoked, "sessions": ended},
        )
    return revoked
