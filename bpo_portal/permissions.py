"""Who may do what: the role tables, and the helpers every door uses.

A user belongs to at most one buyer organization or one vendor company. What
a role may do is decided here, once; object-level visibility (which RFPs,
which proposals) is decided by each app's selectors on top of these helpers.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ObjectDoesNotExist
from rest_framework.permissions import BasePermission

from bpo_portal.errors import PermissionDeniedError

if TYPE_CHECKING:
    from accounts.models import BuyerMembership, BuyerOrganization
    from vendors.models import VendorCompany, VendorMembership


class Capability(StrEnum):
    # buyer side
    VIEW_ORGANIZATION = "organization.view"
    MANAGE_MEMBERS = "organization.manage_members"
    MANAGE_SETTINGS = "organization.manage_settings"
    MANAGE_VENDORS = "vendors.manage"  # qualify, tag, note, import
    EDIT_RFP = "rfp.edit"  # draft, edit, invite, answer questions, close
    APPROVE_RFP = "rfp.approve"
    SCORE = "scoring.score"
    MANAGE_EVALUATION = "scoring.manage"  # criteria, panel, consensus, propose award
    APPROVE_AWARD = "scoring.approve_award"
    GENERATE_REPORTS = "reports.generate"
    VIEW_REPORTS = "reports.view"
    # Read opened proposals directly. Evaluators read only what they are assigned,
    # through the scoring pages, after declaring their conflicts of interest.
    READ_PROPOSALS = "proposals.read"
    VIEW_AUDIT = "audit.view"
    # vendor side
    MANAGE_COMPANY_USERS = "vendor.manage_users"
    EDIT_VENDOR_PROFILE = "vendor.edit_profile"
    RESPOND_TO_RFPS = "vendor.respond"


_ALL_BUYER = {
    Capability.VIEW_ORGANIZATION,
    Capability.MANAGE_MEMBERS,
    Capability.MANAGE_SETTINGS,
    Capability.MANAGE_VENDORS,
    Capability.EDIT_RFP,
    Capability.APPROVE_RFP,
    Capability.SCORE,
    Capability.MANAGE_EVALUATION,
    Capability.APPROVE_AWARD,
    Capability.GENERATE_REPORTS,
    Capability.VIEW_REPORTS,
    Capability.READ_PROPOSALS,
    Capability.VIEW_AUDIT,
}

BUYER_ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    "admin": frozenset(_ALL_BUYER),
    "procurement_manager": frozenset(
        _ALL_BUYER
        - {
            Capability.MANAGE_MEMBERS,
            Capability.MANAGE_SETTINGS,
            Capability.APPROVE_RFP,
            Capability.APPROVE_AWARD,
            Capability.VIEW_AUDIT,
        }
    ),
    "evaluator": frozenset({Capability.VIEW_ORGANIZATION, Capability.SCORE}),
    "viewer": frozenset(
        {Capability.VIEW_ORGANIZATION, Capability.VIEW_REPORTS, Capability.READ_PROPOSALS}
    ),
}

VENDOR_ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    "owner": frozenset(
        {
            Capability.MANAGE_COMPANY_USERS,
            Capability.EDIT_VENDOR_PROFILE,
            Capability.RESPOND_TO_RFPS,
        }
    ),
    "contributor": frozenset({Capability.EDIT_VENDOR_PROFILE, Capability.RESPOND_TO_RFPS}),
}

_DENIED_MESSAGES: dict[Capability, str] = {
    Capability.MANAGE_MEMBERS: "Only an admin of your organization can manage its members.",
    Capability.MANAGE_SETTINGS: "Only an admin of your organization can change its settings.",
    Capability.APPROVE_RFP: "Only an admin can approve an RFP.",
    Capability.APPROVE_AWARD: "Only an admin can approve an award.",
    Capability.EDIT_RFP: "Only admins and procurement managers can change RFPs.",
    Capability.MANAGE_VENDORS: "Only admins and procurement managers can manage vendors.",
    Capability.MANAGE_EVALUATION: "Only admins and procurement managers can manage the evaluation.",
    Capability.SCORE: "You are not an evaluator in this organization.",
    Capability.GENERATE_REPORTS: "Only admins and procurement managers can generate reports.",
    Capability.VIEW_AUDIT: "Only an admin can see the audit log.",
    Capability.MANAGE_COMPANY_USERS: "Only an owner of your company can manage its users.",
}


def _is_authenticated(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def buyer_membership(user: Any) -> BuyerMembership | None:
    """The user's buyer membership, or None (anonymous, vendor, or unattached)."""
    if not _is_authenticated(user):
        return None
    try:
        return user.buyer_membership  # type: ignore[no-any-return]
    except ObjectDoesNotExist:
        return None


