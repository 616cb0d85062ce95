"""Build evaluations through the real services: an RFP from the customer-support
starter, vendors with delivery centres and certifications, proposals filled in
and submitted by the vendors, the deadline passing, and the evaluation."""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.utils import timezone

from accounts.models import User
from proposals import services as proposal_services
from proposals.models import Proposal, ProposalLot
from proposals.services import CommitmentInput
from rfp import selectors as rfp_selectors
from rfp import services as rfp_services
from rfp.models import RFP, QuestionKind
from rfp.starter_templates import load_starter_templates
from scoring import services
from scoring.models import Criterion, Evaluation, Source
from scoring.selectors import evaluator_workload
from scoring.starter_criteria import load_starter_criteria
from tests.conftest import make_user
from tests.helpers import move_deadline_into_the_past
from tests.rfp.conftest import make_ready_rfp, publish, reload
from tests.vendors.factories import pdf_upload
from vendors import services as vendor_services
from vendors.models import CertificationType, Language

# Unit prices per charge type (USD), the starter's five pricing lines.
PRICES_A = {
    "setup": "50000",
    "training": "1200",
    "per_fte": "3000",
    "per_contact": "0.50",
    "fixed_monthly": "8000",
}
PRICES_B = {
    "setup": "30000",
    "training": "900",
    "per_fte": "2600",
    "per_contact": "0.40",
    "fixed_monthly": "6000",
}


@dataclass
class Centre:
    country: str
    city: str
    share: str
    languages: tuple[str, ...] = ("en",)
    opens_at: dt.time | None = dt.time(9)
    closes_at: dt.time | None = dt.time(18)
    is_24_7: bool = False
    time_zone: str | None = None


@dataclass
class Bid:
    prices: Mapping[str, str] = field(default_factory=lambda: dict(PRICES_A))
    # metric -> None (accept the target) or a proposed value
    slas: Mapping[str, str | None] = field(default_factory=dict)
    centres: tuple[Centre, ...] = (Centre("PH", "Makati", "100", is_24_7=True),)
    knockout: str = "yes"
    certifications: tuple[str, ...] = ("iso-iec-27001", "pci-dss")
    currency: str = ""  # price in another currency (the RFP must allow it)


def ensure_reference_data() -> None:
    """The taxonomy, the starter templates and their criteria come from data migrations;
    a transactional test that ran earlier flushed them. The loaders are idempotent."""
    importlib.import_module("vendors.migrations.0002_taxonomy").load(apps, None)
    load_starter_templates(apps)
    load_starter_criteria(apps)


def make_vendor(email: str, legal_name: str, country: str) -> User:
    user = make_user(email, legal_name + " owner")
    vendor_services.vendor_company_create(
        user=user, legal_name=legal_name, headquarters_country=country
    )
    return user


def _certify(user: User, slugs: Iterable[str]) -> None:
    company = user.vendor_membership.company
    held = set(company.certifications.values_list("certification_type__slug", flat=True))
    for slug in slugs:
        if slug in held:
            continue
        vendor_services.certification_save(
            actor=user,
            company=company,
            certification_type=CertificationType.objects.get(slug=slug),
            issued_on=timezone.localdate() - dt.timedelta(days=300),
            expires_on=timezone.localdate() + dt.timedelta(days=400),
            evidence=pdf_upload(),
        )


def make_rfp(
    pm: User,
    admin: User,
    vendors: Iterable[User],
    *,
    two_envelopes: bool = False,
    before_publication: Callable[[User, Evaluation], Any] | None = None,
    **fields: Any,
) -> RFP:
    """A published RFP from the customer-support starter (one lot, five pricing lines,
    five KPIs, a knock-out question; ISO 27001 and PCI DSS required; English), with
    the starter's criteria. `before_publication(pm, evaluation)` changes them while the
    RFP is a draft: they lock when it is published."""
    companies = tuple(v.vendor_membership.company for v in vendors)
    rfp = make_ready_rfp(pm, invite=companies, two_envelopes=two_envelopes, **fields)
    if before_publication is not None:
        before_publication(pm, fresh(Evaluation.objects.get(rfp=rfp)))
    return publish(rfp, admin)


def _answer(kind: str, knockout: str) -> Any:
    if kind == QuestionKind.NUMBER:
        return "350"
    if kind == QuestionKind.MULTIPLE_CHOICE:
        return ["Phone", "Chat"]
    if kind == QuestionKind.SINGLE_CHOICE:
        return None
    if kind == QuestionKind.YES_NO:
        return knockout
    return "We run three programmes of this size for health insurers, in English and Spanish."


