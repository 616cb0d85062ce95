"""The demo data: made through the services, safe to run again."""

from __future__ import annotations

import pytest

from accounts.demo import seed_buyers
from proposals import selectors
from proposals.demo import PAST, seed_proposals
from proposals.models import ExchangeRate, Proposal, ProposalVersion
from rfp.demo import seed_rfps
from rfp.models import RFP
from vendors.demo import seed_buyer_views, seed_vendors

pytestmark = pytest.mark.django_db


def test_the_demo_proposals_are_made_once(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    seed_buyers()
    seed_vendors()
    seed_buyer_views()
    seed_rfps()
    made = seed_proposals()
    assert any("sealed" in line for line in made)
    open_rfp = RFP.objects.get(title="Customer support for the patient helpline")
    assert Proposal.objects.filter(rfp=open_rfp, status="submitted").count() == 3
    assert selectors.envelope_state(open_rfp).sealed

    past = RFP.objects.get(title=PAST)
    assert past.status == "closed"
    envelopes = selectors.envelope_state(past)
    # Two envelopes: the prices stay sealed until the technical evaluation is finalised.
    assert envelopes.technical_open and not envelopes.commercial_open
    items = selectors.proposals_for_evaluation(rfp=past)
    assert len(items) == 3
    assert all(item.costs is None and item.content.currency is None for item in items)
    assert {
        version.content["currency"]
        for version in ProposalVersion.objects.filter(proposal__rfp=past)
    } == {"USD", "MXN"}
    assert {item.proposal.effective_compliance for item in items} == {"compliant"}
    assert ProposalVersion.objects.filter(proposal__rfp=past).count() == 4  # Manila twice

    counts = (
        Proposal.objects.count(),
        ProposalVersion.objects.count(),
        ExchangeRate.objects.count(),
    )
    assert seed_proposals() == []
    assert (
        Proposal.objects.count(),
        ProposalVersion.objects.count(),
        ExchangeRate.objects.count(),
    ) == counts
