"""Submission: validation of everything, immutable versions with their receipt
(server time and SHA-256), resubmission, withdrawal, and the deadline to the
second in frozen time."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from accounts.models import AuditEvent, OutgoingEmail
from bpo_portal.errors import ApplicationError, ConflictError
from proposals import selectors, services
from proposals.content import canonical_json, content_sha256, read_content
from proposals.models import ImmutableError, Proposal, ProposalLot, ProposalVersion
from rfp import services as rfp_services
from rfp.models import RFP, QuestionKind
from tests.proposals.factories import add_rate, company_of, equip_vendor, fill, make_rfp, submit

pytestmark = pytest.mark.django_db


def test_an_incomplete_proposal_is_not_submitted(rfp, vendor_a):
    proposal = services.proposal_start(actor=vendor_a, rfp=rfp)
    with pytest.raises(ApplicationError) as refused:
        services.proposal_submit(actor=vendor_a, proposal=proposal)
    error = refused.value
    assert error.message.startswith("Your proposal cannot be submitted yet")
    mandatory = [q for q in selectors.questions_of(rfp) if q.mandatory]
    for question in mandatory:
        assert f"answers.{question.pk}" in error.fields
    lot = ProposalLot.objects.get(proposal=proposal).lot
    for line in lot.pricing_lines.all():
        assert f"prices.{line.pk}" in error.fields
    assert "centres" in error.fields and "headcount" in error.fields
    assert not ProposalVersion.objects.exists()
    assert Proposal.objects.get(pk=proposal.pk).status == "draft"


def test_submission_records_a_receipt_and_emails_it(rfp, vendor_a):
    proposal = fill(vendor_a, rfp)
    frozen = timezone.now().replace(microsecond=0)
    with time_machine.travel(frozen, tick=False):
        version = submit(vendor_a, proposal)
    assert version.number == 1
    assert version.submitted_at == frozen
    assert version.submitted_by == vendor_a
    assert len(version.sha256) == 64
    assert version.sha256 == content_sha256(version.content)
    proposal.refresh_from_db()
    assert proposal.status == "submitted" and proposal.submitted_version == version
    assert proposal.submitted_at == frozen
    (receipt,) = [
        e
        for e in OutgoingEmail.objects.filter(subject__startswith="Receipt")
        if vendor_a.email in e.to
    ]
    assert version.sha256 in receipt.text and "version 1" in receipt.subject
    event = AuditEvent.objects.get(action="proposal.submitted")
    assert event.buyer_organization_id == rfp.organization_id  # the buyer may know when
    assert event.data["sha256"] == version.sha256


def test_the_hash_is_stable_for_the_same_content_and_changes_with_it(rfp, vendor_a):
    proposal = fill(vendor_a, rfp)
    first = submit(vendor_a, proposal)
    again = submit(vendor_a, proposal)  # nothing changed
    assert again.number == 2 and again.sha256 == first.sha256
    part = ProposalLot.objects.select_related("lot").get(proposal=proposal)
    line = part.lot.pricing_lines.first()
    services.proposal_prices_save(
        actor=vendor_a,
        proposal=proposal,
        lot=part.lot,
        version=part.pricing_version,
        prices={line.pk: "10.01"},
    )
    assert Proposal.objects.get(pk=proposal.pk).changed_since_submission
    third = submit(vendor_a, proposal)
    assert third.sha256 != first.sha256
    # Canonical: keys sorted, no whitespace, decimals written one way.
    text = canonical_json(third.content)
    assert '"unit_price":"10.01"' in text and ", " not in text[:200]


def test_every_version_is_kept_and_the_last_one_counts(rfp, vendor_a):
    proposal = fill(vendor_a, rfp)
    submit(vendor_a, proposal)
    part = ProposalLot.objects.select_related("lot").get(proposal=proposal)
    line = part.lot.pricing_lines.first()
    services.proposal_prices_save(
        actor=vendor_a,
        proposal=proposal,
        lot=part.lot,
        version=part.pricing_version,
        prices={line.pk: "7"},
    )
    second = submit(vendor_a, proposal)
    assert list(proposal.versions.values_list("number", flat=True)) == [1, 2]
    assert Proposal.objects.get(pk=proposal.pk).submitted_version == second
    prices = second.content["lots"][0]["prices"]
    assert next(p for p in prices if p["pricing_line"] == line.pk)["unit_price"] == "7.00"


def test_a_version_cannot_be_changed(rfp, vendor_a):
    version = submit(vendor_a, fill(vendor_a, rfp))
    version.sha256 = "0" * 64
    with pytest.raises(ImmutableError):
        version.save()


def test_editing_after_submission_does_not_change_what_counts(rfp, vendor_a):
    proposal = fill(vendor_a, rfp)
    version = submit(vendor_a, proposal)
    part = ProposalLot.objects.select_related("lot").get(proposal=proposal)
    services.proposal_prices_save(
        actor=vendor_a,
        proposal=proposal,
        lot=part.lot,
        version=part.pricing_version,
        prices={line.pk: "999" for line in part.lot.pricing_lines.all()},
    )
    fresh = Proposal.objects.get(pk=proposal.pk)
    assert fresh.submitted_version == version and fresh.changed_since_submission
    assert "999" not in canonical_json(version.content)


def test_withdraw_and_submit_again(rfp, vendor_a, mail_outbox):
    proposal = fill(vendor_a, rfp)
    submit(vendor_a, proposal)
    withdrawn = services.proposal_withdraw(actor=vendor_a, proposal=proposal, reason="Capacity")
    assert withdrawn.status == "withdrawn" and withdrawn.withdrawn_at is not None
    assert not withdrawn.counts
    with pytest.raises(ConflictError):
        services.proposal_withdraw(actor=vendor_a, proposal=proposal)
    version = submit(vendor_a, proposal)
    fresh = Proposal.objects.get(pk=proposal.pk)
    assert fresh.status == "submitted" and fresh.submitted_version == version
    assert fresh.withdrawn_at is None


def test_a_draft_cannot_be_withdrawn(rfp, vendor_a):
    proposal = services.proposal_start(actor=vendor_a, rfp=rfp)
    with pytest.raises(ConflictError):
        services.proposal_withdraw(actor=vendor_a, proposal=proposal)


# --- The deadline, to the second ----------------------------------------------------------------


def test_one_second_before_the_deadline_works_at_and_after_it_is_refused(rfp, vendor_a, vendor_b):
    deadline = rfp.submission_deadline
    on_time = fill(vendor_a, rfp)
    late = fill(vendor_b, rfp)
    with time_machine.travel(deadline - dt.timedelta(seconds=1), tick=False):
        version = submit(vendor_a, on_time)
        assert version.submitted_at == deadline - dt.timedelta(seconds=1)
    with time_machine.travel(deadline, tick=False):
        with pytest.raises(ConflictError) as refused:
            submit(vendor_b, late)
        assert "deadline for proposals passed" in refused.value.message
    with (
        time_machine.travel(deadline + dt.timedelta(seconds=1), tick=False),
        pytest.raises(ConflictError),
    ):
        submit(vendor_b, late)
    assert not ProposalVersion.objects.filter(proposal=late).exists()


def test_nothing_changes_after_the_deadline(rfp, vendor_a):
    proposal = fill(vendor_a, rfp)
    submit(vendor_a, proposal)
    part = ProposalLot.objects.select_related("lot").get(proposal=proposal)
    text = next(q for q in selectors.questions_of(rfp) if q.kind == QuestionKind.TEXT)
    with time_machine.travel(rfp.submission_deadline + dt.timedelta(hours=1), tick=False):
        attempts = [
            lambda: services.proposal_answers_save(
                actor=vendor_a,
                proposal=proposal,
                version=proposal.answers_version,
                answers={text.pk: "Too late"},
            ),
            lambda: services.proposal_prices_save(
                actor=vendor_a,
                proposal=proposal,
                lot=part.lot,
                version=part.pricing_version,
                prices={part.lot.pricing_lines.first().pk: "1"},
            ),
            lambda: services.proposal_centres_save(
                actor=vendor_a,
                proposal=proposal,
                lot=part.lot,
                version=part.centres_version,
                shares={},
            ),
            lambda: services.proposal_withdraw(actor=vendor_a, proposal=proposal),
            lambda: services.proposal_submit(actor=vendor_a, proposal=proposal),
            lambda: services.proposal_start(actor=vendor_a, rfp=rfp),
        ]
        for attempt in attempts:
            before = Proposal.objects.get(pk=proposal.pk)
            if attempt is attempts[-1]:
                assert attempt().pk == proposal.pk  # the existing proposal, unchanged
                continue
            with pytest.raises(ConflictError):
                attempt()
            after = Proposal.objects.get(pk=proposal.pk)
            assert (after.status, after.answers_version) == (before.status, before.answers_version)


def test_a_new_proposal_cannot_be_started_after_the_deadline(rfp, vendor_b):
    with time_machine.travel(rfp.submission_deadline, tick=False), pytest.raises(ConflictError):
        services.proposal_start(actor=vendor_b, rfp=rfp)
    assert not Proposal.objects.exists()


def test_a_cancelled_rfp_takes_no_proposal(rfp, vendor_a, procurement_manager):
    """(Nobody closes an RFP early any more: closed means the deadline passed, above.)"""
    proposal = fill(vendor_a, rfp)
    rfp_services.rfp_cancel(
        actor=procurement_manager,
        rfp=rfp,
        version=RFP.objects.get(pk=rfp.pk).version,
        reason="Budget withdrawn.",
    )
    with pytest.raises(ConflictError) as refused:
        submit(vendor_a, proposal)
    assert "cancelled" in refused.value.message


# --- Currency -----------------------------------------------------------------------------------


def test_the_exchange_rate_is_copied_at_submission_and_never_changes(
    buyer_admin, procurement_manager, vendor_a
):
    equip_vendor(vendor_a)
    add_rate("PHP", "USD", "0.0172", days_ago=10)
    rfp = make_rfp(
        procurement_manager,
        buyer_admin,
        invite=(company_of(vendor_a),),
        allow_vendor_currency=True,
    )
    proposal = services.proposal_start(actor=vendor_a, rfp=rfp)
    services.proposal_settings_update(actor=vendor_a, proposal=proposal, version=1, currency="PHP")
    proposal = fill(vendor_a, rfp, price="1000")
    version = submit(vendor_a, proposal)
    assert version.content["exchange_rate"]["rate"] == "0.0172"
    assert version.content["currency"] == "PHP" and version.content["rfp_currency"] == "USD"
    add_rate("PHP", "USD", "0.0200", days_ago=0)  # a newer rate arrives

    cost = selectors.lot_cost(rfp.lots.get(), read_content(version.content, commercial_open=True))
    assert cost.rate == Decimal("0.0172")
    assert cost.total == (cost.tco.total * Decimal("0.0172")).quantize(Decimal("0.01"))


def test_an_inverse_rate_is_used_when_it_is_the_latest():
    add_rate("USD", "PHP", "58.00", days_ago=1)
    add_rate("PHP", "USD", "0.0170", days_ago=5)
    quote = selectors.exchange_rate_for(base="PHP", quote="USD")
    assert quote.rate == (Decimal(1) / Decimal("58")).quantize(Decimal("1e-10"))
    assert "inverse" in quote.source
    assert selectors.exchange_rate_for(base="PHP", quote="EUR") is None


def test_submitting_in_a_currency_without_a_rate_is_refused(
    buyer_admin, procurement_manager, vendor_a
):
    equip_vendor(vendor_a)
    rate = add_rate("PHP", "USD", "0.0172")
    rfp = make_rfp(
        procurement_manager,
        buyer_admin,
        invite=(company_of(vendor_a),),
        allow_vendor_currency=True,
    )
    proposal = services.proposal_start(actor=vendor_a, rfp=rfp)
    services.proposal_settings_update(actor=vendor_a, proposal=proposal, version=1, currency="PHP")
    proposal = fill(vendor_a, rfp, price="1000")
    rate.delete()
    with pytest.raises(ApplicationError) as refused:
        submit(vendor_a, proposal)
    assert "No exchange rate from PHP to USD" in refused.value.fields["currency"][0]
