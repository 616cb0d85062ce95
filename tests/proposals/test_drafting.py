"""Drafting a proposal through the services: who may start one, typed answers,
prices, SLAs, centres, staffing, optimistic locking, and bad input that is
refused with a clear message while nothing already saved is lost."""

from __future__ import annotations

from decimal import Decimal

import pytest

from accounts.services import invitation_accept_new_user, invitation_create
from bpo_portal.errors import ApplicationError, ConflictError, NotFoundError
from proposals import checklist, selectors, services
from proposals.models import PriceEntry, Proposal, ProposalLot
from rfp import services as rfp_services
from rfp.models import RFP, InvitationStatus, PricingLine, QuestionKind, RFPInvitation
from tests.conftest import PASSWORD, make_vendor
from tests.proposals.factories import add_rate, company_of, equip_vendor, fill, make_rfp

pytestmark = pytest.mark.django_db


def _lot(proposal: Proposal) -> ProposalLot:
    return ProposalLot.objects.select_related("lot").get(proposal=proposal)


def _question(rfp, kind: str):
    return next(q for q in selectors.questions_of(rfp) if q.kind == kind)


# --- Starting -----------------------------------------------------------------------------------


def test_an_invited_vendor_starts_a_draft_and_intends_to_bid(rfp, vendor_a):
    proposal = services.proposal_start(actor=vendor_a, rfp=rfp)
    assert proposal.status == "draft"
    assert proposal.currency == rfp.currency
    assert ProposalLot.objects.filter(proposal=proposal).count() == 1  # the only lot
    invitation = RFPInvitation.objects.get(rfp=rfp, company=company_of(vendor_a))
    assert invitation.status == InvitationStatus.INTENDS_TO_BID
    # Starting again returns the same draft: one proposal per vendor and RFP.
    assert services.proposal_start(actor=vendor_a, rfp=rfp).pk == proposal.pk


def test_a_colleague_works_on_the_same_draft(rfp, vendor_a):
    invitation = invitation_create(
        actor=vendor_a,
        email="colleague@vendor-a.example",
        role="contributor",
        company=company_of(vendor_a),
    )
    colleague = invitation_accept_new_user(
        token=invitation.plain_token, full_name="Colleague", password=PASSWORD
    )
    proposal = services.proposal_start(actor=vendor_a, rfp=rfp)
    assert services.proposal_start(actor=colleague, rfp=rfp).pk == proposal.pk


def test_a_vendor_that_was_not_invited_gets_a_clear_refusal(rfp):
    outsider = make_vendor("owner@outsider.example", "Outsider Ltd", "VN")
    with pytest.raises(NotFoundError) as refused:
        services.proposal_start(actor=outsider, rfp=rfp)
    assert "not open to your company" in refused.value.message
    assert not Proposal.objects.exists()


def test_a_buyer_cannot_start_a_proposal(rfp, procurement_manager):
    with pytest.raises(ApplicationError) as refused:
        services.proposal_start(actor=procurement_manager, rfp=rfp)
    assert refused.value.status_code == 403


def test_a_vendor_that_declined_can_change_its_mind(rfp, vendor_a):
    rfp_services.rfp_decline(actor=vendor_a, rfp=rfp, reason="Too busy")
    services.proposal_start(actor=vendor_a, rfp=rfp)
    invitation = RFPInvitation.objects.get(rfp=rfp, company=company_of(vendor_a))
    assert invitation.status == InvitationStatus.INTENDS_TO_BID


# --- Answers ------------------------------------------------------------------------------------