def vendor_membership(user: Any) -> VendorMembership | None:
    if not _is_authenticated(user):
        return None
    try:
        return user.vendor_membership  # type: ignore[no-any-return]
    except ObjectDoesNotExist:
        return None


def buyer_organization(user: Any) -> BuyerOrganization | None:
    membership = buyer_membership(user)
    return membership.organization if membership else None


def vendor_company(user: Any) -> VendorCompany | None:
    membership = vendor_membership(user)
    return membership.company if membership else None


def buyer_can(user: Any, capability: Capability, organization: Any = None) -> bool:
    """True if the user's buyer role grants the capability (in that organization, if given)."""
    membership = buyer_membership(user)
    if membership is None:
        return False
    if organization is not None and membership.organization_id != _pk(organization):
        return False
    return capability in BUYER_ROLE_CAPABILITIES.get(membership.role, frozenset())


def vendor_can(user: Any, capability: Capability, company: Any = None) -> bool:
    membership = vendor_membership(user)
    if membership is None:
        return False
    if company is not None and membership.company_id != _pk(company):
        return False
    return capability in VENDOR_ROLE_CAPABILITIES.get(membership.role, frozenset())


def require_buyer(user: Any, capability: Capability, organization: Any = None) -> BuyerMembership:
    """The membership, or PermissionDeniedError with a message a person understands."""
    membership = buyer_membership(user)
    if membership is None or (
        organization is not None and membership.organization_id != _pk(organization)
    ):
        raise PermissionDeniedError("This is only available to members of the buyer organization.")
    if not buyer_can(user, capability):
        raise PermissionDeniedError(
            _DENIED_MESSAGES.get(capability, "Your role does not allow this.")
        )
    return membership


def require_vendor(user: Any, capability: Capability, company: Any = None) -> VendorMembership:
    membership = vendor_membership(user)
    if membership is None or (company is not None and membership.company_id != _pk(company)):
        raise PermissionDeniedError("This is only available to users of the vendor company.")
    if not vendor_can(user, capability):
        raise PermissionDeniedError(
            _DENIED_MESSAGES.get(capability, "Your role does not allow this.")
        )
    return membership


def _pk(obj: Any) -> Any:
    return getattr(obj, "pk", obj)


# --- Four eyes -------------------------------------------------------------------------------


def four_eyes_apply(organization: BuyerOrganization | None) -> bool:
    """Four eyes hold unless the organization switched them off (a team with one admin)."""
    return organization is None or bool(organization.four_eyes_required)


def second_person_refusal(
    *, organization: BuyerOrganization | None, actor: Any, first_actor: Any, what: str
) -> str | None:
    """Four eyes: why `actor` may not take the second step of a decision whose first
    step `first_actor` took (submitting an RFP for approval, proposing an award), or
    None if they may. The organization may switch four eyes off (a team with one admin):
    then the same person takes both steps, each still recorded."""
    if not four_eyes_apply(organization) or first_actor is None:
        return None
    if _pk(first_actor) != _pk(actor):
        return None
    return (
        f"You {what}: another admin must approve it (four-eyes principle). "
        "An organization with a single admin can switch four eyes off in its settings."
    )


def require_second_person(
    *, organization: BuyerOrganization | None, actor: Any, first_actor: Any, what: str
) -> None:
    """PermissionDeniedError (403) with the reason, if four eyes forbid `actor` this step."""
    refusal = second_person_refusal(
        organization=organization, actor=actor, first_actor=first_actor, what=what
    )
    if refusal is not None:
        raise PermissionDeniedError(refusal)


# --- DRF permission classes ------------------------------------------------------


class IsBuyer(BasePermission):
    message = "This endpoint is for buyer organizations."

    def has_permission(self, request: Any, view: Any) -> bool:
        return buyer_membership(request.user) is not None


class IsVendor(BasePermission):
    message = "This endpoint is for vendor companies."

    def has_permission(self, request: Any, view: Any) -> bool:
        return vendor_membership(request.user) is not None


class IsBuyerOrVendor(BasePermission):
    message = "Join a buyer organization or register your company first."

    def has_permission(self, request: Any, view: Any) -> bool:
        return buyer_membership(request.user) is not None or (
            vendor_membership(request.user) is not None
        )
