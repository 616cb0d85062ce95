"""Reads about proposals, and the one rule for who sees what of them.

The seal, in one place:

* `envelope_state(rfp)` says which envelopes are open, whoever asks: the
  technical envelope (everything but prices) opens at the submission deadline
  (never for a cancelled RFP); the commercial envelope (prices, TCO) opens with
  it on a one-envelope RFP, or when `commercial_envelope_open` opens it on a
  two-envelope RFP, which it does only once the technical evaluation is final
  (scoring's rule, registered with `services.technical_evaluation_check_register`).
* `proposal_access(user, rfp)` adds who the user is: buyers of the RFP's
  organization see what the envelopes allow, vendors see only their own
  proposal, in full; everyone else sees nothing.
* `proposals_visible_to(user)` is the row rule: buyers see their
  organization's submitted or withdrawn proposals (never drafts, and before
  the deadline only the vendor and the time), vendors their own.

Buyers never read the working copy: they read the last submitted version
(`SubmittedProposal`), filtered by `content.content_for_envelopes`. Pages,
API, admin, reports and scoring all go through these functions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from bpo_portal.errors import ConflictError, NotFoundError
from bpo_portal.money import currency_decimals
from bpo_portal.permissions import (
    Capability,
    buyer_can,
    buyer_membership,
    vendor_membership,
)
from proposals.content import (
    SubmittedContent,
    read_content,
)
from proposals.models import (
    Envelope,
    EnvelopeOpening,
    ExchangeRate,
    Proposal,
    ProposalAttachment,
    ProposalLot,
    ProposalStatus,
    ProposalVersion,
    ProposedCentre,
)
from rfp import pricing
from rfp.models import (
    RFP,
    Lot,
    PricingLine,
    Question,
    QuestionKind,
    QuestionSection,
    RFPStatus,
    ServiceLevel,
)
from rfp.tasklist import StatusDisplay, step_status
from vendors.models import Certification, DeliveryCentre

ZERO = Decimal("0")
HUNDRED = Decimal("100")


class ProposalsSealedError(ConflictError):
    """Asked for proposal content that an envelope still hides."""


# --- The seal -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Envelopes:
    two_envelopes: bool
    deadline: dt.datetime | None
    technical_open: bool
    commercial_open: bool
    technical_opened_at: dt.datetime | None = None
    technical_recorded: bool = False
    commercial_opened_at: dt.datetime | None = None
    commercial_opened_by: str = ""

    @property
    def sealed(self) -> bool:
        return not self.technical_open


def _openings(rfp: RFP) -> dict[str, EnvelopeOpening]:
    cached = getattr(rfp, "_prefetched_objects_cache", {}).get("envelope_openings")
    rows = (
        cached
        if cached is not None
        else EnvelopeOpening.objects.filter(rfp=rfp).select_related("opened_by")
    )
    return {opening.envelope: opening for opening in rows}


def envelope_state(rfp: RFP, *, now: dt.datetime | None = None) -> Envelopes:
    """Which envelopes of the RFP's proposals are open, whoever asks."""
    openings = _openings(rfp)
    technical = openings.get(Envelope.TECHNICAL)
    commercial = openings.get(Envelope.COMMERCIAL)
    # A recorded opening stands; otherwise the seal lifts at the latest deadline ever
    # published (RFP.seal_lifted), never at an earlier one.
    technical_open = technical is not None or rfp.seal_lifted(now)
    commercial_open = technical_open and (not rfp.two_envelopes or commercial is not None)
    return Envelopes(
        two_envelopes=rfp.two_envelopes,
        deadline=rfp.seal_lifts_at,
        technical_open=technical_open,
        commercial_open=commercial_open,
        technical_opened_at=technical.opened_at
        if technical
        else (rfp.seal_lifts_at if technical_open else None),
        technical_recorded=technical is not None,
        commercial_opened_at=commercial.opened_at
        if commercial
        else (technical.opened_at if technical and commercial_open else None),
        commercial_opened_by=str(commercial.opened_by)
        if commercial and commercial.opened_by
        else "",
    )


@dataclass(frozen=True)
class ProposalAccess:
    side: str  # "buyer", "vendor" or "none"
    company_id: int | None
    envelopes: Envelopes
    can_manage: bool = False  # open the commercial envelope, override compliance

    @property
    def is_buyer(self) -> bool:
        return self.side == "buyer"

    @property
    def is_vendor(self) -> bool:
        return self.side == "vendor"

    @property
    def technical_visible(self) -> bool:
        return self.is_vendor or (self.is_buyer and self.envelopes.technical_open)

    @property
    def commercial_visible(self) -> bool:
        return self.is_vendor or (self.is_buyer and self.envelopes.commercial_open)


def proposal_access(user: Any, rfp: RFP, *, now: dt.datetime | None = None) -> ProposalAccess:
    """What this user may see of this RFP's proposals."""
    envelopes = envelope_state(rfp, now=now)
    membership = buyer_membership(user)
    if (
        membership is not None
        and membership.organization_id == rfp.organization_id
        and buyer_can(user, Capability.READ_PROPOSALS)
    ):
        return ProposalAccess(
            side="buyer",
            company_id=None,
            envelopes=envelopes,
            can_manage=buyer_can(user, Capability.MANAGE_EVALUATION),
        )
    vendor = vendor_membership(user)
    if vendor is not None:
        return ProposalAccess(side="vendor", company_id=vendor.company_id, envelopes=envelopes)
    return ProposalAccess(side="none", company_id=None, envelopes=envelopes)


BUYER_VISIBLE_STATUSES = (ProposalStatus.SUBMITTED, ProposalStatus.WITHDRAWN)