def test_answers_are_stored_by_the_kind_of_question(rfp, vendor_a):
    proposal = services.proposal_start(actor=vendor_a, rfp=rfp)
    number = _question(rfp, QuestionKind.NUMBER)
    yes_no = _question(rfp, QuestionKind.YES_NO)
    multiple = _question(rfp, QuestionKind.MULTIPLE_CHOICE)
    text = _question(rfp, QuestionKind.TEXT)
    saved = services.proposal_answers_save(
        actor=vendor_a,
        proposal=proposal,
        version=proposal.answers_version,
        answers={
            number.pk: "1,250.0",
            yes_no.pk: True,
            multiple.pk: [multiple.choices[2], multiple.choices[0]],
            text.pk: "  Our answer.  ",
        },
    )
    values = {a.question_id: a.value for a in saved.answers.all()}
    assert values[number.pk] == "1250"
    assert values[yes_no.pk] == "yes"
    assert values[multiple.pk] == [multiple.choices[0], multiple.choices[2]]  # the RFP's order
    assert values[text.pk] == "Our answer."
    assert saved.answers_version == proposal.answers_version + 1


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        (QuestionKind.NUMBER, "twelve", "Enter a number"),
        (QuestionKind.NUMBER, "1e30", "too large"),
        (QuestionKind.YES_NO, "maybe", "yes or no"),
        (QuestionKind.MULTIPLE_CHOICE, ["Carrier pigeon"], "Choose from the options"),
        (QuestionKind.TEXT, "x" * 20_001, "under 20,000 characters"),
    ],
)
def test_a_bad_answer_is_refused_and_nothing_is_saved(rfp, vendor_a, kind, value, message):
    proposal = services.proposal_start(actor=vendor_a, rfp=rfp)
    text = _question(rfp, QuestionKind.TEXT)
    services.proposal_answers_save(
        actor=vendor_a, proposal=proposal, version=1, answers={text.pk: "Kept"}
    )
    question = [q for q in selectors.questions_of(rfp) if q.kind == kind][-1]
    with pytest.raises(ApplicationError) as refused:
        services.proposal_answers_save(
            actor=vendor_a,
            proposal=proposal,
            version=2,
            answers={question.pk: value, text.pk: "Changed"},
        )
    assert message in refused.value.fields[f"answers.{question.pk}"][0]
    assert refused.value.message.startswith("Nothing was saved")
    assert proposal.answers.get(question_id=text.pk).value == "Kept"
    assert Proposal.objects.get(pk=proposal.pk).answers_version == 2


def test_a_blank_answer_clears_it(rfp, vendor_a):
    proposal = services.proposal_start(actor=vendor_a, rfp=rfp)
    text = _question(rfp, QuestionKind.TEXT)
    services.proposal_answers_save(
        actor=vendor_a, proposal=proposal, version=1, answers={text.pk: "Something"}
    )
    services.proposal_answers_save(
        actor=vendor_a, proposal=proposal, version=2, answers={text.pk: ""}
    )
    assert not proposal.answers.exists()


# --- Prices -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("12.345", "USD has 2 decimal places"),
        ("-5", "cannot be negative"),
        ("99999999999", "more than any single price can be"),
        ("1e20", "more than any single price can be"),
        ("12,5", "Use a point for decimals"),
        ("abc", "Enter a number"),
        ("NaN", "Enter a number"),
    ],
)
def test_bad_prices_are_refused_with_a_clear_message(rfp, vendor_a, raw, message):
    proposal = services.proposal_start(actor=vendor_a, rfp=rfp)
    part = _lot(proposal)
    lines = list(part.lot.pricing_lines.all())
    services.proposal_prices_save(
        actor=vendor_a, proposal=proposal, lot=part.lot, version=1, prices={lines[0].pk: "100"}
    )
    with pytest.raises(ApplicationError) as refused:
        services.proposal_prices_save(
            actor=vendor_a,
            proposal=proposal,
            lot=part.lot,
            version=2,
            prices={lines[0].pk: "200", lines[1].pk: raw},
        )
    assert message in refused.value.fields[f"prices.{lines[1].pk}"][0]
    # Nothing already saved is lost, nothing half-saved.
    assert PriceEntry.objects.get(pricing_line=lines[0]).unit_price == Decimal("100")
    assert not PriceEntry.objects.filter(pricing_line=lines[1]).exists()


