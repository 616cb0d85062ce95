"""The report's audit trail (reports.audit.audit_trail), built through the real services:
one row per event, the consensus with its reason, the award proposed, returned and
approved, the envelope opened once, every time in the buyer organisation's zone."""

from __future__ import annotations

import zoneinfo
from collections import Counter

import pytest

from proposals.models import Proposal
from reports.audit import audit_trail
from scoring import award as award_services
from scoring import services
from tests.scoring import factories as f
from vendors.models import VendorCompany

pytestmark = pytest.mark.django_db

REASON = "The panel re-read the references together and agreed 8."
JUSTIFICATION = (
    "Lowest total cost of ownership with SLA commitments close to target; the panel "
    "found its references relevant."
)


def test_every_step_once_with_reasons_in_the_buyers_zone(scored, procurement_manager, buyer_admin):
    organization = scored.rfp.organization
    organization.time_zone = "Pacific/Auckland"
    organization.save()
    lot = scored.rfp.lots.get()
    bangalore = Proposal.objects.get(rfp=scored.rfp, company__legal_name="Bangalore Process Ltd")
    services.consensus_set(
        actor=procurement_manager,
        evaluation=f.fresh(scored),
        criterion=f.evaluator_leaves(scored)[0],
        proposal=bangalore,
        lot=lot,
        score="8",
        justification=REASON,
    )

    def propose():
        return award_services.award_propose(
            actor=procurement_manager,
            evaluation=f.fresh(scored),
            lot=lot,
            winners=[bangalore],
            justification=JUSTIFICATION,
        )

    award_services.award_return(
        actor=buyer_admin, award=propose(), comment="Add the cost per FTE to the justification."
    )
    award_services.award_approve(actor=buyer_admin, award=propose(), comment="Agreed.")

    rows, zone = audit_trail(scored.rfp)

    assert zone == "Pacific/Auckland"
    assert all(row.at.tzinfo == zoneinfo.ZoneInfo("Pacific/Auckland") for row in rows)
    assert [row.at for row in rows] == sorted(row.at for row in rows)
    titles = Counter(row.title for row in rows)
    assert titles["Technical envelope opened"] == 1
    assert titles["Evaluator's scores submitted"] == 2  # one per evaluator
    assert titles["Consensus score set"] == 1
    assert titles[f"Award proposed: {lot.name} to Bangalore Process Ltd"] == 2
    assert titles[f"Award returned: {lot.name}"] == 1
    assert titles[f"Award approved: {lot.name}"] == 1
    submitted = [title for title in titles if title.startswith("Proposal submitted: ")]
    assert len(submitted) == 2 and all(titles[title] == 1 for title in submitted)
    consensus = next(row for row in rows if row.title == "Consensus score set")
    assert consensus.comment.endswith(f"Reason: {REASON}")
    returned = next(row for row in rows if row.title.startswith("Award returned"))
    assert returned.comment == "Add the cost per FTE to the justification."
    approved = next(row for row in rows if row.title.startswith("Award approved"))
    assert approved.actor == str(buyer_admin)
    # No event shown twice (same time, title and comment).
    keys = [(row.at, row.title, row.comment) for row in rows]
    assert len(keys) == len(set(keys))


def test_a_vendor_renamed_after_submission_keeps_its_name_in_the_trail(scored):
    proposal = Proposal.objects.get(rfp=scored.rfp, company__legal_name="Manila Contact Co")
    VendorCompany.objects.filter(pk=proposal.company_id).update(
        legal_name="Renamed Later Ltd", trading_name="Renamed Later"
    )
    rows, _ = audit_trail(scored.rfp)
    titles = [row.title for row in rows]
    assert any(title.startswith("Proposal submitted: Manila Contact Co") for title in titles)
    assert not any("Renamed Later" in title for title in titles)