def proposals_visible_to(user: Any) -> QuerySet[Proposal]:
    """The row rule for every door: which proposals exist for this user."""
    membership = buyer_membership(user)
    if membership is not None:
        if not buyer_can(user, Capability.READ_PROPOSALS):
            return Proposal.objects.none()
        return Proposal.objects.filter(
            rfp__organization_id=membership.organization_id,
            rfp__is_template=False,
            status__in=BUYER_VISIBLE_STATUSES,
        )
    vendor = vendor_membership(user)
    if vendor is not None:
        return Proposal.objects.filter(company_id=vendor.company_id)
    return Proposal.objects.none()


def proposal_visible_to(user: Any, pk: int) -> Proposal:
    proposal = (
        proposals_visible_to(user)
        .select_related("rfp", "rfp__organization", "company", "submitted_version")
        .filter(pk=pk)
        .first()
    )
    if proposal is None:
        raise NotFoundError("Proposal not found.")
    return proposal


# --- Exchange rates -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RateQuote:
    base: str
    quote: str
    rate: Decimal
    as_of: dt.date
    source: str

    def as_content(self) -> dict[str, str]:
        return {
            "base": self.base,
            "quote": self.quote,
            "rate": f"{self.rate.normalize():f}",
            "as_of": self.as_of.isoformat(),
            "source": self.source,
        }


RATE_PLACES = Decimal("1e-10")


def exchange_rate_for(*, base: str, quote: str, on: dt.date | None = None) -> RateQuote | None:
    """The latest stored rate converting `base` into `quote` on or before `on`
    (the inverse of a stored quote->base rate if that is newer)."""
    on = on or timezone.now().date()
    direct = ExchangeRate.objects.filter(base=base, quote=quote, as_of__lte=on).first()
    inverse = ExchangeRate.objects.filter(base=quote, quote=base, as_of__lte=on).first()
    if direct is not None and (inverse is None or direct.as_of >= inverse.as_of):
        return RateQuote(base, quote, direct.rate, direct.as_of, direct.source)
    if inverse is not None:
        rate = (Decimal(1) / inverse.rate).quantize(RATE_PLACES)
        return RateQuote(base, quote, rate, inverse.as_of, f"{inverse.source} (inverse)")
    return None


def currency_options(rfp: RFP, *, on: dt.date | None = None) -> list[str]:
    """The RFP's currency, and if the buyer allows it every currency with a
    stored rate into it."""
    if not rfp.allow_vendor_currency:
        return [rfp.currency]
    on = on or timezone.now().date()
    others = set(
        ExchangeRate.objects.filter(quote=rfp.currency, as_of__lte=on).values_list(
            "base", flat=True
        )
    ) | set(
        ExchangeRate.objects.filter(base=rfp.currency, as_of__lte=on).values_list(
            "quote", flat=True
        )
    )
    return [rfp.currency, *sorted(others - {rfp.currency})]


# --- The working copy (vendors) -----------------------------------------------------------------


RFP_CONTENT_PREFETCH: tuple[Any, ...] = (
    "required_languages",
    "required_certifications",
    Prefetch(
        "lots",
        queryset=Lot.objects.prefetch_related(
            Prefetch("pricing_lines", queryset=PricingLine.objects.order_by("order", "id")),
            Prefetch("service_levels", queryset=ServiceLevel.objects.order_by("order", "id")),
        ),
    ),
    Prefetch(
        "sections",
        queryset=QuestionSection.objects.prefetch_related(
            Prefetch("questions", queryset=Question.objects.order_by("order", "id"))
        ),
    ),
    Prefetch("envelope_openings", queryset=EnvelopeOpening.objects.select_related("opened_by")),
)


def rfp_for_proposals(rfp_id: int) -> RFP:
    """An RFP with what proposals are read against: lots, pricing lines, KPIs,
    the questionnaire, required languages and certifications, the openings.
    A fixed number of queries."""
    return (
        RFP.objects.select_related("organization")
        .prefetch_related(*RFP_CONTENT_PREFETCH)
        .get(pk=rfp_id)
    )


def _with_content(rfp: RFP) -> RFP:
    cache = getattr(rfp, "_prefetched_objects_cache", {})
    if "lots" in cache and "sections" in cache and "required_languages" in cache:
        return rfp
    return rfp_for_proposals(rfp.pk)


def proposal_working_copy(pk: int) -> Proposal:
    """A proposal with everything the editor, the checklist and the snapshot read,
    and its RFP with its content (lots, pricing lines, KPIs, questionnaire)."""
    proposal = (
        Proposal.objects.select_related(
            "company", "updated_by", "submitted_version", "submitted_version__submitted_by"
        )
        .prefetch_related(
            "answers",
            Prefetch(
                "lots",
                queryset=ProposalLot.objects.select_related("lot").prefetch_related(
                    "prices",
                    "sla_commitments",
                    Prefetch(
                        "centres",
                        queryset=ProposedCentre.objects.select_related(
                            "delivery_centre"
                        ).prefetch_related("delivery_centre__languages"),
                    ),
                ),
            ),
            Prefetch(
                "attachments",
                queryset=ProposalAttachment.objects.filter(removed_at__isnull=True).select_related(
                    "uploaded_by"
                ),
            ),
            Prefetch(
                "company__certifications",
                queryset=Certification.objects.select_related("certification_type"),
            ),
            Prefetch(
                "company__delivery_centres",
                queryset=DeliveryCentre.objects.prefetch_related("languages").order_by(
                    "country", "city"
                ),
            ),
        )
        .get(pk=pk)
    )
    proposal.rfp = rfp_for_proposals(proposal.rfp_id)
    return proposal


