"""Proposal fixtures: a published RFP (customer-support starter, invite-only)
with vendor A and vendor B invited and equipped with a delivery centre and the
required certifications."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from accounts.models import User
from rfp.models import RFP
from tests import worlds
from tests.conftest import person
from tests.proposals.factories import company_of, equip_vendor, make_rfp


def _published(admin: User, pm: User, vendor_a: User, vendor_b: User) -> RFP:
    equip_vendor(vendor_a, country="PH")
    equip_vendor(vendor_b, country="IN")
    return make_rfp(pm, admin, invite=(company_of(vendor_a), company_of(vendor_b)))


def _build_published() -> dict[str, int]:
    """The people of the role fixtures (same addresses) and the published RFP."""
    people = map(person, ("admin", "procurement_manager", "vendor_a", "vendor_b"))
    return {"rfp": _published(*people).pk}


worlds.register(
    worlds.WorldSpec(
        name="proposals.rfp",
        fixtures=("rfp",),
        defined_in="tests/proposals",
        build=_build_published,
    )
)


@pytest.fixture
def rfp(
    request: pytest.FixtureRequest,
    worlds: worlds.Worlds,
    buyer_admin: User,
    procurement_manager: User,
    vendor_a: User,
    vendor_b: User,
) -> RFP:
    """Published, invite-only, vendors A and B invited and equipped. Built once for a
    run of tests (tests/worlds.py)."""
    pk = worlds.current(request, "rfp")
    if pk is not None:
        return RFP.objects.get(pk=pk)
    return _published(buyer_admin, procurement_manager, vendor_a, vendor_b)


@pytest.fixture
def mail_outbox(settings: Any) -> Any:
    settings.CELERY_TASK_ALWAYS_EAGER = True
    return mail.outbox
