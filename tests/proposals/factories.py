"""Build proposals through the real services, as vendors would."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.utils import timezone

from accounts.models import User
from proposals import selectors, services
from proposals.models import ExchangeRate, Proposal, ProposalVersion
from rfp import services as rfp_services
from rfp.models import RFP, QuestionKind
from rfp.starter_templates import load_starter_templates
from scoring.starter_criteria import load_starter_criteria
from tests.helpers import move_deadline_into_the_past
from tests.vendors.factories import add_centre
from vendors.models import CertificationType, Language, VendorCompany
from vendors.services import certification_save


def company_of(user: User) -> VendorCompany:
    return user.vendor_membership.company


def in_days(days: float) -> dt.datetime:
    return (timezone.now() + dt.timedelta(days=days)).replace(microsecond=0)


def starter(key: str = "customer-support") -> RFP:
    if not RFP.objects.filter(is_template=True, organization__isnull=True).exists():
        load_starter_templates(apps)  # a transactional test flushed the migrations' data
        load_starter_criteria(apps)  # the starters carry their evaluation criteria
    return RFP.objects.get(is_template=True, organization__isnull=True, template_key=key)


def make_rfp(
    pm: User,
    admin: User,
    *,
    invite: tuple[VendorCompany, ...] = (),
    title: str = "Customer support for the patient helpline",
    **fields: Any,
) -> RFP:
    """A published RFP from the customer-support starter, closing in 14 days."""
    rfp = rfp_services.rfp_create_from_template(actor=pm, template=starter(), title=title)
    values = {
        "question_deadline": in_days(7),
        "submission_deadline": in_days(14),
        **fields,
    }
    rfp = rfp_services.rfp_update(actor=pm, rfp=rfp, version=rfp.version, **values)
    for company in invite:
        rfp_services.rfp_invitation_create(actor=pm, rfp=rfp, company=company)
    rfp = RFP.objects.get(pk=rfp.pk)
    # Published the only way there is: the author submits, an admin approves (four eyes).
    rfp = rfp_services.rfp_submit_for_approval(actor=pm, rfp=rfp, version=rfp.version)
    return rfp_services.rfp_approve(actor=admin, rfp=rfp, version=rfp.version)


def equip_vendor(user: User, *, country: str = "PH", languages: tuple[str, ...] = ("en",)) -> Any:
    """A delivery centre and the certifications the customer-support starter requires."""
    company = company_of(user)
    centre = add_centre(user, company, country, "Makati", 300, languages=list(languages))
    for slug in ("iso-iec-27001", "pci-dss"):
        certification_save(
            actor=user,
            company=company,
            certification_type=CertificationType.objects.get(slug=slug),
            issued_on=timezone.localdate() - dt.timedelta(days=100),
            expires_on=timezone.localdate() + dt.timedelta(days=400),
        )
    return centre


def answer_for(question: Any) -> Any:
    if question.kind == QuestionKind.YES_NO:
        return question.knockout_answer or "yes" if question.is_knockout else "yes"
    if question.kind == QuestionKind.NUMBER:
        return "250"
    if question.kind == QuestionKind.SINGLE_CHOICE:
        return question.knockout_answer or question.choices[0]
    if question.kind == QuestionKind.MULTIPLE_CHOICE:
        return question.choices[:2]
    return f"Our answer to: {question.text[:40]}"


def fill(
    user: User,
    rfp: RFP,
    *,
    price: Decimal | str = "10.00",
    answers: dict[int, Any] | None = None,
) -> Proposal:
    """A complete draft: every question answered, every line priced, every
    target accepted, one centre at 100 %, a full staffing plan."""
    proposal = services.proposal_start(actor=user, rfp=rfp)
    working = selectors.proposal_working_copy(proposal.pk)
    questions = selectors.questions_of(working.rfp)
    values = {q.pk: answer_for(q) for q in questions if q.kind != QuestionKind.FILE}
    values.update(answers or {})
    services.proposal_answers_save(
        actor=user, proposal=proposal, version=working.answers_version, answers=values
    )
    centre = company_of(user).delivery_centres.first()
    if centre is None:
        centre = equip_vendor(user)
    for part in working.lots.all():
        lot = part.lot
        services.proposal_prices_save(
            actor=user,
            proposal=proposal,
            lot=lot,
            version=part.pricing_version,
            prices={line.pk: price for line in lot.pricing_lines.all()},
        )
        services.proposal_slas_save(
            actor=user,
            proposal=proposal,
            lot=lot,
            version=part.slas_version,
            commitments={
                level.pk: services.CommitmentInput(accepts_target=True)
                for level in lot.service_levels.all()
            },
        )
        services.proposal_centres_save(
            actor=user,
            proposal=proposal,
            lot=lot,
            version=part.centres_version,
            shares={centre.pk: "100"},
        )
        months = selectors.staffing_months(lot)
        services.proposal_staffing_save(
            actor=user,
            proposal=proposal,
            lot=lot,
            version=part.staffing_version,
            headcount=[10 * (m + 1) for m in range(months)],
            transition_plan="Knowledge transfer, then a two-week parallel run.",
        )
    return Proposal.objects.get(pk=proposal.pk)


def submit(user: User, proposal: Proposal) -> ProposalVersion:
    return services.proposal_submit(actor=user, proposal=proposal)


def pass_deadline(rfp: RFP, *, seconds: int = 1) -> RFP:
    """Move the deadline into the past (test data, as the clock would)."""
    move_deadline_into_the_past(rfp.pk, seconds=seconds)
    return RFP.objects.get(pk=rfp.pk)


def add_rate(base: str, quote: str, rate: str, *, days_ago: int = 1) -> ExchangeRate:
    return ExchangeRate.objects.create(
        base=base,
        quote=quote,
        rate=Decimal(rate),
        as_of=timezone.localdate() - dt.timedelta(days=days_ago),
        source="Test rates",
    )


def spanish() -> Language:
    return Language.objects.get(code="es")