def submit(user: User, rfp: RFP, bid: Bid | None = None) -> Proposal:
    """The vendor fills in every part of its proposal and submits it."""
    bid = bid or Bid()
    company = user.vendor_membership.company
    _certify(user, bid.certifications)
    centre_ids = {}
    for centre in bid.centres:
        extra: dict[str, Any] = {}
        if centre.is_24_7:
            extra["is_24_7"] = True
        else:
            extra["opens_at"], extra["closes_at"] = centre.opens_at, centre.closes_at
        if centre.time_zone:
            extra["time_zone"] = centre.time_zone
        saved = vendor_services.delivery_centre_save(
            actor=user,
            company=company,
            country=centre.country,
            city=centre.city,
            seats=200,
            languages=list(Language.objects.filter(code__in=centre.languages)),
            **extra,
        )
        centre_ids[saved.pk] = centre.share
    proposal = proposal_services.proposal_start(actor=user, rfp=rfp)
    if bid.currency:
        proposal = proposal_services.proposal_settings_update(
            actor=user, proposal=proposal, version=proposal.version, currency=bid.currency
        )
    content_rfp = rfp_selectors.rfp_with_content(rfp.pk)
    answers = {}
    for section in content_rfp.sections.all():
        for question in section.questions.all():
            value = _answer(question.kind, bid.knockout if question.is_knockout else "yes")
            if value is not None:
                answers[question.pk] = value
    proposal = proposal_services.proposal_answers_save(
        actor=user, proposal=proposal, version=proposal.answers_version, answers=answers
    )
    for lot in content_rfp.lots.all():
        part = ProposalLot.objects.get(proposal=proposal, lot=lot)
        proposal_services.proposal_prices_save(
            actor=user,
            proposal=proposal,
            lot=lot,
            version=part.pricing_version,
            prices={line.pk: bid.prices[line.charge_type] for line in lot.pricing_lines.all()},
        )
        proposal_services.proposal_slas_save(
            actor=user,
            proposal=proposal,
            lot=lot,
            version=part.slas_version,
            commitments={
                level.pk: CommitmentInput(True)
                if bid.slas.get(level.metric) is None
                else CommitmentInput(False, bid.slas[level.metric], "Our realistic figure.")
                for level in lot.service_levels.all()
            },
        )
        proposal_services.proposal_centres_save(
            actor=user,
            proposal=proposal,
            lot=lot,
            version=part.centres_version,
            shares=centre_ids,
        )
        months = lot.ramp_up_months or 1
        proposal_services.proposal_staffing_save(
            actor=user,
            proposal=proposal,
            lot=lot,
            version=part.staffing_version,
            headcount=[10 * (m + 1) for m in range(months)],
            transition_plan="Knowledge transfer, shadowing, reverse shadowing, go-live.",
        )
    proposal_services.proposal_submit(actor=user, proposal=proposal)
    return Proposal.objects.get(pk=proposal.pk)


def pass_deadline(rfp: RFP) -> RFP:
    """The submission deadline passes: the RFP closes and the proposals open."""
    move_deadline_into_the_past(rfp.pk, seconds=60)
    rfp_services.rfps_close_past_deadline()
    proposal_services.technical_envelope_open(rfp=reload(rfp))
    return reload(rfp)


def leaf(evaluation: Evaluation, name: str) -> Criterion:
    return Criterion.objects.get(evaluation=evaluation, name=name)


def main(evaluation: Evaluation, name: str) -> Criterion:
    return Criterion.objects.get(evaluation=evaluation, name=name, parent__isnull=True)


def evaluator_leaves(evaluation: Evaluation) -> list[Criterion]:
    return list(
        Criterion.objects.filter(evaluation=evaluation, source=Source.EVALUATORS).order_by(
            "parent__order", "order"
        )
    )


def setup_panel(pm: User, evaluation: Evaluation, evaluators: Iterable[User]) -> None:
    """Every evaluator scores Quality and Technology for every lot."""
    for evaluator in evaluators:
        services.assignments_set(
            actor=pm,
            evaluation=evaluation,
            evaluator=evaluator,
            criteria=[main(evaluation, "Quality"), main(evaluation, "Technology")],
        )


def declare_none(evaluator: User, evaluation: Evaluation) -> None:
    companies = Proposal.objects.filter(rfp=evaluation.rfp, status="submitted").values_list(
        "company_id", flat=True
    )
    services.conflicts_declare(
        actor=evaluator,
        evaluation=evaluation,
        declarations={c: services.Declaration(False) for c in companies},
    )


def score_all(
    evaluator: User,
    evaluation: Evaluation,
    scores: Mapping[str, Mapping[str, int]] | None = None,
    default: int = 7,
    submit: bool = True,
) -> None:
    """Score every item: `scores[vendor legal name][criterion name]`, else `default`."""
    evaluation = Evaluation.objects.select_related("rfp").get(pk=evaluation.pk)
    work = evaluator_workload(evaluation=evaluation, user=evaluator)
    for vendor in work.vendors:
        if vendor.conflicted:
            continue
        given = (scores or {}).get(vendor.proposal.company.legal_name, {})
        entries = {}
        for item in vendor.items:
            value = given.get(item.criterion.name, default)
            comment = "Clear evidence in the answers." if value <= 2 or value >= 9 else ""
            entries[(item.criterion.pk, item.lot.pk)] = services.ScoreInput(value, comment)
        services.scores_save(
            actor=evaluator, evaluation=evaluation, proposal=vendor.proposal, scores=entries
        )
    if submit:
        services.scores_submit(actor=evaluator, evaluation=evaluation)


def start(pm: User, evaluation: Evaluation) -> Evaluation:
    evaluation = services.evaluation_start_scoring(actor=pm, evaluation=evaluation)
    return Evaluation.objects.select_related("rfp").get(pk=evaluation.pk)


def fresh(evaluation: Evaluation) -> Evaluation:
    return Evaluation.objects.select_related("rfp__organization").get(pk=evaluation.pk)


def money(value: str) -> Decimal:
    return Decimal(value)


def make_technical_evaluation_final(
    pm: User, rfp: RFP, evaluators: Iterable[User], default: int = 7
) -> Evaluation:
    """A two-envelope RFP's technical evaluation made final through the services, so
    its prices may open: the evaluation (unless it was set up while drafting), the
    panel, scoring started, and every evaluator scores every item alike (nothing
    missing, nothing flagged for discussion)."""
    evaluators = list(evaluators)
    evaluation = Evaluation.objects.filter(rfp=rfp).first() or services.evaluation_setup(
        actor=pm, rfp=rfp
    )
    setup_panel(pm, evaluation, evaluators)
    evaluation = start(pm, fresh(evaluation))
    for person in evaluators:
        declare_none(person, evaluation)
        score_all(person, evaluation, default=default)
    return fresh(evaluation)