def test_grouped_thousands_and_blank_prices(rfp, vendor_a):
    proposal = services.proposal_start(actor=vendor_a, rfp=rfp)
    part = _lot(proposal)
    first, second = list(part.lot.pricing_lines.all())[:2]
    services.proposal_prices_save(
        actor=vendor_a,
        proposal=proposal,
        lot=part.lot,
        version=1,
        prices={first.pk: "45,000.50", second.pk: "10"},
        comments={first.pk: "Includes recruitment"},
    )
    entry = PriceEntry.objects.get(pricing_line=first)
    assert entry.unit_price == Decimal("45000.50") and entry.comment == "Includes recruitment"
    services.proposal_prices_save(
        actor=vendor_a, proposal=proposal, lot=part.lot, version=2, prices={second.pk: ""}
    )
    assert not PriceEntry.objects.filter(pricing_line=second).exists()


def test_a_currency_without_minor_units_refuses_cents(buyer_admin, procurement_manager, vendor_a):
    equip_vendor(vendor_a)
    rfp = make_rfp(procurement_manager, buyer_admin, invite=(company_of(vendor_a),), currency="JPY")
    proposal = services.proposal_start(actor=vendor_a, rfp=rfp)
    part = _lot(proposal)
    line = part.lot.pricing_lines.first()
    with pytest.raises(ApplicationError) as refused:
        services.proposal_prices_save(
            actor=vendor_a, proposal=proposal, lot=part.lot, version=1, prices={line.pk: "10.5"}
        )
    assert "JPY has no minor unit" in refused.value.fields[f"prices.{line.pk}"][0]
    services.proposal_prices_save(
        actor=vendor_a, proposal=proposal, lot=part.lot, version=1, prices={line.pk: "1500"}
    )


def test_a_line_of_another_lot_is_refused(rfp, vendor_a, vendor_b):
    proposal = services.proposal_start(actor=vendor_a, rfp=rfp)
    other = PricingLine.objects.exclude(lot__rfp=rfp).first()
    with pytest.raises(ApplicationError):
        services.proposal_prices_save(
            actor=vendor_a,
            proposal=proposal,
            lot=_lot(proposal).lot,
            version=1,
            prices={other.pk: "1"},
        )


# --- SLAs, centres, staffing --------------------------------------------------------------------


def test_an_alternative_sla_needs_a_value_and_a_reason(rfp, vendor_a):
    proposal = services.proposal_start(actor=vendor_a, rfp=rfp)
    part = _lot(proposal)
    level = part.lot.service_levels.first()
    with pytest.raises(ApplicationError) as refused:
        services.proposal_slas_save(
            actor=vendor_a,
            proposal=proposal,
            lot=part.lot,
            version=1,
            commitments={level.pk: services.CommitmentInput(False, "", "")},
        )
    assert (
        "Give the value you propose" in refused.value.fields[f"slas.{level.pk}.proposed_value"][0]
    )
    with pytest.raises(ApplicationError) as refused:
        services.proposal_slas_save(
            actor=vendor_a,
            proposal=proposal,
            lot=part.lot,
            version=1,
            commitments={level.pk: services.CommitmentInput(False, "75", "")},
        )
    assert "Explain why" in refused.value.fields[f"slas.{level.pk}.comment"][0]
    saved = services.proposal_slas_save(
        actor=vendor_a,
        proposal=proposal,
        lot=part.lot,
        version=1,
        commitments={level.pk: services.CommitmentInput(False, "75", "Ramp-up")},
    )
    commitment = saved.sla_commitments.get()
    assert not commitment.accepts_target and commitment.proposed_value == Decimal("75")