def vendor_proposal(user: Any, pk: int) -> Proposal:
    """The user's company's proposal, with its working copy; 404 for anyone else's."""
    vendor = vendor_membership(user)
    if vendor is None or not Proposal.objects.filter(pk=pk, company_id=vendor.company_id).exists():
        raise NotFoundError("Proposal not found.")
    return proposal_working_copy(pk)


def vendor_proposal_for_rfp(user: Any, rfp: RFP) -> Proposal | None:
    vendor = vendor_membership(user)
    if vendor is None:
        return None
    return (
        Proposal.objects.filter(rfp=rfp, company_id=vendor.company_id)
        .select_related("submitted_version")
        .first()
    )


def proposal_versions(proposal: Proposal) -> list[ProposalVersion]:
    return list(
        ProposalVersion.objects.filter(proposal=proposal)
        .select_related("submitted_by")
        .defer("content")
        .order_by("-number")
    )


def lots_by_id(rfp: RFP) -> dict[int, Lot]:
    return {lot.pk: lot for lot in rfp.lots.all()}


def questions_of(rfp: RFP) -> list[Question]:
    return [question for section in rfp.sections.all() for question in section.questions.all()]


def staffing_months(lot: Lot) -> int:
    """Months of the staffing plan: the lot's ramp-up (at least one month)."""
    return max(lot.ramp_up_months or 0, 1)


# --- The checklist ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    part: str  # "settings", "questionnaire", "pricing:<lot id>", "slas:...", "centres:...",
    # "staffing:..."
    field: str  # the service's field key, e.g. "prices.12"
    message: str
    missing: bool = True  # False: something is wrong, not merely not done yet


def price_decimals_problem(amount: Decimal, currency: str) -> str | None:
    places = currency_decimals(currency)
    if amount != amount.quantize(Decimal(1).scaleb(-places)):
        if places == 0:
            return f"{currency} has no minor unit: give a whole number."
        return f"{currency} has {places} decimal places: round {amount.normalize():f} to {places}."
    return None


def stored_answer_problem(question: Question, value: Any) -> str | None:
    """A stored answer the question no longer accepts (an addendum changed its choices)."""
    if question.kind == QuestionKind.SINGLE_CHOICE and value not in question.choices:
        return "The buyer changed the choices of this question: choose again."
    if question.kind == QuestionKind.MULTIPLE_CHOICE and any(
        item not in question.choices for item in value
    ):
        return "The buyer changed the choices of this question: choose again."
    return None


def is_blank_answer(value: Any) -> bool:
    return value is None or value == "" or value == []


def proposal_problems(proposal: Proposal) -> list[Problem]:
    """Everything that stops the working copy from being submitted. Reads the
    prefetched working copy (see `proposal_working_copy`)."""
    rfp = proposal.rfp
    lots = lots_by_id(rfp)
    parts = [part for part in proposal.lots.all() if part.lot_id in lots]
    problems: list[Problem] = []
    if not parts:
        problems.append(Problem("settings", "lots", "Choose at least one lot to bid on."))
    if proposal.currency != rfp.currency:
        if not rfp.allow_vendor_currency:
            problems.append(
                Problem(
                    "settings",
                    "currency",
                    f"The buyer asks for prices in {rfp.currency}: change the currency.",
                    missing=False,
                )
            )
        elif exchange_rate_for(base=proposal.currency, quote=rfp.currency) is None:
            problems.append(
                Problem(
                    "settings",
                    "currency",
                    f"No exchange rate from {proposal.currency} to {rfp.currency} is stored: "
                    f"price in {rfp.currency}, or ask the buyer.",
                    missing=False,
                )
            )
    answers = {answer.question_id: answer.value for answer in proposal.answers.all()}
    for question in questions_of(rfp):
        value = answers.get(question.pk)
        key = f"answers.{question.pk}"
        if is_blank_answer(value):
            if question.mandatory:
                problems.append(Problem("questionnaire", key, f"Answer “{_short(question.text)}”."))
            continue
        error = stored_answer_problem(question, value)
        if error:
            problems.append(
                Problem("questionnaire", key, f"“{_short(question.text)}”: {error}", missing=False)
            )
    for part in parts:
        problems.extend(_lot_problems(proposal, part, lots[part.lot_id]))
    return problems


