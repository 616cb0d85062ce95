"""The role tables and helpers every door uses, for every kind of user."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from bpo_portal.errors import PermissionDeniedError
from bpo_portal.permissions import (
    Capability,
    buyer_can,
    buyer_membership,
    require_buyer,
    require_vendor,
    vendor_can,
    vendor_membership,
)

C = Capability

EXPECTED_BUYER = {
    "admin": set(C) - {C.MANAGE_COMPANY_USERS, C.EDIT_VENDOR_PROFILE, C.RESPOND_TO_RFPS},
    "procurement_manager": {
        C.VIEW_ORGANIZATION,
        C.MANAGE_VENDORS,
        C.EDIT_RFP,
        C.SCORE,
        C.MANAGE_EVALUATION,
        C.GENERATE_REPORTS,
        C.VIEW_REPORTS,
        C.READ_PROPOSALS,
    },
    "evaluator": {C.VIEW_ORGANIZATION, C.SCORE},
    "viewer": {C.VIEW_ORGANIZATION, C.VIEW_REPORTS, C.READ_PROPOSALS},
    "other_buyer": set(),  # checked against buyer_org: nothing
    "vendor_a": set(),
    "vendor_b": set(),
    "anonymous": set(),
}


@pytest.mark.django_db
def test_buyer_capabilities_for_every_role(all_roles, buyer_org):
    for name, user in all_roles.items():
        subject = user if user is not None else AnonymousUser()
        granted = {c for c in Capability if buyer_can(subject, c, buyer_org)}
        assert granted == EXPECTED_BUYER[name], name


@pytest.mark.django_db
def test_other_organization_admin_has_rights_only_in_their_own(other_buyer, other_org, buyer_org):
    assert buyer_can(other_buyer, C.EDIT_RFP, other_org)
    assert not buyer_can(other_buyer, C.VIEW_ORGANIZATION, buyer_org)
    with pytest.raises(PermissionDeniedError, match="only available to members"):
        require_buyer(other_buyer, C.VIEW_ORGANIZATION, buyer_org)


@pytest.mark.django_db
def test_require_buyer_explains_the_missing_role(evaluator, viewer, buyer_org):
    with pytest.raises(PermissionDeniedError, match="Only admins and procurement managers"):
        require_buyer(evaluator, C.EDIT_RFP, buyer_org)
    with pytest.raises(PermissionDeniedError, match="Only an admin can approve"):
        require_buyer(viewer, C.APPROVE_RFP)
    assert require_buyer(evaluator, C.SCORE, buyer_org).role == "evaluator"


@pytest.mark.django_db
def test_vendor_users_are_not_buyers_and_vice_versa(vendor_a, vendor_b, buyer_admin):
    company_a = vendor_membership(vendor_a).company
    company_b = vendor_membership(vendor_b).company
    assert buyer_membership(vendor_a) is None
    assert vendor_membership(buyer_admin) is None
    assert vendor_can(vendor_a, C.EDIT_VENDOR_PROFILE, company_a)
    assert not vendor_can(vendor_a, C.EDIT_VENDOR_PROFILE, company_b)
    assert not vendor_can(buyer_admin, C.RESPOND_TO_RFPS)
    with pytest.raises(PermissionDeniedError):
        require_vendor(vendor_b, C.EDIT_VENDOR_PROFILE, company_a)
    with pytest.raises(PermissionDeniedError):
        require_vendor(buyer_admin, C.RESPOND_TO_RFPS)


@pytest.mark.django_db
def test_anonymous_has_nothing():
    anonymous = AnonymousUser()
    assert buyer_membership(anonymous) is None
    assert vendor_membership(anonymous) is None
    assert buyer_membership(None) is None
    with pytest.raises(PermissionDeniedError):
        require_buyer(anonymous, C.VIEW_ORGANIZATION)
