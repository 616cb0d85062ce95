"""Proposal fixtures: a published RFP (customer-support starter, invite-only)
with vendor A and vendor B invited and equipped with a delivery centre and the
required certifications."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from accounts.models import User
from rfp.models import RFP
from tests.proposals.factories import company_of, equip_vendor, make_rfp


@pytest.fixture
def rfp(buyer_admin: User, procurement_manager: User, vendor_a: User, vendor_b: User) -> RFP:
    equip_vendor(vendor_a, country="PH")
    equip_vendor(vendor_b, country="IN")
    return make_rfp(
        procurement_manager, buyer_admin, invite=(company_of(vendor_a), company_of(vendor_b))
    )


@pytest.fixture
def mail_outbox(settings: Any) -> Any:
    settings.CELERY_TASK_ALWAYS_EAGER = True
    return mail.outbox
