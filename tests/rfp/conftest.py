"""RFP fixtures, built through the real services: a starter template, a draft
ready to publish, a published RFP with two invited vendors."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.utils import timezone

from accounts.models import OutgoingEmail, User
from rfp import services
from rfp.models import RFP
from rfp.starter_templates import load_starter_templates
from scoring.starter_criteria import load_starter_criteria
from vendors.models import VendorCompany

BUDGET = Decimal("987654.32")  # distinctive: searched for in what vendors receive


def company_of(user: User) -> VendorCompany:
    return user.vendor_membership.company


def in_days(days: float, hour_offset: float = 0) -> dt.datetime:
    return (timezone.now() + dt.timedelta(days=days, hours=hour_offset)).replace(microsecond=0)


def reload(rfp: RFP) -> RFP:
    return RFP.objects.get(pk=rfp.pk)


def starter_template(key: str = "customer-support") -> RFP:
    if not RFP.objects.filter(is_template=True, organization__isnull=True).exists():
        load_starter_templates(apps)  # a transactional test flushed the migrations' data
        load_starter_criteria(apps)  # the starters carry their evaluation criteria
    return RFP.objects.get(is_template=True, organization__isnull=True, template_key=key)


def make_ready_rfp(
    actor: User,
    *,
    title: str = "Customer support for the patient helpline",
    invite: tuple[VendorCompany, ...] = (),
    **fields: Any,
) -> RFP:
    """A complete draft: from the customer-support starter, with deadlines and invitees."""
    rfp = services.rfp_create_from_template(actor=actor, template=starter_template(), title=title)
    values = {
        "question_deadline": in_days(7),
        "submission_deadline": in_days(14),
        "budget": BUDGET,
        **fields,
    }
    rfp = services.rfp_update(actor=actor, rfp=rfp, version=rfp.version, **values)
    for company in invite:
        services.rfp_invitation_create(actor=actor, rfp=rfp, company=company)
    return reload(rfp)


def publish(rfp: RFP, admin: User) -> RFP:
    """Published the only way there is: its author submits it for approval, then
    an admin (another person: four eyes) approves it."""
    rfp = reload(rfp)
    assert rfp.created_by is not None
    rfp = services.rfp_submit_for_approval(actor=rfp.created_by, rfp=rfp, version=rfp.version)
    return services.rfp_approve(actor=admin, rfp=rfp, version=rfp.version)


def close_at_deadline(rfp: RFP) -> RFP:
    """Let the submission deadline pass, as the minute job sees it: nobody closes an
    RFP by hand any more."""
    services.rfps_close_past_deadline(now=reload(rfp).submission_deadline)
    return reload(rfp)


def emails_to(address: str) -> list[OutgoingEmail]:
    return [e for e in OutgoingEmail.objects.order_by("id") if address in e.to]


@pytest.fixture
def draft(procurement_manager: User, vendor_a: User) -> RFP:
    return make_ready_rfp(procurement_manager, invite=(company_of(vendor_a),))


@pytest.fixture
def published(buyer_admin: User, procurement_manager: User, vendor_a: User, vendor_b: User) -> RFP:
    rfp = make_ready_rfp(procurement_manager, invite=(company_of(vendor_a), company_of(vendor_b)))
    return publish(rfp, buyer_admin)
