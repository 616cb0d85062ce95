"""Compliance at opening: knock-out answers, certifications valid at the
deadline, required languages, accepted location models; overrides with a
justification, recorded and audited."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from bpo_portal.errors import ApplicationError, PermissionDeniedError
from proposals import selectors, services
from proposals.models import Proposal
from proposals.selectors import ProposalsSealedError
from rfp.models import QuestionKind
from tests.conftest import api_as
from tests.proposals.factories import (
    company_of,
    equip_vendor,
    fill,
    make_rfp,
    spanish,
    submit,
)
from vendors.models import Certification, CertificationType
from vendors.services import certification_save

pytestmark = pytest.mark.django_db


def _open(rfp) -> Proposal:
    """The deadline passes (the clock moves, the deadline stays) and the proposals open."""
    with time_machine.travel(rfp.submission_deadline + dt.timedelta(minutes=1), tick=False):
        services.technical_envelope_open(rfp=rfp)
    return Proposal.objects.select_related("rfp").get(rfp=rfp)


def test_a_complete_proposal_is_compliant(rfp, vendor_a):
    submit(vendor_a, fill(vendor_a, rfp))
    proposal = _open(rfp)
    assert proposal.compliance_status == "compliant"
    assert proposal.compliance_reasons == []


def test_a_failed_knockout_makes_it_non_compliant(rfp, vendor_a):
    knockout = next(q for q in selectors.questions_of(rfp) if q.is_knockout)
    submit(vendor_a, fill(vendor_a, rfp, answers={knockout.pk: "no"}))
    proposal = _open(rfp)
    assert proposal.compliance_status == "non_compliant"
    (reason,) = proposal.compliance_reasons
    assert reason.startswith("Knock-out question “Will all client data")
    assert "the required answer is “Yes”; the proposal answers “No”" in reason


def test_a_certification_must_be_valid_on_the_deadline(rfp, vendor_a):
    company = company_of(vendor_a)
    pci = Certification.objects.get(company=company, certification_type__slug="pci-dss")
    deadline_day = timezone.localtime(rfp.submission_deadline, rfp.organization.time_zone).date()
    certification_save(
        actor=vendor_a,
        company=company,
        certification=pci,
        issued_on=pci.issued_on,
        expires_on=deadline_day - dt.timedelta(days=1),
    )
    Certification.objects.filter(company=company, certification_type__slug="iso-iec-27001").delete()
    submit(vendor_a, fill(vendor_a, rfp))
    reasons = _open(rfp).compliance_reasons
    assert any(r.startswith("Mandatory certification PCI DSS: not valid on") for r in reasons)
    assert "Mandatory certification ISO/IEC 27001: not held." in reasons


def test_a_certificate_expiring_on_the_deadline_day_is_still_valid(rfp, vendor_a):
    company = company_of(vendor_a)
    deadline_day = timezone.localtime(rfp.submission_deadline, rfp.organization.time_zone).date()
    for certification in Certification.objects.filter(company=company):
        certification_save(
            actor=vendor_a,
            company=company,
            certification=certification,
            issued_on=certification.issued_on,
            expires_on=deadline_day,
        )
    submit(vendor_a, fill(vendor_a, rfp))
    assert _open(rfp).compliance_status == "compliant"


def test_required_languages_must_be_spoken_in_the_proposed_centres(
    buyer_admin, procurement_manager, vendor_a
):
    equip_vendor(vendor_a, languages=("en",))
    rfp = make_rfp(
        procurement_manager,
        buyer_admin,
        invite=(company_of(vendor_a),),
        required_languages=[spanish()],
    )
    submit(vendor_a, fill(vendor_a, rfp))
    (reason,) = _open(rfp).compliance_reasons
    assert (
        reason
        == "Lot “Voice, chat and e-mail support”: no proposed delivery centre speaks Spanish."
    )


def test_location_models_the_rfp_does_not_accept(buyer_admin, procurement_manager, vendor_a):
    equip_vendor(vendor_a, country="PH")
    rfp = make_rfp(
        procurement_manager, buyer_admin, invite=(company_of(vendor_a),), accept_offshore=False
    )
    submit(vendor_a, fill(vendor_a, rfp))
    (reason,) = _open(rfp).compliance_reasons
    assert "Makati (Philippines) is offshore for Northwind Health" in reason
    assert "does not accept offshore delivery" in reason


def test_the_vendor_sees_what_it_can_know_before_submitting(rfp, vendor_a, client):
    knockout = next(q for q in selectors.questions_of(rfp) if q.is_knockout)
    proposal = fill(vendor_a, rfp, answers={knockout.pk: "no"})
    client.force_login(vendor_a)
    page = client.get(reverse("proposal_check", args=[proposal.pk])).content.decode()
    assert "rules would find it non-compliant" in page
    assert "Knock-out question" in page


def test_a_procurement_manager_overrides_with_a_justification(rfp, vendor_a, procurement_manager):
    knockout = next(q for q in selectors.questions_of(rfp) if q.is_knockout)
    submit(vendor_a, fill(vendor_a, rfp, answers={knockout.pk: "no"}))
    proposal = _open(rfp)
    with pytest.raises(ApplicationError) as refused:
        services.proposal_compliance_override(
            actor=procurement_manager, proposal=proposal, status="compliant", justification="ok"
        )
    assert "Explain the decision" in refused.value.fields["justification"][0]
    overridden = services.proposal_compliance_override(
        actor=procurement_manager,
        proposal=proposal,
        status="compliant",
        justification="Data stays in the EU under our own DPA; legal confirmed.",
    )
    assert overridden.effective_compliance == "compliant"
    assert overridden.compliance_status == "non_compliant"  # the automatic result is kept
    event = AuditEvent.objects.get(action="proposal.compliance_overridden")
    assert event.data == {
        "from": "non_compliant",
        "to": "compliant",
        "justification": "Data stays in the EU under our own DPA; legal confirmed.",
    }
    # Checking again keeps the buyer's decision.
    services.proposals_compliance_check(rfp=proposal.rfp, actor=procurement_manager)
    assert Proposal.objects.get(pk=proposal.pk).effective_compliance == "compliant"
    # Back to the automatic result.
    reset = services.proposal_compliance_override(
        actor=procurement_manager,
        proposal=proposal,
        status="",
        justification="Legal withdrew its opinion.",
    )
    assert reset.effective_compliance == "non_compliant"


@pytest.mark.parametrize("role", ["evaluator", "viewer", "other_buyer"])
def test_only_admins_and_procurement_managers_override(request, rfp, vendor_a, role):
    submit(vendor_a, fill(vendor_a, rfp))
    proposal = _open(rfp)
    with pytest.raises(PermissionDeniedError):
        services.proposal_compliance_override(
            actor=request.getfixturevalue(role),
            proposal=proposal,
            status="non_compliant",
            justification="Because I say so, at length.",
        )


def test_compliance_cannot_be_decided_before_the_deadline(rfp, vendor_a, procurement_manager):
    proposal = fill(vendor_a, rfp)
    submit(vendor_a, proposal)
    with pytest.raises(ProposalsSealedError):
        services.proposal_compliance_override(
            actor=procurement_manager,
            proposal=proposal,
            status="compliant",
            justification="Peeking before the deadline.",
        )
    with pytest.raises(ProposalsSealedError):
        services.proposals_compliance_check(rfp=rfp, actor=procurement_manager)


def test_the_override_is_shown_on_the_page_and_in_the_api(rfp, vendor_a, buyer_admin, client):
    submit(vendor_a, fill(vendor_a, rfp))
    proposal = _open(rfp)
    client.force_login(buyer_admin)
    response = client.post(
        reverse("proposal_compliance", args=[proposal.pk]),
        {"status": "non_compliant", "justification": "References could not be verified."},
    )
    assert response.status_code == 302
    page = client.get(reverse("proposal_detail", args=[proposal.pk])).content.decode()
    assert "References could not be verified." in page and "Non-compliant" in page
    short = client.post(
        reverse("proposal_compliance", args=[proposal.pk]),
        {"status": "compliant", "justification": ""},
    )
    assert short.status_code == 400 and "Explain the decision" in short.content.decode()
    api = api_as(buyer_admin).get(f"/api/v1/proposals/{proposal.pk}/").json()
    assert api["compliance"]["status"] == "non_compliant"
    assert api["compliance"]["override"]["justification"] == "References could not be verified."


def test_compliance_uses_the_submitted_certifications_not_later_edits(rfp, vendor_a):
    submit(vendor_a, fill(vendor_a, rfp))
    Certification.objects.filter(company=company_of(vendor_a)).delete()
    assert _open(rfp).compliance_status == "compliant"


def test_question_kinds_for_knockouts_single_choice(rfp, vendor_a):
    assert any(q.kind == QuestionKind.YES_NO and q.is_knockout for q in selectors.questions_of(rfp))
    assert CertificationType.objects.filter(slug="pci-dss").exists()
