"""Proposals laid out for pages: selectors read, presenters shape what they read.

The reads and the seal live in `proposals.selectors` (which envelopes are open,
who sees what, the working copy, what a submitted version says and costs); this
module arranges them for the browser: the vendor's task list and its error
summary, the buyer's side-by-side tables, a proposal's answers and lots laid out
for a page, the dashboards' panels. Nothing here decides who may see what: every
function is given, or reads through, what the selectors already allowed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from bpo_portal.permissions import buyer_membership, vendor_membership
from proposals.checklist import Problem, is_blank_answer, proposal_problems
from proposals.content import SubmittedContent, build_content, read_content
from proposals.models import Proposal, ProposalStatus
from proposals.selectors import (
    LotCost,
    RateQuote,
    SubmittedProposal,
    envelope_state,
    exchange_rate_for,
    lot_cost,
    lots_by_id,
    proposal_working_copy,
    questions_of,
    staffing_months,
)
from rfp import selectors as rfp_selectors
from rfp.models import RFP, Lot, Question, QuestionKind, RFPStatus
from rfp.tasklist import StatusDisplay, step_status
from vendors.geography import business_hours_overlap, country_name
from vendors.models import Language
from vendors.selectors import location_model_for, location_overrides_for

# --- The vendor's task list ---------------------------------------------------------------------


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
    out: list[tuple[str, str]] = []
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


# --- Side by side (buyers) ----------------------------------------------------------------------


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
            attachment = (
                attachments.get(value)
                if question.kind == QuestionKind.FILE and value is not None
                else None
            )
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


# --- Dashboards ---------------------------------------------------------------------------------


def vendor_dashboard(user: Any) -> dict[str, Any]:
    """The vendor dashboard's proposals panel: open RFPs with the response and
    the proposal's state, drafts with their completeness, submitted proposals
    with their receipts."""
    vendor = vendor_membership(user)
    empty: dict[str, Any] = {"open_rfps": [], "drafts": [], "submitted": [], "addenda": 0}
    if vendor is None:
        return empty
    rfp_panel = rfp_selectors.vendor_dashboard(user)
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