def test_shares_over_100_percent_are_refused_and_under_is_in_progress(rfp, vendor_a):
    second = equip_vendor(vendor_a, country="PH")
    proposal = services.proposal_start(actor=vendor_a, rfp=rfp)
    part = _lot(proposal)
    first = company_of(vendor_a).delivery_centres.exclude(pk=second.pk).first()
    services.proposal_centres_save(
        actor=vendor_a,
        proposal=proposal,
        lot=part.lot,
        version=1,
        shares={first.pk: "60", second.pk: "30"},
    )
    working = selectors.proposal_working_copy(proposal.pk)
    problem = next(p for p in checklist.proposal_problems(working) if p.field == "centres")
    assert "add up to 90 %" in problem.message and problem.missing
    with pytest.raises(ApplicationError) as refused:
        services.proposal_centres_save(
            actor=vendor_a,
            proposal=proposal,
            lot=part.lot,
            version=2,
            shares={first.pk: "70", second.pk: "40"},
        )
    assert "add up to 110 %" in refused.value.fields["centres"][0]
    assert sorted(c.share for c in _lot(proposal).centres.all()) == [30, 60]


def test_a_centre_of_another_vendor_is_refused(rfp, vendor_a, vendor_b):
    proposal = services.proposal_start(actor=vendor_a, rfp=rfp)
    foreign = company_of(vendor_b).delivery_centres.first()
    with pytest.raises(ApplicationError) as refused:
        services.proposal_centres_save(
            actor=vendor_a,
            proposal=proposal,
            lot=_lot(proposal).lot,
            version=1,
            shares={foreign.pk: "100"},
        )
    assert "from your company profile" in refused.value.fields[f"centres.{foreign.pk}"][0]


def test_staffing_plan_per_month_of_the_ramp_up(rfp, vendor_a):
    proposal = services.proposal_start(actor=vendor_a, rfp=rfp)
    part = _lot(proposal)
    months = selectors.staffing_months(part.lot)
    assert months == 3
    with pytest.raises(ApplicationError) as refused:
        services.proposal_staffing_save(
            actor=vendor_a, proposal=proposal, lot=part.lot, version=1, headcount=["10", "2.5", ""]
        )
    assert "whole number" in refused.value.fields["headcount.2"][0]
    saved = services.proposal_staffing_save(
        actor=vendor_a,
        proposal=proposal,
        lot=part.lot,
        version=1,
        headcount=["10", "", ""],
        transition_plan="Plan",
    )
    assert saved.staffing_plan == [10]
    with pytest.raises(ApplicationError):
        services.proposal_staffing_save(
            actor=vendor_a, proposal=proposal, lot=part.lot, version=2, headcount=[1, 2, 3, 4]
        )


# --- Two colleagues at once ---------------------------------------------------------------------


def test_two_colleagues_saving_at_once_no_silent_overwrite(rfp, vendor_a):
    proposal = services.proposal_start(actor=vendor_a, rfp=rfp)
    part = _lot(proposal)
    line = part.lot.pricing_lines.first()
    opened_version = part.pricing_version  # both open the page at version 1
    services.proposal_prices_save(
        actor=vendor_a,
        proposal=proposal,
        lot=part.lot,
        version=opened_version,
        prices={line.pk: "100"},
    )
    with pytest.raises(ConflictError) as conflict:
        services.proposal_prices_save(
            actor=vendor_a,
            proposal=proposal,
            lot=part.lot,
            version=opened_version,
            prices={line.pk: "90"},
        )
    # The same person from another tab: told it was their own earlier change.
    assert "Your own earlier change to the pricing" in conflict.value.message
    assert "nothing was overwritten" in conflict.value.message
    assert conflict.value.extra["your_own_change"] is True
    assert conflict.value.extra["current_version"] == opened_version + 1
    assert PriceEntry.objects.get(pricing_line=line).unit_price == Decimal("100")


