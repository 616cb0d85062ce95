"""Reads about people and organizations, with what each page needs preloaded."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import (
    ApiToken,
    AuditEvent,
    BuyerMembership,
    BuyerOrganization,
    Invitation,
    User,
)
from bpo_portal.permissions import Capability, buyer_can, buyer_membership


def organization_members(*, organization: BuyerOrganization) -> QuerySet[BuyerMembership]:
    return (
        BuyerMembership.objects.filter(organization=organization)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )


def organization_pending_invitations(*, organization: BuyerOrganization) -> QuerySet[Invitation]:
    return Invitation.objects.filter(
        buyer_organization=organization,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).select_related("invited_by")


def user_api_tokens(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("revoked_at", "-created_at")


def audit_events_visible_to(*, user: User) -> QuerySet[AuditEvent]:
    """An admin sees the audit log of their own organization; nobody else sees any."""
    membership = buyer_membership(user)
    if membership is None or not buyer_can(user, Capability.VIEW_AUDIT):
        return AuditEvent.objects.none()
    return AuditEvent.objects.filter(
        buyer_organization_id=membership.organization_id
    ).select_related("actor")


def active_user_by_email(email: str) -> User | None:
    """The active user with this e-mail address, if any (the demo loaders find their
    people by address)."""
    return User.objects.filter(email=email, is_active=True).first()


def organization_emails(*, organization_id: int, roles: Iterable[str]) -> list[str]:
    """The addresses of an organization's active members in these roles (who is told)."""
    return list(
        BuyerMembership.objects.filter(
            organization_id=organization_id, role__in=list(roles), user__is_active=True
        ).values_list("user__email", flat=True)
    )
