"""Two envelopes: the technical one opens at the deadline, the commercial one
(prices, TCO, commercial files) only when a procurement manager finalises the
technical evaluation. Each opening is recorded and audited."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import AuditEvent, OutgoingEmail
from bpo_portal.errors import ConflictError, PermissionDeniedError
from proposals import selectors, services
from proposals.models import Envelope, EnvelopeOpening
from proposals.selectors import ProposalsSealedError
from proposals.tasks import open_technical_envelopes
from rfp import services as rfp_services
from rfp.models import RFP
from tests.conftest import api_as
from tests.proposals.factories import (
    company_of,
    equip_vendor,
    fill,
    make_rfp,
    pass_deadline,
    submit,
)
from tests.scoring.factories import make_technical_evaluation_final
from tests.vendors.factories import PDF

pytestmark = pytest.mark.django_db

PRICE = "5432.10"


@pytest.fixture
def two_envelope_rfp(buyer_admin, procurement_manager, vendor_a, vendor_b) -> RFP:
    equip_vendor(vendor_a)
    equip_vendor(vendor_b, country="IN")
    rfp = make_rfp(
        procurement_manager,
        buyer_admin,
        invite=(company_of(vendor_a), company_of(vendor_b)),
        two_envelopes=True,
    )
    proposal = fill(vendor_a, rfp, price=PRICE)
    services.proposal_attachment_add(
        actor=vendor_a,
        proposal=proposal,
        upload=SimpleUploadedFile("price-sheet.pdf", PDF, content_type="application/pdf"),
        description="Price sheet",
        envelope=Envelope.COMMERCIAL,
    )
    services.proposal_attachment_add(
        actor=vendor_a,
        proposal=proposal,
        upload=SimpleUploadedFile("transition.pdf", PDF, content_type="application/pdf"),
        description="Transition plan",
    )
    submit(vendor_a, proposal)
    return rfp


def test_the_technical_envelope_opens_at_the_deadline_and_prices_stay_closed(
    two_envelope_rfp, procurement_manager, client
):
    rfp = pass_deadline(two_envelope_rfp)
    envelopes = selectors.envelope_state(rfp)
    assert envelopes.technical_open and not envelopes.commercial_open
    (item,) = selectors.proposals_for_evaluation(rfp=rfp)
    assert item.costs is None and item.content.currency is None
    assert all(part.prices is None for part in item.content.lots.values())
    assert [a.name for a in item.content.attachments] == ["transition.pdf"]
    with pytest.raises(ProposalsSealedError) as closed:
        selectors.proposal_costs_for_evaluation(rfp=rfp)
    assert "commercial envelope is still closed" in closed.value.message

    client.force_login(procurement_manager)
    prices = client.get(reverse("proposal_rfp_prices", args=[rfp.pk])).content.decode()
    assert "commercial envelope is still closed" in prices and "5,432.10" not in prices
    detail = client.get(reverse("proposal_detail", args=[item.proposal.pk])).content.decode()
    assert "5,432.10" not in detail and "Prices are in the commercial envelope" in detail
    api = api_as(procurement_manager).get(f"/api/v1/proposals/{item.proposal.pk}/").json()
    assert api["commercial_open"] is False and "costs" not in api
    assert PRICE not in json.dumps(api) and "price-sheet.pdf" not in json.dumps(api)
    assert "prices" not in api["content"]["lots"][0] and "currency" not in api["content"]
    commercial_file = item.proposal.attachments.get(envelope=Envelope.COMMERCIAL)
    url = reverse("proposal_attachment_download", args=[item.proposal.pk, commercial_file.pk])
    assert client.get(url).status_code == 403
    technical_file = item.proposal.attachments.get(envelope=Envelope.TECHNICAL)
    url = reverse("proposal_attachment_download", args=[item.proposal.pk, technical_file.pk])
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("role", ["evaluator", "viewer"])
def test_only_admins_and_procurement_managers_open_the_commercial_envelope(
    request, two_envelope_rfp, role
):
    rfp = pass_deadline(two_envelope_rfp)
    with pytest.raises(PermissionDeniedError):
        services.commercial_envelope_open(actor=request.getfixturevalue(role), rfp=rfp)
    assert not EnvelopeOpening.objects.filter(envelope=Envelope.COMMERCIAL).exists()


def test_opening_the_commercial_envelope(two_envelope_rfp, procurement_manager, evaluator, client):
    rfp = pass_deadline(two_envelope_rfp)
    # The prices open once the technical evaluation is final (tests/scoring/test_envelope_order.py).
    make_technical_evaluation_final(procurement_manager, rfp, [evaluator])
    client.force_login(procurement_manager)
    page = client.post(reverse("proposal_rfp_open_commercial", args=[rfp.pk]), {})
    assert page.status_code == 400  # the confirmation is required
    response = client.post(
        reverse("proposal_rfp_open_commercial", args=[rfp.pk]),
        {"confirm": "on", "comment": "Panel scores final"},
    )
    assert response.status_code == 302
    opening = EnvelopeOpening.objects.get(rfp=rfp, envelope=Envelope.COMMERCIAL)
    assert opening.opened_by == procurement_manager and opening.comment == "Panel scores final"
    assert EnvelopeOpening.objects.filter(rfp=rfp, envelope=Envelope.TECHNICAL).exists()
    assert AuditEvent.objects.filter(action="proposals.commercial_envelope_opened").exists()
    # Idempotent: scoring may call it again.
    again = services.commercial_envelope_open(actor=procurement_manager, rfp=rfp)
    assert again.pk == opening.pk
    prices = client.get(reverse("proposal_rfp_prices", args=[rfp.pk])).content.decode()
    assert "$5,432.10" in prices
    costs = selectors.proposal_costs_for_evaluation(rfp=RFP.objects.get(pk=rfp.pk))
    assert list(costs.values())[0]
    titles = [entry.title for entry in selectors.envelope_timeline(rfp)]
    assert titles == ["Technical envelope opened", "Commercial envelope opened"]


def test_the_commercial_envelope_cannot_open_before_the_deadline(
    two_envelope_rfp, procurement_manager
):
    with pytest.raises(ConflictError) as refused:
        services.commercial_envelope_open(actor=procurement_manager, rfp=two_envelope_rfp)
    assert "still sealed" in refused.value.message


def test_a_one_envelope_rfp_opens_prices_with_the_proposals(rfp, vendor_a, procurement_manager):
    submit(vendor_a, fill(vendor_a, rfp))
    rfp = pass_deadline(rfp)
    assert selectors.envelope_state(rfp).commercial_open
    with pytest.raises(ConflictError) as refused:
        services.commercial_envelope_open(actor=procurement_manager, rfp=rfp)
    assert "one envelope" in refused.value.message


def test_the_minute_job_records_the_opening_once_at_the_deadline(
    rfp, vendor_a, buyer_admin, procurement_manager
):
    submit(vendor_a, fill(vendor_a, rfp))
    deadline = rfp.submission_deadline
    with time_machine.travel(deadline - dt.timedelta(seconds=1), tick=False):
        assert open_technical_envelopes() == 0
    with time_machine.travel(deadline + dt.timedelta(minutes=1), tick=False):
        assert open_technical_envelopes.delay().get() == 1
        assert open_technical_envelopes() == 0
    opening = EnvelopeOpening.objects.get(rfp=rfp, envelope=Envelope.TECHNICAL)
    assert opening.opened_at == deadline  # counts from the deadline, whenever recorded
    assert opening.opened_by is None
    proposal = rfp.proposals.get()
    assert proposal.compliance_status in ("compliant", "non_compliant")
    assert proposal.compliance_checked_at is not None
    notice = [e for e in OutgoingEmail.objects.all() if procurement_manager.email in e.to]
    assert any("opened at the deadline" in e.subject for e in notice)
    assert AuditEvent.objects.filter(action="proposals.technical_envelope_opened").count() == 1


def test_a_cancelled_rfp_keeps_its_proposals_sealed(rfp, vendor_a, procurement_manager):
    submit(vendor_a, fill(vendor_a, rfp))
    rfp_services.rfp_cancel(
        actor=procurement_manager,
        rfp=rfp,
        version=RFP.objects.get(pk=rfp.pk).version,
        reason="Budget withdrawn",
    )
    rfp = pass_deadline(rfp)
    assert selectors.envelope_state(rfp).sealed
    with pytest.raises(ProposalsSealedError) as sealed:
        selectors.proposals_for_evaluation(rfp=rfp)
    assert "cancelled" in sealed.value.message
    assert services.technical_envelopes_open_due() == []


def test_the_envelope_api(two_envelope_rfp, procurement_manager, evaluator):
    rfp = pass_deadline(two_envelope_rfp)
    client = api_as(procurement_manager)
    state = client.get(f"/api/v1/proposal-envelopes/{rfp.pk}/").json()
    assert state["technical_open"] is True and state["commercial_open"] is False
    early = client.post(f"/api/v1/proposal-envelopes/{rfp.pk}/open-commercial/", {})
    assert early.status_code == 409 and "technical evaluation" in early.json()["message"]
    make_technical_evaluation_final(procurement_manager, rfp, [evaluator])
    refused = api_as(evaluator).post(f"/api/v1/proposal-envelopes/{rfp.pk}/open-commercial/")
    assert refused.status_code == 403 and refused.json()["message"]
    opened = client.post(
        f"/api/v1/proposal-envelopes/{rfp.pk}/open-commercial/", {"comment": "Done"}
    )
    assert opened.status_code == 200 and opened.json()["commercial_open"] is True
    listing = client.get(f"/api/v1/proposals/?rfp={rfp.pk}").json()["results"]
    assert listing[0]["costs"][0]["total_in_rfp_currency"]