def test_parts_are_locked_separately(rfp, vendor_a):
    """A colleague on the questionnaire does not block one on the prices."""
    proposal = services.proposal_start(actor=vendor_a, rfp=rfp)
    part = _lot(proposal)
    services.proposal_answers_save(
        actor=vendor_a,
        proposal=proposal,
        version=1,
        answers={_question(rfp, QuestionKind.TEXT).pk: "Answer"},
    )
    services.proposal_prices_save(
        actor=vendor_a,
        proposal=proposal,
        lot=part.lot,
        version=1,
        prices={part.lot.pricing_lines.first().pk: "5"},
    )


def test_a_save_that_changes_nothing_keeps_the_version(rfp, vendor_a):
    proposal = services.proposal_start(actor=vendor_a, rfp=rfp)
    part = _lot(proposal)
    line = part.lot.pricing_lines.first()
    saved = services.proposal_prices_save(
        actor=vendor_a, proposal=proposal, lot=part.lot, version=1, prices={line.pk: "5"}
    )
    again = services.proposal_prices_save(
        actor=vendor_a, proposal=proposal, lot=part.lot, version=2, prices={line.pk: "5.00"}
    )
    assert saved.pricing_version == again.pricing_version == 2


def test_a_missing_version_is_refused(rfp, vendor_a):
    proposal = services.proposal_start(actor=vendor_a, rfp=rfp)
    with pytest.raises(ApplicationError) as refused:
        services.proposal_answers_save(actor=vendor_a, proposal=proposal, version=None, answers={})
    assert "version" in refused.value.fields


# --- Another vendor, lots, currency -------------------------------------------------------------


def test_another_vendor_cannot_touch_the_proposal(rfp, vendor_a, vendor_b):
    proposal = services.proposal_start(actor=vendor_a, rfp=rfp)
    with pytest.raises(NotFoundError):
        services.proposal_answers_save(actor=vendor_b, proposal=proposal, version=1, answers={})
    with pytest.raises(NotFoundError):
        services.proposal_submit(actor=vendor_b, proposal=proposal)


def test_currency_needs_the_buyers_permission_and_a_stored_rate(
    buyer_admin, procurement_manager, vendor_a
):
    equip_vendor(vendor_a)
    strict = make_rfp(procurement_manager, buyer_admin, invite=(company_of(vendor_a),))
    proposal = services.proposal_start(actor=vendor_a, rfp=strict)
    with pytest.raises(ApplicationError) as refused:
        services.proposal_settings_update(
            actor=vendor_a, proposal=proposal, version=1, currency="PHP"
        )
    assert "does not accept other currencies" in refused.value.fields["currency"][0]

    add_rate("PHP", "USD", "0.0172")
    relaxed = make_rfp(
        procurement_manager,
        buyer_admin,
        invite=(company_of(vendor_a),),
        title="Relaxed",
        allow_vendor_currency=True,
    )
    proposal = services.proposal_start(actor=vendor_a, rfp=relaxed)
    assert selectors.currency_options(relaxed) == ["USD", "PHP"]
    with pytest.raises(ApplicationError):
        services.proposal_settings_update(
            actor=vendor_a, proposal=proposal, version=1, currency="INR"
        )
    saved = services.proposal_settings_update(
        actor=vendor_a, proposal=proposal, version=1, currency="php"
    )
    assert saved.currency == "PHP" and saved.version == 2


def test_choosing_lots_of_a_multi_lot_rfp(rfp, vendor_a, procurement_manager):
    fresh = RFP.objects.get(pk=rfp.pk)
    proposal = fill(vendor_a, fresh)
    first = _lot(proposal).lot
    with pytest.raises(ApplicationError) as refused:
        services.proposal_settings_update(actor=vendor_a, proposal=proposal, version=1, lot_ids=[])
    assert "at least one lot" in refused.value.fields["lots"][0]
    with pytest.raises(ApplicationError):
        services.proposal_settings_update(
            actor=vendor_a, proposal=proposal, version=1, lot_ids=[first.pk + 999]
        )
    same = services.proposal_settings_update(
        actor=vendor_a, proposal=proposal, version=1, lot_ids=[first.pk]
    )
    assert same.version == 1  # nothing changed
