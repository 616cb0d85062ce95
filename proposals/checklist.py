"""The checklist: everything that stops a vendor's working copy from being submitted.

`proposal_problems(proposal)` reads the prefetched working copy
(`selectors.proposal_working_copy`) and lists each problem with the part of the
proposal it belongs to and the service's field key. `services.proposal_submit`
refuses a proposal while the list is not empty; the task list and the check page
(`proposals.presenters`) and the API show the same list. What a submitted proposal
must meet to be compliant is another question, answered in `proposals.compliance`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bpo_portal.money import currency_decimals
from proposals.models import Proposal, ProposalLot
from proposals.selectors import exchange_rate_for, lots_by_id, questions_of, staffing_months
from rfp.models import Lot, Question, QuestionKind

ZERO = Decimal("0")
HUNDRED = Decimal("100")


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
