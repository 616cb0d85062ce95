"""Drafting: details, parts, bad input, optimistic locking, addenda after publication."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from bpo_portal.errors import ApplicationError, ConflictError, PermissionDeniedError
from rfp import services
from rfp.api import serializers as s
from rfp.forms import PricingLineForm, RFPEditForm, ServiceLevelForm
from rfp.models import (
    RFP,
    Addendum,
    AddendumAcknowledgement,
    Lot,
    PricingLine,
    Question,
    ServiceLevel,
)
from tests.rfp.conftest import BUDGET, company_of, emails_to, in_days, reload, starter_template

pytestmark = pytest.mark.django_db


def fields_of(error: pytest.ExceptionInfo[ApplicationError]) -> dict[str, list[str]]:
    return error.value.fields


# --- Details and timeline ------------------------------------------------------------------------


def test_scope_of_work_is_sanitised(draft, procurement_manager):
    rfp = services.rfp_update(
        actor=procurement_manager,
        rfp=draft,
        version=draft.version,
        scope_of_work='<p onclick="x()">Hello <script>alert(1)</script><b>world</b></p>'
        '<a href="javascript:alert(1)">bad</a><a href="https://ok.example">ok</a>',
    )
    assert "<script" not in rfp.scope_of_work and "onclick" not in rfp.scope_of_work
    assert "javascript:" not in rfp.scope_of_work
    assert "<b>world</b>" in rfp.scope_of_work
    assert 'href="https://ok.example"' in rfp.scope_of_work
    assert services.sanitize_scope_html("<p><br></p>") == ""


@pytest.mark.parametrize("role", ["evaluator", "viewer", "other_buyer", "vendor_a"])
def test_evaluators_viewers_and_outsiders_cannot_edit(role, draft, request):
    user = request.getfixturevalue(role)
    with pytest.raises(PermissionDeniedError):
        services.rfp_update(actor=user, rfp=draft, version=draft.version, title="Hacked")
    with pytest.raises(PermissionDeniedError):
        services.lot_create(actor=user, rfp=draft, version=draft.version, name="x")
    if role != "other_buyer":  # who creates RFPs in their own organization
        with pytest.raises(PermissionDeniedError):
            services.rfp_create(actor=user, title="Mine")
    assert reload(draft).title != "Hacked"


def test_deadline_in_the_past_is_refused_beside_the_field(draft, procurement_manager):
    with pytest.raises(ApplicationError) as error:
        services.rfp_update(
            actor=procurement_manager,
            rfp=draft,
            version=draft.version,
            submission_deadline=in_days(-1),
        )
    assert fields_of(error) == {
        "submission_deadline": ["This date is in the past: choose a later one."]
    }
    assert reload(draft).submission_deadline == draft.submission_deadline


def test_deadlines_compared_in_utc_to_the_second(draft, procurement_manager):
    now = dt.datetime(2030, 1, 10, 12, 0, 0, tzinfo=dt.UTC)
    with time_machine.travel(now, tick=False):
        with pytest.raises(ApplicationError) as error:
            services.rfp_update(
                actor=procurement_manager,
                rfp=draft,
                version=draft.version,
                question_deadline=now,  # exactly now: already too late
                submission_deadline=now + dt.timedelta(days=10),
            )
        assert "question_deadline" in fields_of(error)
        # The same instant written in another zone is the same instant.
        tokyo = (now + dt.timedelta(seconds=1)).astimezone(dt.timezone(dt.timedelta(hours=9)))
        rfp = services.rfp_update(
            actor=procurement_manager,
            rfp=draft,
            version=draft.version,
            question_deadline=tokyo,
            submission_deadline=now + dt.timedelta(days=10),
        )
    assert rfp.question_deadline == now + dt.timedelta(seconds=1)


def test_question_deadline_after_submission_deadline_is_refused(draft, procurement_manager):
    with pytest.raises(ApplicationError) as error:
        services.rfp_update(
            actor=procurement_manager,
            rfp=draft,
            version=draft.version,
            question_deadline=in_days(20),
            submission_deadline=in_days(10),
        )
    assert fields_of(error) == {
        "question_deadline": ["The question deadline must be before the submission deadline."]
    }


def test_award_date_before_the_submission_deadline_is_refused(draft, procurement_manager):
    with pytest.raises(ApplicationError) as error:
        services.rfp_update(
            actor=procurement_manager,
            rfp=draft,
            version=draft.version,
            expected_award_date=(in_days(3)).date(),
        )
    assert "expected_award_date" in fields_of(error)


def test_other_detail_refusals(draft, procurement_manager):
    with pytest.raises(ApplicationError) as error:
        services.rfp_update(
            actor=procurement_manager,
            rfp=draft,
            version=draft.version,
            title=" ",
            budget=Decimal("-1"),
            accept_onshore=False,
            accept_nearshore=False,
            accept_offshore=False,
        )
    assert set(fields_of(error)) == {"title", "budget", "accept_onshore"}
    with pytest.raises(ApplicationError) as error:
        services.rfp_update(
            actor=procurement_manager,
            rfp=draft,
            version=draft.version,
            accept_offshore=False,
            preferred_location_model="offshore",
        )
    assert "preferred_location_model" in fields_of(error)


def test_timeline_errors_for_inline_validation_save_nothing(draft):
    errors = services.rfp_timeline_errors(
        rfp=draft,
        question_deadline=in_days(9),
        submission_deadline=in_days(8),
        expected_award_date=None,
    )
    assert list(errors) == ["question_deadline"]
    assert reload(draft).question_deadline == draft.question_deadline


# --- Optimistic locking ---------------------------------------------------------------------------


def test_two_people_saving_at_once_second_gets_a_conflict(draft, procurement_manager, buyer_admin):
    opened = draft.version  # both opened the same version
    services.rfp_update(actor=buyer_admin, rfp=draft, version=opened, title="Admin's title")
    with pytest.raises(ConflictError) as error:
        services.rfp_update(actor=procurement_manager, rfp=draft, version=opened, title="PM's")
    assert error.value.status_code == 409
    assert "Admin Northwind Health saved this RFP at " in error.value.message  # who, when
    assert error.value.extra["your_own_change"] is False
    assert error.value.extra["current_version"] == opened + 1
    assert reload(draft).title == "Admin's title"


def test_a_conflict_with_ones_own_earlier_save_says_so(draft, procurement_manager):
    opened = draft.version  # two tabs on the same version
    services.rfp_update(actor=procurement_manager, rfp=draft, version=opened, title="Tab one")
    with pytest.raises(ConflictError) as error:
        services.rfp_update(actor=procurement_manager, rfp=draft, version=opened, title="Tab two")
    assert error.value.message.startswith("Your own earlier change to this RFP (saved at ")
    assert "someone" not in error.value.message.lower()
    assert error.value.extra["your_own_change"] is True
    assert reload(draft).title == "Tab one"


def test_every_part_write_checks_the_version(draft, procurement_manager):
    stale = draft.version - 1
    lot = draft.lots.first()
    calls = [
        lambda: services.lot_create(actor=procurement_manager, rfp=draft, version=stale, name="L"),
        lambda: services.lot_update(actor=procurement_manager, lot=lot, version=stale, name="L"),
        lambda: services.lot_delete(actor=procurement_manager, lot=lot, version=stale),
        lambda: services.question_section_create(
            actor=procurement_manager, rfp=draft, version=stale, title="S"
        ),
        lambda: services.pricing_line_delete(
            actor=procurement_manager, line=lot.pricing_lines.first(), version=stale
        ),
        lambda: services.service_level_delete(
            actor=procurement_manager, level=lot.service_levels.first(), version=stale
        ),
    ]
    for call in calls:
        with pytest.raises(ConflictError):
            call()
    with pytest.raises(ApplicationError) as error:
        services.lot_create(actor=procurement_manager, rfp=draft, version=None, name="L")
    assert "version" in fields_of(error)
    assert reload(draft).version == draft.version


# --- Lots -----------------------------------------------------------------------------------------


def test_lot_with_no_volumes_negative_volumes_and_no_term(draft, procurement_manager):
    count = Lot.objects.filter(rfp=draft).count()
    with pytest.raises(ApplicationError) as error:
        services.lot_create(actor=procurement_manager, rfp=draft, version=draft.version, name="x")
    assert set(fields_of(error)) == {"volumes", "contract_term_months"}
    with pytest.raises(ApplicationError) as error:
        services.lot_create(
            actor=procurement_manager,
            rfp=draft,
            version=draft.version,
            name="x",
            fte_count=Decimal("-3"),
            users="-1",
            contract_term_months=12,
            ramp_up_months=13,
        )
    assert fields_of(error) == {
        "fte_count": ["Volumes cannot be negative."],
        "users": ["Volumes cannot be negative."],
        "ramp_up_months": ["The ramp-up cannot be longer than the contract term."],
    }
    assert Lot.objects.filter(rfp=draft).count() == count  # nothing half-saved
    assert reload(draft).version == draft.version


def test_a_lot_volume_a_pricing_line_uses_cannot_be_removed(draft, procurement_manager):
    lot = draft.lots.get()
    with pytest.raises(ApplicationError) as error:
        services.lot_update(
            actor=procurement_manager, lot=lot, version=draft.version, contacts_per_month=None
        )
    assert "Overflow contacts" in fields_of(error)["contacts_per_month"][0]


def test_lots_are_added_changed_and_removed(draft, procurement_manager):
    lot = services.lot_create(
        actor=procurement_manager,
        rfp=draft,
        version=draft.version,
        name="Back office",
        transactions_per_month="3000",
        contract_term_months=24,
    )
    assert lot.order == 1 and lot.transactions_per_month == Decimal("3000")
    lot = services.lot_update(
        actor=procurement_manager, lot=lot, version=draft.version + 1, name="Back office (AP)"
    )
    rfp = services.lot_delete(actor=procurement_manager, lot=lot, version=draft.version + 2)
    assert rfp.version == draft.version + 3
    assert not Lot.objects.filter(pk=lot.pk).exists()


# --- Pricing lines ------------------------------------------------------------------------------


def test_pricing_line_with_no_volume_is_refused(draft, procurement_manager):
    lot = draft.lots.get()
    with pytest.raises(ApplicationError) as error:
        services.pricing_line_create(
            actor=procurement_manager,
            rfp=draft,
            lot=lot,
            version=draft.version,
            charge_type="hourly",
            volume_basis="",
        )
    assert fields_of(error) == {
        "volume_basis": ["Choose the volume this price multiplies, or 'a fixed quantity'."]
    }
    # The lot has no users: a per-user line cannot multiply them.
    with pytest.raises(ApplicationError) as error:
        services.pricing_line_create(
            actor=procurement_manager,
            rfp=draft,
            lot=lot,
            version=draft.version,
            charge_type="per_user",
        )
    assert "has no users" in fields_of(error)["volume_basis"][0]
    assert not PricingLine.objects.filter(lot=lot, charge_type__in=["hourly", "per_user"]).exists()


def test_pricing_line_defaults_from_its_charge_type(draft, procurement_manager):
    line = services.pricing_line_create(
        actor=procurement_manager,
        rfp=draft,
        lot=draft.lots.get(),
        version=draft.version,
        charge_type="hourly",
    )
    assert (line.recurrence, line.volume_basis, line.unit, line.description) == (
        "monthly",
        "hours_per_month",
        "per hour",
        "Hourly rate",
    )


def test_pricing_line_of_another_rfp_is_refused(draft, procurement_manager):
    other = services.rfp_create_from_template(
        actor=procurement_manager, template=starter_template(), title="Other"
    )
    with pytest.raises(ApplicationError) as error:
        services.pricing_line_create(
            actor=procurement_manager,
            rfp=draft,
            lot=other.lots.get(),
            version=draft.version,
            charge_type="setup",
        )
    assert "lot" in fields_of(error)


# --- Questionnaire ------------------------------------------------------------------------------


def test_questions_choices_and_knockouts(draft, procurement_manager):
    section = draft.sections.first()
    version = draft.version
    with pytest.raises(ApplicationError) as error:
        services.question_create(
            actor=procurement_manager,
            rfp=draft,
            section=section,
            version=version,
            text="Which?",
            kind="single_choice",
            choices="Only one",
        )
    assert "choices" in fields_of(error)
    with pytest.raises(ApplicationError) as error:
        services.question_create(
            actor=procurement_manager,
            rfp=draft,
            section=section,
            version=version,
            text="Describe",
            kind="text",
            is_knockout=True,
        )
    assert "is_knockout" in fields_of(error)
    with pytest.raises(ApplicationError) as error:
        services.question_create(
            actor=procurement_manager,
            rfp=draft,
            section=section,
            version=version,
            text="ISO?",
            kind="yes_no",
            is_knockout=True,
            knockout_answer="maybe",
        )
    assert "knockout_answer" in fields_of(error)
    question = services.question_create(
        actor=procurement_manager,
        rfp=draft,
        section=section,
        version=version,
        text="Tier?",
        kind="single_choice",
        choices="Tier 1\nTier 2\n\nTier 1",
        is_knockout=True,
        knockout_answer="Tier 1",
        mandatory=False,
    )
    assert question.choices == ["Tier 1", "Tier 2"]
    assert question.mandatory is True  # a knock-out question must be answered
    question = services.question_update(
        actor=procurement_manager,
        question=question,
        version=version + 1,
        kind="text",
        is_knockout=False,
    )
    assert question.choices == [] and question.knockout_answer == ""


def test_removing_a_section_removes_its_questions(draft, procurement_manager):
    section = draft.sections.first()
    ids = list(section.questions.values_list("pk", flat=True))
    services.question_section_delete(
        actor=procurement_manager, section=section, version=draft.version
    )
    assert not Question.objects.filter(pk__in=ids).exists()


# --- Service levels -----------------------------------------------------------------------------


def test_service_levels_validate_targets(draft, procurement_manager):
    lot = draft.lots.get()
    with pytest.raises(ApplicationError) as error:
        services.service_level_create(
            actor=procurement_manager,
            rfp=draft,
            lot=lot,
            version=draft.version,
            metric="csat",
            target="120",
            service_credit_percent="150",
        )
    assert set(fields_of(error)) == {"target", "service_credit_percent"}
    level = services.service_level_create(
        actor=procurement_manager,
        rfp=draft,
        lot=lot,
        version=draft.version,
        metric="nps",
        target="-10",
    )
    assert (level.name, level.unit, level.direction) == (
        "Net Promoter Score (NPS)",
        "points",
        "higher",
    )
    assert level.target_label == "≥ -10 points"
    aht = ServiceLevel.objects.get(lot=lot, metric="aht")
    assert aht.target_label == "≤ 360 seconds"


# --- Templates -----------------------------------------------------------------------------------


def test_save_as_template_and_start_from_it(draft, procurement_manager, other_buyer):
    template = services.rfp_save_as_template(
        actor=procurement_manager, rfp=draft, title="Our helpline", description="For CX"
    )
    assert template.is_template and template.organization_id == draft.organization_id
    assert template.budget is None and template.question_deadline is None
    assert not template.invitations.exists()
    with pytest.raises(ApplicationError):
        services.rfp_save_as_template(actor=procurement_manager, rfp=draft, title="our HELPLINE")
    rfp = services.rfp_create_from_template(
        actor=procurement_manager, template=template, title="Helpline 2027"
    )
    assert rfp.lots.count() == draft.lots.count()
    assert (
        Question.objects.filter(section__rfp=rfp).count()
        == Question.objects.filter(section__rfp=draft).count()
    )
    assert rfp.source_template == template
    # Another organization cannot use it.
    with pytest.raises(Exception, match="Template not found"):
        services.rfp_create_from_template(actor=other_buyer, template=template, title="x")
    services.rfp_template_delete(actor=procurement_manager, template=template)
    assert not RFP.objects.filter(pk=template.pk).exists()
    with pytest.raises(Exception, match="Starter templates cannot be removed"):
        services.rfp_template_delete(actor=procurement_manager, template=starter_template())


# --- Addenda -------------------------------------------------------------------------------------


def test_an_edit_after_publication_is_an_addendum(
    published, procurement_manager, vendor_a, vendor_b
):
    new_deadline = published.submission_deadline + dt.timedelta(days=3)
    with pytest.raises(ApplicationError) as error:
        services.rfp_update(
            actor=procurement_manager,
            rfp=published,
            version=published.version,
            submission_deadline=new_deadline,
        )
    assert "addendum_summary" in fields_of(error)
    assert reload(published).submission_deadline == published.submission_deadline
    before_a = len(emails_to(vendor_a.email))
    services.rfp_update(
        actor=procurement_manager,
        rfp=published,
        version=published.version,
        submission_deadline=new_deadline,
        addendum_summary="Three more days to answer.",
    )
    addendum = Addendum.objects.get(rfp=published)
    assert addendum.number == 1
    assert addendum.summary == "Three more days to answer."
    assert addendum.changes[0].startswith("Submission deadline: ")
    mails = emails_to(vendor_a.email)[before_a:]
    assert len(mails) == 1 and mails[0].subject.startswith("Addendum 1 to")
    assert "Three more days to answer." in mails[0].text
    assert len(emails_to(vendor_b.email)) >= 2  # invitation + addendum


def test_a_budget_change_after_publication_is_not_an_addendum(
    published, procurement_manager, vendor_a
):
    before = len(emails_to(vendor_a.email))
    rfp = services.rfp_update(
        actor=procurement_manager,
        rfp=published,
        version=published.version,
        budget=Decimal("1200000"),
    )
    assert rfp.budget == Decimal("1200000")
    assert not Addendum.objects.filter(rfp=published).exists()
    assert len(emails_to(vendor_a.email)) == before


def test_addenda_never_reveal_the_budget(published, procurement_manager, vendor_a):
    services.rfp_update(
        actor=procurement_manager,
        rfp=published,
        version=published.version,
        budget=Decimal("555555"),
        title="New title",
        addendum_summary="Renamed",
    )
    addendum = Addendum.objects.get(rfp=published)
    assert addendum.changes == ["Title: Customer support for the patient helpline → New title"]
    for mail in emails_to(vendor_a.email):
        for secret in ("555555", "555,555", str(BUDGET), "987,654"):
            assert secret not in mail.text and secret not in mail.subject


def test_an_addendum_cannot_leave_the_rfp_incomplete(published, procurement_manager):
    lot = published.lots.get()
    with pytest.raises(ApplicationError) as error:
        services.lot_delete(
            actor=procurement_manager,
            lot=lot,
            version=published.version,
            addendum_summary="No lot",
        )
    assert "lots" in fields_of(error)
    assert Lot.objects.filter(pk=lot.pk).exists()
    assert not Addendum.objects.exists()


def test_two_envelopes_cannot_change_after_publication(published, procurement_manager):
    with pytest.raises(ApplicationError) as error:
        services.rfp_update(
            actor=procurement_manager,
            rfp=published,
            version=published.version,
            two_envelopes=True,
            addendum_summary="x",
        )
    assert "two_envelopes" in fields_of(error)


def test_vendors_acknowledge_addenda(
    published, procurement_manager, vendor_a, vendor_b, other_buyer, unattached_user
):
    lot = published.lots.get()
    services.lot_update(
        actor=procurement_manager,
        lot=lot,
        version=published.version,
        fte_count="45",
        addendum_summary="45 agents, not 40.",
    )
    addendum = Addendum.objects.get(rfp=published)
    assert addendum.changes == ["Lot 'Voice, chat and e-mail support': FTEs: 40 → 45"]
    first = services.addendum_acknowledge(actor=vendor_a, addendum=addendum)
    again = services.addendum_acknowledge(actor=vendor_a, addendum=addendum)
    assert first.pk == again.pk
    assert AddendumAcknowledgement.objects.filter(addendum=addendum).count() == 1
    for outsider in (other_buyer, unattached_user):
        with pytest.raises(PermissionDeniedError):
            services.addendum_acknowledge(actor=outsider, addendum=addendum)
    assert company_of(vendor_b) is not None


def test_each_pricing_line_knows_its_units_over_the_term(draft):
    lot = draft.lots.get()  # 40 FTEs, 55,000 contacts a month, 36 months
    units = {line.charge_type: line.quantity_over_term for line in lot.pricing_lines.all()}
    assert units == {
        "setup": Decimal("1"),
        "training": Decimal("40"),  # one-time, per FTE
        "per_fte": Decimal("1440"),  # 40 x 36
        "per_contact": Decimal("1980000"),  # 55,000 x 36
        "fixed_monthly": Decimal("36"),
    }


def test_the_editable_fields_of_a_pricing_line_and_a_kpi_are_one_list():
    """rfp.services lists them once; the page's forms and the API's serializers follow."""
    for fields, form, serializer in (
        (services.PRICING_FIELDS, PricingLineForm, s.RFPPricingLineInputSerializer),
        (services.SERVICE_LEVEL_FIELDS, ServiceLevelForm, s.RFPServiceLevelInputSerializer),
    ):
        common = set(RFPEditForm.base_fields) | {"lot"}  # version, addendum summary...
        assert [f for f in form.base_fields if f not in common] == list(fields)
        assert set(serializer().fields) - {"lot", "version", "addendum_summary"} == set(fields)