def _short(text: str, length: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def _lot_problems(proposal: Proposal, part: ProposalLot, lot: Lot) -> list[Problem]:
    problems: list[Problem] = []
    where = f"Lot “{lot.name}”"
    prices = {price.pricing_line_id: price for price in part.prices.all()}
    for line in lot.pricing_lines.all():
        price = prices.get(line.pk)
        key = f"prices.{line.pk}"
        if price is None:
            problems.append(
                Problem(f"pricing:{lot.pk}", key, f"{where}: price “{_short(line.description)}”.")
            )
            continue
        error = price_decimals_problem(price.unit_price, proposal.currency)
        if error:
            problems.append(
                Problem(
                    f"pricing:{lot.pk}",
                    key,
                    f"{where}, “{_short(line.description)}”: {error}",
                    missing=False,
                )
            )
    commitments = {c.service_level_id: c for c in part.sla_commitments.all()}
    for level in lot.service_levels.all():
        if level.pk not in commitments:
            problems.append(
                Problem(
                    f"slas:{lot.pk}",
                    f"slas.{level.pk}.accepts_target",
                    f"{where}: accept the target for “{_short(level.name)}” or propose another.",
                )
            )
    centres = list(part.centres.all())
    if not centres:
        problems.append(
            Problem(
                f"centres:{lot.pk}",
                "centres",
                f"{where}: choose at least one delivery centre and its share of the volume.",
            )
        )
    else:
        total = sum((c.share for c in centres), ZERO)
        if total != HUNDRED:
            problems.append(
                Problem(
                    f"centres:{lot.pk}",
                    "centres",
                    f"{where}: the delivery centres' shares add up to {total.normalize():f} %; "
                    "they must add up to exactly 100 %.",
                    missing=total < HUNDRED,
                )
            )
    months = staffing_months(lot)
    plan = list(part.staffing_plan or [])
    if len(plan) != months or any(n is None for n in plan):
        problems.append(
            Problem(
                f"staffing:{lot.pk}",
                "headcount",
                f"{where}: give the headcount for each of the {months} month"
                f"{'s' if months > 1 else ''} of the ramp-up.",
            )
        )
    return problems


@dataclass
class Task(StatusDisplay):
    key: str
    label: str
    url: str
    status: str  # one of rfp.tasklist.STATUSES
    problems: list[Problem] = field(default_factory=list)
    summary: str = ""


@dataclass
class TaskGroup:
    title: str
    tasks: list[Task]


def proposal_task_list(
    proposal: Proposal, *, problems: list[Problem] | None = None
) -> list[TaskGroup]:
    """The GOV.UK-style task list: each part with its status."""
    rfp = proposal.rfp
    if problems is None:
        problems = proposal_problems(proposal)
    by_part: dict[str, list[Problem]] = {}
    for problem in problems:
        by_part.setdefault(problem.part, []).append(problem)
    lots = lots_by_id(rfp)
    parts = {part.lot_id: part for part in proposal.lots.all() if part.lot_id in lots}
    groups: list[TaskGroup] = []

    general: list[Task] = []
    if len(lots) > 1 or rfp.allow_vendor_currency:
        settings_problems = by_part.get("settings", [])
        general.append(
            Task(
                "settings",
                "Lots and currency",
                reverse("proposal_settings", args=[proposal.pk]),
                step_status(settings_problems, bool(parts)),
                settings_problems,
                f"{len(parts)} of {len(lots)} lot{'s' if len(lots) != 1 else ''} · "
                f"prices in {proposal.currency}",
            )
        )
    questions = questions_of(rfp)
    answered = sum(1 for answer in proposal.answers.all() if not is_blank_answer(answer.value))
    questionnaire_problems = by_part.get("questionnaire", [])
    general.append(
        Task(
            "questionnaire",
            "Questionnaire",
            reverse("proposal_questionnaire", args=[proposal.pk]),
            step_status(questionnaire_problems, answered > 0),
            questionnaire_problems,
            f"{answered} of {len(questions)} answered",
        )
    )
    groups.append(TaskGroup("Your answers", general))

    for lot_id, part in parts.items():
        lot = lots[lot_id]
        tasks = []
        for key, label, started, summary in (
            (
                "pricing",
                "Pricing",
                bool(list(part.prices.all())),
                f"{len(part.prices.all())} of {len(lot.pricing_lines.all())} lines priced",
            ),
            (
                "slas",
                "Service levels",
                bool(list(part.sla_commitments.all())),
                f"{len(part.sla_commitments.all())} of {len(lot.service_levels.all())} answered",
            ),
            (
                "centres",
                "Delivery centres",
                bool(list(part.centres.all())),
                f"{len(part.centres.all())} centre{'s' if len(part.centres.all()) != 1 else ''}",
            ),
            (
                "staffing",
                "Staffing and transition plan",
                any(n is not None for n in part.staffing_plan or []) or bool(part.transition_plan),
                f"{staffing_months(lot)} month ramp-up",
            ),
        ):
            mine = by_part.get(f"{key}:{lot_id}", [])
            if key == "slas" and not list(lot.service_levels.all()):
                continue
            tasks.append(
                Task(
                    f"{key}:{lot_id}",
                    label,
                    reverse(f"proposal_lot_{key}", args=[proposal.pk, lot_id]),
                    step_status(mine, started),
                    mine,
                    summary,
                )
            )
        groups.append(TaskGroup(f"Lot: {lot.name}", tasks))

    attachments = list(proposal.attachments.all())
    groups.append(
        TaskGroup(
            "Supporting documents",
            [
                Task(
                    "attachments",
                    "Attachments",
                    reverse("proposal_attachments", args=[proposal.pk]),
                    step_status([], bool(attachments), optional=True),
                    [],
                    f"{len(attachments)} file{'s' if len(attachments) != 1 else ''}",
                )
            ],
        )
    )
    return groups


def completeness_percent(groups: list[TaskGroup]) -> int:
    tasks = [task for group in groups for task in group.tasks if task.status != "optional"]
    if not tasks:
        return 100
    return round(100 * sum(1 for task in tasks if task.status == "completed") / len(tasks))


def addenda_since_submission(proposal: Proposal) -> list[Any]:
    """Addenda the buyer issued after the vendor's last submission: the vendor
    should review its proposal and submit again to confirm it."""
    from rfp.models import Addendum

    version = proposal.submitted_version
    if version is None or proposal.status != ProposalStatus.SUBMITTED:
        return []
    return list(
        Addendum.objects.filter(rfp_id=proposal.rfp_id, rfp_version__gt=version.rfp_version)
        .filter(created_at__gt=version.submitted_at)
        .order_by("number")
    )


# --- What the buyer reads after opening ---------------------------------------------------------


@dataclass(frozen=True)
class LotCost:
    """A lot's total cost of ownership in the proposal's currency and in the RFP's.
    `rate` is None only in a draft's preview priced in a currency with no stored rate."""

    lot_id: int
    currency: str
    rfp_currency: str
    rate: Decimal | None
    tco: pricing.TotalCostOfOwnership | None
    line_totals: dict[int, pricing.LineTotal]
    missing_lines: list[int]
    error: str = ""

    def convert(self, amount: Decimal) -> Decimal | None:
        if self.rate is None:
            return None
        places = Decimal(1).scaleb(-currency_decimals(self.rfp_currency))
        return (amount * self.rate).quantize(places)

    @property
    def total(self) -> Decimal | None:
        """In the RFP currency: what buyers compare."""
        return self.convert(self.tco.total) if self.tco is not None else None

    @property
    def breakdown(self) -> list[tuple[str, Decimal | None]]:
        if self.tco is None:
            return []
        return [
            ("One-time charges", self.convert(self.tco.one_time)),
            ("Recurring charges over the term", self.convert(self.tco.recurring)),
            ("Per-user charges over the term", self.convert(self.tco.per_user)),
            ("Per-device charges over the term", self.convert(self.tco.per_device)),
        ]

    @property
    def monthly_run_rate(self) -> Decimal | None:
        return self.convert(self.tco.monthly_run_rate) if self.tco is not None else None

    @property
    def converted(self) -> bool:
        return self.currency != self.rfp_currency


@dataclass
class SubmittedProposal:
    """A proposal as the buyer may read it: its last submitted version, through
    the envelopes. `costs` is None while the commercial envelope is closed."""

    proposal: Proposal
    version: ProposalVersion
    content: SubmittedContent
    costs: dict[int, LotCost] | None

    @property
    def company(self) -> Any:
        return self.proposal.company

    @property
    def name(self) -> str:
        """The vendor's name as it was when it submitted: a company renamed after the
        deadline does not change what closed RFPs' results and reports say."""
        return self.content.vendor_name or str(self.proposal.company.display_name)

    @property
    def compliance(self) -> str:
        return self.proposal.effective_compliance


def lot_cost(lot: Lot, submitted: SubmittedContent) -> LotCost | None:
    """The TCO of one lot of a submitted proposal, with rfp.pricing's arithmetic."""
    part = submitted.lots.get(lot.pk)
    if part is None or part.prices is None or submitted.currency is None:
        return None
    rate: Decimal | None = None
    if submitted.exchange_rate is not None:
        rate = submitted.exchange_rate.rate
    elif submitted.currency == submitted.rfp_currency:
        rate = Decimal(1)
    priced: list[pricing.PricedLine] = []
    missing: list[int] = []
    for line in lot.pricing_lines.all():
        price = part.prices.get(line.pk)
        if price is None:
            missing.append(line.pk)
            continue
        priced.append(
            pricing.PricedLine(
                key=str(line.pk),
                recurrence=line.recurrence,
                volume_basis=line.volume_basis,
                unit_price=price.unit_price,
                fixed_quantity=line.fixed_quantity,
            )
        )
    from rfp.selectors import lot_volumes

    try:
        tco = pricing.total_cost_of_ownership(priced, lot_volumes(lot))
    except pricing.PricingError as exc:
        return LotCost(
            lot.pk, submitted.currency, submitted.rfp_currency, rate, None, {}, missing, str(exc)
        )
    return LotCost(
        lot_id=lot.pk,
        currency=submitted.currency,
        rfp_currency=submitted.rfp_currency,
        rate=rate,
        tco=tco,
        line_totals={int(total.key): total for total in tco.lines},
        missing_lines=missing,
    )


def _submitted(
    proposals: Iterable[Proposal], rfp: RFP, *, commercial_open: bool
) -> list[SubmittedProposal]:
    lots = list(rfp.lots.all())
    out = []
    for proposal in proposals:
        version = proposal.submitted_version
        if version is None:
            continue
        content = read_content(version.content, commercial_open=commercial_open)
        costs = None
        if commercial_open:
            costs = {}
            for lot in lots:
                cost = lot_cost(lot, content)
                if cost is not None:
                    costs[lot.pk] = cost
        out.append(SubmittedProposal(proposal, version, content, costs))
    return out


def _counting_proposals(rfp: RFP) -> QuerySet[Proposal]:
    return (
        Proposal.objects.filter(
            rfp=rfp, status=ProposalStatus.SUBMITTED, submitted_version__isnull=False
        )
        .select_related("company", "submitted_version", "compliance_overridden_by")
        .order_by("company__legal_name", "id")
    )


def proposals_for_evaluation(
    *, rfp: RFP, now: dt.datetime | None = None
) -> list[SubmittedProposal]:
    """The proposals that count (submitted, not withdrawn), as submitted, for
    scoring and reports. Raises ProposalsSealedError before the technical
    envelope opens; prices and costs are None until the commercial one opens.
    The caller checks that its user may see the RFP (rfps_visible_to)."""
    content_rfp = _with_content(rfp)
    envelopes = envelope_state(content_rfp, now=now)
    if not envelopes.technical_open:
        raise ProposalsSealedError(_sealed_message(rfp))
    return _submitted(
        _counting_proposals(rfp), content_rfp, commercial_open=envelopes.commercial_open
    )


def proposal_costs_for_evaluation(
    *, rfp: RFP, now: dt.datetime | None = None
) -> dict[int, dict[int, LotCost]]:
    """proposal id -> lot id -> cost, for the cost criterion. Raises
    ProposalsSealedError until the commercial envelope is open."""
    envelopes = envelope_state(rfp, now=now)
    if not envelopes.commercial_open:
        raise ProposalsSealedError(
            "The commercial envelope is still closed: prices are opened when the technical "
            "evaluation is finalised."
            if envelopes.technical_open
            else _sealed_message(rfp)
        )
    return {
        item.proposal.pk: item.costs or {} for item in proposals_for_evaluation(rfp=rfp, now=now)
    }


def _sealed_message(rfp: RFP) -> str:
    deadline = rfp.seal_lifts_at
    if rfp.status == RFPStatus.CANCELLED:
        return "This RFP was cancelled: its proposals stay sealed."
    when = f" on {timezone.localtime(deadline):%d %b %Y at %H:%M %Z}" if deadline else ""
    return f"Proposals are sealed until the submission deadline{when}."


@dataclass(frozen=True)
class BuyerRow:
    """A line of the buyer's list: always the vendor and the time; the rest
    only once the envelopes allow it."""

    proposal: Proposal
    submitted: SubmittedProposal | None


def buyer_proposal_rows(rfp: RFP, access: ProposalAccess) -> tuple[list[BuyerRow], list[Lot]]:
    """The buyer's list of an RFP's proposals. Before the deadline nothing but
    the vendor, the status and the time is even read from the database."""
    assert access.is_buyer
    proposals = Proposal.objects.filter(rfp=rfp, status__in=BUYER_VISIBLE_STATUSES).order_by(
        "company__legal_name", "id"
    )
    if not access.technical_visible:
        rows = proposals.select_related("company").only(
            "id",
            "rfp_id",
            "status",
            "submitted_at",
            "withdrawn_at",
            "company__legal_name",
            "company__trading_name",
        )
        return [BuyerRow(proposal, None) for proposal in rows], []
    content_rfp = _with_content(rfp)
    rows_qs = list(
        proposals.select_related("company", "submitted_version", "compliance_overridden_by")
    )
    counting = [p for p in rows_qs if p.status == ProposalStatus.SUBMITTED]
    submitted = {
        item.proposal.pk: item
        for item in _submitted(counting, content_rfp, commercial_open=access.commercial_visible)
    }
    return [BuyerRow(p, submitted.get(p.pk)) for p in rows_qs], list(content_rfp.lots.all())


def opened_proposal(
    user: Any, pk: int
) -> tuple[Proposal, ProposalAccess, SubmittedProposal | None]:
    """One proposal for a buyer: its submitted version if the envelopes allow it."""
    proposal = proposal_visible_to(user, pk)
    access = proposal_access(user, proposal.rfp)
    if not access.is_buyer:
        raise NotFoundError("Proposal not found.")
    if not access.technical_visible or not proposal.counts:
        return proposal, access, None
    content_rfp = rfp_for_proposals(proposal.rfp_id)
    proposal.rfp = content_rfp
    items = _submitted([proposal], content_rfp, commercial_open=access.commercial_visible)
    return proposal, access, items[0] if items else None


# --- Side by side -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerCell:
    proposal_id: int
    value: Any
    display: str
    fails_knockout: bool = False
    attachment: Any = None


@dataclass(frozen=True)
class AnswerRow:
    question: Question
    section_title: str
    cells: list[AnswerCell]


def display_answer(question: Question, value: Any) -> str:
    if is_blank_answer(value):
        return ""
    if question.kind == QuestionKind.YES_NO:
        return {"yes": "Yes", "no": "No"}.get(str(value), str(value))
    if question.kind == QuestionKind.MULTIPLE_CHOICE:
        return ", ".join(str(item) for item in value)
    if question.kind == QuestionKind.NUMBER:
        return f"{Decimal(str(value)):,f}" if value not in (None, "") else ""
    return str(value)


def fails_knockout(question: Question, value: Any) -> bool:
    return bool(question.is_knockout) and value != question.knockout_answer


def answers_side_by_side(rfp: RFP, proposals: list[SubmittedProposal]) -> list[AnswerRow]:
    """Every question, one cell per proposal. `rfp` has its content prefetched."""
    rows = []
    for section in rfp.sections.all():
        for question in section.questions.all():
            cells = []
            for item in proposals:
                value = item.content.answers.get(question.pk)
                attachment = None
                if question.kind == QuestionKind.FILE and value is not None:
                    attachment = next((a for a in item.content.attachments if a.id == value), None)
                cells.append(
                    AnswerCell(
                        proposal_id=item.proposal.pk,
                        value=value,
                        display=attachment.name if attachment else display_answer(question, value),
                        fails_knockout=fails_knockout(question, value),
                        attachment=attachment,
                    )
                )
            rows.append(AnswerRow(question, section.title, cells))
    return rows


@dataclass(frozen=True)
class PriceCell:
    amount: Decimal | None  # in the proposal's currency
    currency: str
    converted: Decimal | None  # in the RFP's currency
    comment: str = ""
    is_lowest: bool = False


@dataclass(frozen=True)
class PriceRow:
    line: Any
    cells: list[PriceCell]


@dataclass(frozen=True)
class CostCell:
    cost: LotCost | None
    is_lowest: bool = False


@dataclass(frozen=True)
class LotPrices:
    lot: Lot
    rows: list[PriceRow]
    costs: list[CostCell]
    breakdown: list[tuple[str, list[Decimal | None]]]


def _mark_lowest(values: list[Decimal | None]) -> list[bool]:
    present = [v for v in values if v is not None]
    lowest = min(present) if present else None
    return [v is not None and v == lowest for v in values]


def prices_side_by_side(rfp: RFP, proposals: list[SubmittedProposal]) -> list[LotPrices]:
    """Per lot, every pricing line with each proposal's unit price (the lowest,
    compared in the RFP currency, marked), then the TCO per proposal."""
    tables = []
    for lot in rfp.lots.all():
        rows = []
        for line in lot.pricing_lines.all():
            raw: list[PriceCell] = []
            for item in proposals:
                part = item.content.lots.get(lot.pk)
                price = part.prices.get(line.pk) if part and part.prices is not None else None
                cost = (item.costs or {}).get(lot.pk)
                if price is None or cost is None:
                    raw.append(PriceCell(None, item.content.currency or "", None))
                    continue
                raw.append(
                    PriceCell(
                        price.unit_price,
                        cost.currency,
                        cost.convert(price.unit_price) if cost.converted else price.unit_price,
                        price.comment,
                    )
                )
            lowest = _mark_lowest([cell.converted for cell in raw])
            rows.append(
                PriceRow(
                    line,
                    [
                        PriceCell(c.amount, c.currency, c.converted, c.comment, flag)
                        for c, flag in zip(raw, lowest, strict=True)
                    ],
                )
            )
        costs = [(item.costs or {}).get(lot.pk) for item in proposals]
        lowest_costs = _mark_lowest([c.total if c else None for c in costs])
        labels = [
            "One-time charges",
            "Recurring charges over the term",
            "Per-user charges over the term",
            "Per-device charges over the term",
        ]
        breakdown = [
            (label, values)
            for label in labels
            if any(values := [dict(c.breakdown).get(label) if c and c.tco else None for c in costs])
        ]
        tables.append(
            LotPrices(
                lot,
                rows,
                [CostCell(c, flag) for c, flag in zip(costs, lowest_costs, strict=True)],
                breakdown,
            )
        )
    return tables


# --- Timeline, dashboards -----------------------------------------------------------------------


def envelope_timeline(rfp: RFP) -> list[Any]:
    """The envelope openings as entries of the RFP timeline (rfp.selectors.TimelineEntry)."""
    from rfp.selectors import TimelineEntry

    entries = []
    for opening in EnvelopeOpening.objects.filter(rfp=rfp).select_related("opened_by"):
        entries.append(
            TimelineEntry(
                at=opening.opened_at,
                kind="envelope",
                title=f"{opening.get_envelope_display()} opened",
                actor=str(opening.opened_by) if opening.opened_by else "BPO Portal",
                comment=opening.comment,
                badge="info",
            )
        )
    return entries


def companies_with_submission_ids(rfp: RFP) -> list[int]:
    """Vendors whose proposal counts now (for rfp's reminders and addenda)."""
    return list(
        Proposal.objects.filter(rfp=rfp, status=ProposalStatus.SUBMITTED).values_list(
            "company_id", flat=True
        )
    )


def vendor_dashboard(user: Any) -> dict[str, Any]:
    """The vendor dashboard's proposals panel: open RFPs with the response and
    the proposal's state, drafts with their completeness, submitted proposals
    with their receipts."""
    from rfp.selectors import vendor_dashboard as rfp_vendor_dashboard

    vendor = vendor_membership(user)
    empty: dict[str, Any] = {"open_rfps": [], "drafts": [], "submitted": [], "addenda": 0}
    if vendor is None:
        return empty
    rfp_panel = rfp_vendor_dashboard(user)
    open_rfps = rfp_panel["open_rfps"]
    proposals = {
        proposal.rfp_id: proposal
        for proposal in Proposal.objects.filter(company_id=vendor.company_id)
        .select_related("rfp", "rfp__organization", "submitted_version")
        .defer("submitted_version__content")
    }
    rows = [{"rfp": rfp, "proposal": proposals.get(rfp.pk)} for rfp in open_rfps]
    drafts = []
    for row in rows:
        proposal = row["proposal"]
        if proposal is not None and (
            proposal.status != ProposalStatus.SUBMITTED or proposal.changed_since_submission
        ):
            working = proposal_working_copy(proposal.pk)
            groups = proposal_task_list(working)
            drafts.append(
                {
                    "proposal": working,
                    "rfp": row["rfp"],
                    "percent": completeness_percent(groups),
                }
            )
    submitted = sorted(
        (p for p in proposals.values() if p.submitted_version_id is not None),
        key=lambda p: p.submitted_at or timezone.now(),
        reverse=True,
    )[:10]
    return {
        "open_rfps": rows,
        "drafts": drafts,
        "submitted": submitted,
        "addenda": rfp_panel["addenda_to_acknowledge"],
    }


def buyer_dashboard(user: Any) -> dict[str, Any]:
    """The buyer dashboard's proposals panel: per RFP, how many proposals arrived
    and whether they are still sealed."""
    membership = buyer_membership(user)
    if membership is None:
        return {"rfps": []}
    from django.db.models import Count

    rfps = list(
        RFP.objects.filter(
            organization_id=membership.organization_id,
            is_template=False,
            status__in=[
                RFPStatus.PUBLISHED,
                RFPStatus.CLOSED,
                RFPStatus.UNDER_EVALUATION,
            ],
        )
        .annotate(
            submitted_count=Count("proposals", filter=Q(proposals__status=ProposalStatus.SUBMITTED))
        )
        .prefetch_related("envelope_openings")
        .order_by("submission_deadline")[:10]
    )
    return {"rfps": [(rfp, envelope_state(rfp)) for rfp in rfps]}


# --- What a proposal says, laid out for a page --------------------------------------------------


@dataclass(frozen=True)
class AnswerView:
    question: Question
    value: Any
    display: str
    attachment: Any = None
    fails_knockout: bool = False


def answer_sections(rfp: RFP, content: SubmittedContent) -> list[tuple[str, list[AnswerView]]]:
    """The questionnaire with the proposal's answers, section by section."""
    attachments = {a.id: a for a in content.attachments}
    out = []
    for section in rfp.sections.all():
        rows = []
        for question in section.questions.all():
            value = content.answers.get(question.pk)
            attachment = attachments.get(value) if question.kind == QuestionKind.FILE else None
            rows.append(
                AnswerView(
                    question,
                    value,
                    attachment.name if attachment else display_answer(question, value),
                    attachment,
                    fails_knockout(question, value) and not is_blank_answer(value),
                )
            )
        out.append((section.title, rows))
    return out


@dataclass(frozen=True)
class CentreView:
    centre: Any  # content.SubmittedCentre
    location_model: str = ""
    overlap_hours: float | None = None
    languages: str = ""
    country_name: str = ""


@dataclass(frozen=True)
class LotView:
    lot: Lot
    part: Any  # content.SubmittedLot
    prices: list[tuple[Any, Any, Any]]  # (pricing line, SubmittedPrice | None, LineTotal | None)
    commitments: list[tuple[Any, Any]]  # (service level, SubmittedCommitment | None)
    centres: list[CentreView]
    staffing: list[tuple[int, int | None]]
    cost: LotCost | None


def lot_views(
    rfp: RFP,
    content: SubmittedContent,
    costs: dict[int, LotCost] | None,
    *,
    for_buyer: bool = False,
) -> list[LotView]:
    """Each lot the proposal bids on, with its prices (if visible), SLA answers,
    centres (for a buyer: their location model and business-hours overlap) and
    staffing plan."""
    location_of: Any = None
    overlap_of: Any = None
    organization = rfp.organization
    if for_buyer and organization is not None:
        from vendors.geography import business_hours_overlap
        from vendors.selectors import location_model_for, location_overrides_for

        overrides = location_overrides_for(organization=organization)

        def location_of(country: str) -> str:
            return location_model_for(
                organization=organization, country=country, overrides=overrides
            ).label

        day = timezone.localtime(rfp.submission_deadline or timezone.now()).date()

        def overlap_of(centre: Any) -> float | None:
            try:
                return business_hours_overlap(
                    buyer_tz=str(organization.time_zone),
                    buyer_start=organization.business_hours_start,
                    buyer_end=organization.business_hours_end,
                    centre_tz=centre.time_zone,
                    centre_start=centre.opens_at,
                    centre_end=centre.closes_at,
                    centre_24_7=centre.is_24_7,
                    on_date=day,
                )
            except ValueError:
                return None

    from vendors.geography import country_name
    from vendors.models import Language

    codes = {code for part in content.lots.values() for c in part.centres for code in c.languages}
    names = dict(Language.objects.filter(code__in=codes).values_list("code", "name"))
    views = []
    for lot in rfp.lots.all():
        part = content.lots.get(lot.pk)
        if part is None:
            continue
        cost = (costs or {}).get(lot.pk)
        prices = []
        if part.prices is not None:
            for line in lot.pricing_lines.all():
                total = cost.line_totals.get(line.pk) if cost else None
                prices.append((line, part.prices.get(line.pk), total))
        views.append(
            LotView(
                lot=lot,
                part=part,
                prices=prices,
                commitments=[
                    (level, part.commitments.get(level.pk)) for level in lot.service_levels.all()
                ],
                centres=[
                    CentreView(
                        centre,
                        location_of(centre.country) if location_of else "",
                        overlap_of(centre) if overlap_of else None,
                        ", ".join(names.get(code, code) for code in centre.languages),
                        country_name(centre.country),
                    )
                    for centre in sorted(part.centres, key=lambda c: (-c.share, c.name))
                ],
                staffing=[
                    (
                        month,
                        part.staffing_plan[month - 1] if month <= len(part.staffing_plan) else None,
                    )
                    for month in range(1, staffing_months(lot) + 1)
                ],
                cost=cost,
            )
        )
    return views


def working_content(
    proposal: Proposal,
) -> tuple[SubmittedContent, dict[int, LotCost], RateQuote | None]:
    """The working copy read like a submitted version: for the vendor's own
    preview (check your answers, the running total on the pricing page)."""
    from proposals.content import build_content

    rfp = proposal.rfp
    rate = None
    if proposal.currency != rfp.currency:
        rate = exchange_rate_for(base=proposal.currency, quote=rfp.currency)
    content = read_content(
        build_content(
            proposal,
            exchange_rate=rate.as_content() if rate else None,
            rfp_version=rfp.version,
        ),
        commercial_open=True,
    )
    costs = {}
    for lot in rfp.lots.all():
        if lot.pk in content.lots:
            cost = lot_cost(lot, content)
            if cost is not None:
                costs[lot.pk] = cost
    return content, costs, rate


def vendor_compliance_warnings(proposal: Proposal, content: SubmittedContent) -> list[str]:
    """What would make the vendor's proposal non-compliant, as far as the vendor
    can know: knock-out answers, certifications at the deadline, languages."""
    from proposals.compliance import evaluate_compliance

    return evaluate_compliance(rfp=proposal.rfp, content=content, location_of=None).reasons


_GROUPED = {
    "questionnaire": "{n} required questions are not answered yet.",
    "pricing": "Lot “{lot}”: {n} pricing lines are not priced yet.",
    "slas": "Lot “{lot}”: {n} service levels are not answered yet.",
}


def problem_summary(proposal: Proposal, problems: list[Problem]) -> list[tuple[str, str]]:
    """The check page's error summary: errors one by one, things not done yet
    counted per part, each with the page that fixes it."""
    lots = lots_by_id(proposal.rfp)
    by_part: dict[str, list[Problem]] = {}
    for problem in problems:
        by_part.setdefault(problem.part, []).append(problem)
    out = []
    for part, items in by_part.items():
        kind, _, lot_id = part.partition(":")
        if kind == "settings":
            url = reverse("proposal_settings", args=[proposal.pk])
        elif kind == "questionnaire":
            url = reverse("proposal_questionnaire", args=[proposal.pk])
        else:
            url = reverse(f"proposal_lot_{kind}", args=[proposal.pk, int(lot_id)])
        missing = [p for p in items if p.missing]
        errors = [p for p in items if not p.missing]
        out.extend((p.message, url) for p in errors)
        if len(missing) > 1 and kind in _GROUPED:
            lot = lots.get(int(lot_id)) if lot_id else None
            out.append((_GROUPED[kind].format(n=len(missing), lot=lot.name if lot else ""), url))
        else:
            out.extend((p.message, url) for p in missing)
    return out
