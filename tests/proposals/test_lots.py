"""Multisourcing: a vendor bids on some or all lots; each lot it bids on is
complete on its own, and the buyer compares per lot."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from proposals import checklist, selectors, services
from proposals.models import ProposalLot
from rfp import services as rfp_services
from rfp.models import RFP, Lot
from tests.proposals.factories import (
    company_of,
    equip_vendor,
    fill,
    in_days,
    pass_deadline,
    starter,
    submit,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_lots(buyer_admin, procurement_manager, vendor_a, vendor_b) -> RFP:
    equip_vendor(vendor_a)
    equip_vendor(vendor_b, country="IN")
    pm = procurement_manager
    rfp = rfp_services.rfp_create_from_template(
        actor=pm, template=starter(), title="Support and back office"
    )
    rfp = rfp_services.rfp_update(
        actor=pm,
        rfp=rfp,
        version=rfp.version,
        question_deadline=in_days(7),
        submission_deadline=in_days(14),
    )
    lot = rfp_services.lot_create(
        actor=pm,
        rfp=rfp,
        version=RFP.objects.get(pk=rfp.pk).version,
        name="Claims back office",
        transactions_per_month="12000",
        contract_term_months=24,
        ramp_up_months=2,
    )
    rfp_services.pricing_line_create(
        actor=pm,
        rfp=rfp,
        lot=lot,
        version=RFP.objects.get(pk=rfp.pk).version,
        charge_type="per_transaction",
        description="Claim processed",
        unit="per claim",
        recurrence="monthly",
        volume_basis="transactions_per_month",
    )
    for vendor in (vendor_a, vendor_b):
        rfp_services.rfp_invitation_create(actor=pm, rfp=rfp, company=company_of(vendor))
    rfp = RFP.objects.get(pk=rfp.pk)
    rfp = rfp_services.rfp_submit_for_approval(actor=pm, rfp=rfp, version=rfp.version)
    return rfp_services.rfp_approve(actor=buyer_admin, rfp=rfp, version=rfp.version)


def test_a_multi_lot_rfp_asks_which_lots_first(two_lots, vendor_a, client):
    proposal = services.proposal_start(actor=vendor_a, rfp=two_lots)
    assert not ProposalLot.objects.filter(proposal=proposal).exists()
    working = selectors.proposal_working_copy(proposal.pk)
    (problem,) = [p for p in checklist.proposal_problems(working) if p.part == "settings"]
    assert problem.message == "Choose at least one lot to bid on."
    client.force_login(vendor_a)
    page = client.get(reverse("proposal_detail", args=[proposal.pk])).content.decode()
    assert "Lots and currency" in page
    settings_page = client.get(reverse("proposal_settings", args=[proposal.pk])).content.decode()
    assert "Claims back office" in settings_page and "hx-post" not in settings_page


def test_bidding_on_one_lot_of_two(two_lots, vendor_a, vendor_b, procurement_manager, client):
    claims = Lot.objects.get(rfp=two_lots, name="Claims back office")
    support = Lot.objects.exclude(pk=claims.pk).get(rfp=two_lots)
    a = services.proposal_start(actor=vendor_a, rfp=two_lots)
    services.proposal_settings_update(actor=vendor_a, proposal=a, version=1, lot_ids=[claims.pk])
    submit(vendor_a, fill(vendor_a, two_lots, price="0.85"))
    b = services.proposal_start(actor=vendor_b, rfp=two_lots)
    services.proposal_settings_update(
        actor=vendor_b, proposal=b, version=1, lot_ids=[claims.pk, support.pk]
    )
    submit(vendor_b, fill(vendor_b, two_lots, price="0.90"))
    # Dropping a lot deletes what was entered for it.
    services.proposal_settings_update(actor=vendor_b, proposal=b, version=2, lot_ids=[claims.pk])
    assert not ProposalLot.objects.filter(proposal=b, lot=support).exists()

    rfp = pass_deadline(two_lots)
    items = {item.name: item for item in selectors.proposals_for_evaluation(rfp=rfp)}
    a_costs = items[company_of(vendor_a).display_name].costs
    assert set(a_costs) == {claims.pk}
    assert a_costs[claims.pk].total == Decimal("0.85") * 12000 * 24
    assert set(items[company_of(vendor_b).display_name].costs) == {claims.pk, support.pk}

    client.force_login(procurement_manager)
    page = client.get(reverse("proposal_rfp_prices", args=[rfp.pk])).content.decode()
    assert "No bid" in page and "Claims back office" in page
