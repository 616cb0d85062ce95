"""The automatic criteria: values computed from what each vendor submitted,
each with the explanation a board member can follow back to the raw inputs.

Every function takes the submitted proposal as `proposals.content` reads it
(never the vendor's working copy) and returns an `AutoValue`: the raw value the
engine normalises (higher is better, except the total cost of ownership, where
lower is better), how it is shown, the formula in words, and one row per input.

* Cost (TCO): `rfp.pricing`'s arithmetic over the contract term with the lot's
  volumes, converted to the RFP currency at the rate recorded with the proposal.
* Location, per proposed delivery centre and weighted by the centre's share of
  the volume: the buyer's preference for its location model (the one
  classification, `vendors.selectors.location_model_for`, with the buyer's
  overrides), the overlap of its hours with the buyer's business hours
  (`vendors.geography.business_hours_overlap`), and the share of the RFP's
  required languages it speaks.
* Compliance: knock-out questions answered as required; required
  certifications held and valid on the deadline.
* SLA commitments: each target accepted scores 100; a proposed value on the
  wrong side of the target loses its relative shortfall; no answer scores 0.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from functools import lru_cache, partial
from typing import Any

from babel.numbers import get_currency_symbol

from bpo_portal.money import currency_decimals
from proposals.content import (
    SubmittedCentre,
    SubmittedCertification,
    SubmittedCommitment,
    SubmittedPrice,
)
from proposals.selectors import LotCost
from rfp.models import (
    FIXED_BASIS,
    VOLUME_FIELDS,
    ChargeType,
    Direction,
    Lot,
    PricingLine,
    Question,
    Recurrence,
    ServiceLevel,
)
from vendors.geography import LocationModel, business_hours_overlap, country_name
from vendors.models import Certification, CertificationType

HUNDRED = Decimal("100")
VOLUME_UNITS = {name: unit for name, _, unit in VOLUME_FIELDS}

# Points (of 100) a centre earns for its location model.
PREFERRED_POINTS = 100.0
ACCEPTED_POINTS = 50.0
NOT_ACCEPTED_POINTS = 0.0


@dataclass(frozen=True)
class ExplanationRow:
    label: str
    detail: str
    value: str


@dataclass(frozen=True)
class AutoValue:
    """`value` is None when it cannot be computed; `problem` then says why."""

    value: float | None
    display: str
    formula: str
    rows: tuple[ExplanationRow, ...] = ()
    problem: str = ""


@lru_cache(maxsize=128)
def _currency_format(currency: str) -> tuple[str, int]:
    return str(get_currency_symbol(currency, locale="en_US")), currency_decimals(currency)


def format_money(amount: Decimal | None, currency: str) -> str:
    """The text of bpo_portal.money.format_money (en_US: "$1,234.50") without Babel's
    pattern parsing on every call: explanations format thousands of amounts."""
    if amount is None:
        return "—"
    symbol, places = _currency_format(currency)
    value = Decimal(amount).quantize(Decimal(1).scaleb(-places), ROUND_HALF_EVEN)
    return f"{symbol}{value:,.{places}f}"


def _points(value: float) -> str:
    return f"{value:.1f} / 100"


def _num(value: Decimal | float) -> str:
    number = Decimal(str(value))
    text = f"{number.normalize():,f}" if number == number.to_integral_value() else f"{number:,.2f}"
    return text


# --- Cost: total cost of ownership ---------------------------------------------------------------


@dataclass(frozen=True)
class TCOLine:
    pricing_line_id: int
    description: str
    charge_type: str
    recurrence: str
    basis: str  # "40 FTEs", "1 (fixed quantity)"
    unit_price: Decimal  # in the bid's currency (TCOBreakdown.bid_currency)
    quantity: Decimal
    months: int
    bid_total: Decimal  # in the bid's currency
    total: Decimal  # in the RFP's currency (TCOBreakdown.currency), like every total


@dataclass(frozen=True)
class TCOBreakdown:
    """Every total is in `currency`, the RFP's; the bid's own prices (unit prices, each
    line's `bid_total`) are in `bid_currency`, converted at `rate` (1 bid currency unit =
    `rate` RFP currency units). A pair read together (`total` and `currency`) is never
    in two currencies."""

    currency: str  # the RFP's: every total below
    bid_currency: str  # the proposal's: unit prices and line bid totals
    rate: Decimal | None
    rate_as_of: dt.date | None
    rate_source: str
    total: Decimal
    one_time: Decimal
    recurring: Decimal
    per_user: Decimal
    per_device: Decimal
    monthly_run_rate: Decimal
    lines: tuple[TCOLine, ...]

    @property
    def converted(self) -> bool:
        return self.bid_currency != self.currency

    @property
    def rate_text(self) -> str:
        """The rate as people write it: "1.1", "20", "0.0543" (never "2E+1")."""
        return f"{self.rate.normalize():f}" if self.rate is not None else ""

    @property
    def parts(self) -> list[tuple[str, Decimal]]:
        return [
            ("One-time charges", self.one_time),
            ("Recurring charges over the term", self.recurring),
            ("Per-user charges over the term", self.per_user),
            ("Per-device charges over the term", self.per_device),
        ]


def _quantity_label(line: PricingLine, quantity: Decimal) -> str:
    if line.volume_basis == FIXED_BASIS:
        return f"{_num(quantity)} (fixed quantity)"
    unit = VOLUME_UNITS.get(line.volume_basis, "")
    return f"{_num(quantity)} {unit}{'' if quantity == 1 else 's'}".strip()


def tco_value(
    lot: Lot,
    cost: LotCost | None,
    prices: Mapping[int, SubmittedPrice] | None,
    *,
    rate_as_of: dt.date | None = None,
    rate_source: str = "",
) -> tuple[AutoValue, TCOBreakdown | None]:
    """The lot's total cost of ownership in the RFP currency (lower is better)."""
    formula = (
        "Sum over the pricing lines of unit price × quantity (the lot volume the line names, "
        "or its fixed quantity), × the contract term in months for monthly lines; converted to "
        "the RFP currency at the exchange rate recorded with the proposal."
    )
    if cost is None:
        return AutoValue(None, "—", formula, problem="No prices for this lot."), None
    if cost.tco is None or cost.rate is None:
        reason = cost.error or "No exchange rate was recorded with the proposal."
        return AutoValue(None, "—", formula, problem=f"Cost cannot be computed: {reason}"), None
    if cost.missing_lines:
        return (
            AutoValue(
                None,
                "—",
                formula,
                problem=f"{len(cost.missing_lines)} pricing line(s) have no price.",
            ),
            None,
        )
    tco = cost.tco

    def convert(amount: Decimal) -> Decimal:
        converted = cost.convert(amount)
        assert converted is not None  # the rate is known
        return converted

    lines_by_id: dict[int, PricingLine] = {line.pk: line for line in lot.pricing_lines.all()}
    lines: list[TCOLine] = []
    for line_id, line_total in cost.line_totals.items():
        line = lines_by_id.get(line_id)
        if line is None:
            continue
        price = (prices or {}).get(line_id)
        lines.append(
            TCOLine(
                pricing_line_id=line_id,
                description=line.description,
                charge_type=str(ChargeType(line.charge_type).label),
                recurrence=str(Recurrence(line.recurrence).label),
                basis=_quantity_label(line, line_total.quantity),
                unit_price=price.unit_price if price else Decimal(0),
                quantity=line_total.quantity,
                months=line_total.months,
                bid_total=line_total.total,
                total=convert(line_total.total),
            )
        )
    order = {line.pk: index for index, line in enumerate(lot.pricing_lines.all())}
    lines.sort(key=lambda item: order.get(item.pricing_line_id, 0))
    breakdown = TCOBreakdown(
        currency=cost.rfp_currency,
        bid_currency=cost.currency,
        rate=cost.rate,
        rate_as_of=rate_as_of,
        rate_source=rate_source,
        total=convert(tco.total),
        one_time=convert(tco.one_time),
        recurring=convert(tco.recurring),
        per_user=convert(tco.per_user),
        per_device=convert(tco.per_device),
        monthly_run_rate=convert(tco.monthly_run_rate),
        lines=tuple(lines),
    )
    rows = [
        ExplanationRow(
            line.description,
            f"{format_money(line.unit_price, cost.currency)} × {line.basis}"
            + (f" × {line.months} months" if line.months else " (one-time)"),
            format_money(line.total, cost.rfp_currency),
        )
        for line in lines
    ]
    if breakdown.converted:
        rows.append(
            ExplanationRow(
                "Exchange rate",
                f"1 {cost.currency} = {cost.rate.normalize():f} {cost.rfp_currency}"
                + (f" ({rate_source}, {rate_as_of:%d %b %Y})" if rate_as_of else ""),
                "",
            )
        )
    total = breakdown.total
    if total <= 0:
        return (
            AutoValue(
                None,
                format_money(total, cost.rfp_currency),
                formula,
                tuple(rows),
                problem="The total cost of ownership is zero: it cannot be compared.",
            ),
            breakdown,
        )
    return (
        AutoValue(float(total), format_money(total, cost.rfp_currency), formula, tuple(rows)),
        breakdown,
    )


# --- Location ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CentreDetail:
    name: str
    city: str
    country: str
    country_name: str
    share: Decimal
    location_model: str
    location_label: str
    accepted: bool
    preferred: bool
    preference_points: float
    hours_label: str
    overlap_hours: float | None
    buyer_hours: float
    overlap_points: float
    languages: tuple[str, ...]
    languages_matched: tuple[str, ...]
    language_points: float


@dataclass
class LocationContext:
    """What the location criteria compare against: the buyer and the RFP."""

    buyer_time_zone: str
    buyer_start: dt.time
    buyer_end: dt.time
    on_date: dt.date
    preferred_model: str
    accepted_models: Mapping[str, bool]
    required_languages: Mapping[str, str]  # code -> name
    language_names: Mapping[str, str]
    classify: Callable[[str], LocationModel]
    _cache: dict[tuple[Any, ...], Any] | None = None

    def cached(self, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        if self._cache is None:
            self._cache = {}
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    @property
    def buyer_hours(self) -> float:
        return float(
            self.cached(
                ("buyer-hours",),
                lambda: business_hours_overlap(
                    buyer_tz=self.buyer_time_zone,
                    buyer_start=self.buyer_start,
                    buyer_end=self.buyer_end,
                    centre_tz=self.buyer_time_zone,
                    centre_start=None,
                    centre_end=None,
                    centre_24_7=True,
                    on_date=self.on_date,
                ),
            )
        )


def preference_points(model: str, context: LocationContext) -> tuple[float, bool, bool]:
    """(points, accepted, preferred) for a location model."""
    accepted = bool(context.accepted_models.get(model, False))
    if not accepted:
        return NOT_ACCEPTED_POINTS, False, False
    if not context.preferred_model or context.preferred_model == model:
        return PREFERRED_POINTS, True, bool(context.preferred_model)
    return ACCEPTED_POINTS, True, False


def _overlap(centre: SubmittedCentre, context: LocationContext) -> float | None:
    def compute() -> float | None:
        try:
            return business_hours_overlap(
                buyer_tz=context.buyer_time_zone,
                buyer_start=context.buyer_start,
                buyer_end=context.buyer_end,
                centre_tz=centre.time_zone,
                centre_start=centre.opens_at,
                centre_end=centre.closes_at,
                centre_24_7=centre.is_24_7,
                on_date=context.on_date,
            )
        except ValueError:
            return None

    key = ("overlap", centre.time_zone, centre.opens_at, centre.closes_at, centre.is_24_7)
    result: float | None = context.cached(key, compute)
    return result


def centre_details(
    centres: Sequence[SubmittedCentre], context: LocationContext
) -> tuple[CentreDetail, ...]:
    out = []
    buyer_hours = context.buyer_hours
    required = context.required_languages
    for centre in sorted(centres, key=lambda c: (-c.share, c.name)):
        model = context.cached(("model", centre.country), partial(context.classify, centre.country))
        points, accepted, preferred = preference_points(str(model), context)
        overlap = _overlap(centre, context)
        overlap_points = (
            min(overlap / buyer_hours, 1.0) * 100.0 if overlap is not None and buyer_hours else 0.0
        )
        matched = tuple(sorted(required[code] for code in centre.languages if code in required))
        language_points = len(matched) / len(required) * 100.0 if required else 100.0
        if centre.is_24_7:
            hours = "24/7"
        elif centre.opens_at and centre.closes_at:
            hours = f"{centre.opens_at:%H:%M}–{centre.closes_at:%H:%M} ({centre.time_zone})"
        else:
            hours = "Hours not given"
        out.append(
            CentreDetail(
                name=centre.name,
                city=centre.city,
                country=centre.country,
                country_name=context.cached(
                    ("country", centre.country), partial(country_name, centre.country)
                ),
                share=centre.share,
                location_model=str(model),
                location_label=LocationModel(model).label,
                accepted=accepted,
                preferred=preferred,
                preference_points=points,
                hours_label=hours,
                overlap_hours=overlap,
                buyer_hours=buyer_hours,
                overlap_points=overlap_points,
                languages=tuple(
                    sorted(context.language_names.get(code, code) for code in centre.languages)
                ),
                languages_matched=matched,
                language_points=language_points,
            )
        )
    return tuple(out)


def _share_weighted(
    centres: Sequence[CentreDetail], points: Callable[[CentreDetail], float]
) -> float | None:
    total_share = sum((c.share for c in centres), Decimal(0))
    if total_share <= 0:
        return None
    return float(sum(Decimal(str(points(c))) * c.share for c in centres) / total_share)


def _share_rows(
    centres: Sequence[CentreDetail],
    detail: Callable[[CentreDetail], str],
    points: Callable[[CentreDetail], float],
) -> tuple[ExplanationRow, ...]:
    return tuple(
        ExplanationRow(
            f"{c.city}, {c.country_name} ({_num(c.share)} % of the volume)",
            detail(c),
            _points(points(c)),
        )
        for c in centres
    )


def _no_centres(formula: str) -> AutoValue:
    return AutoValue(None, "—", formula, problem="No delivery centre is proposed for this lot.")


def location_model_value(centres: Sequence[CentreDetail], context: LocationContext) -> AutoValue:
    preferred = (
        f"the preferred model ({LocationModel(context.preferred_model).label.lower()})"
        if context.preferred_model
        else "any accepted model (no preference is set)"
    )
    formula = (
        f"Per centre: {PREFERRED_POINTS:.0f} points for {preferred}, {ACCEPTED_POINTS:.0f} for "
        f"another model the RFP accepts, {NOT_ACCEPTED_POINTS:.0f} for a model it does not "
        "accept; averaged with each centre's share of the volume as its weight."
    )
    value = _share_weighted(centres, lambda c: c.preference_points)
    if value is None:
        return _no_centres(formula)

    def detail(c: CentreDetail) -> str:
        state = "preferred" if c.preferred else ("accepted" if c.accepted else "not accepted")
        return f"{c.location_label} for the buyer ({state})"

    return AutoValue(
        value, _points(value), formula, _share_rows(centres, detail, lambda c: c.preference_points)
    )


def business_hours_value(centres: Sequence[CentreDetail], context: LocationContext) -> AutoValue:
    formula = (
        f"Per centre: the hours of the buyer's working day ({context.buyer_start:%H:%M}–"
        f"{context.buyer_end:%H:%M}, {context.buyer_time_zone}) during which the centre works, "
        "as a share of the whole working day (daylight-saving time included, on the deadline's "
        "date); averaged with each centre's share of the volume as its weight."
    )
    value = _share_weighted(centres, lambda c: c.overlap_points)
    if value is None:
        return _no_centres(formula)

    def detail(c: CentreDetail) -> str:
        if c.overlap_hours is None:
            return f"{c.hours_label}: unknown time zone"
        return f"{c.hours_label}: {c.overlap_hours:.1f} of {c.buyer_hours:.1f} h"

    return AutoValue(
        value, _points(value), formula, _share_rows(centres, detail, lambda c: c.overlap_points)
    )


def languages_value(centres: Sequence[CentreDetail], context: LocationContext) -> AutoValue:
    required = sorted(context.required_languages.values())
    if required:
        formula = (
            f"Per centre: the share of the required languages ({', '.join(required)}) it "
            "speaks; averaged with each centre's share of the volume as its weight."
        )
    else:
        formula = "The RFP requires no language: every centre scores 100."
    value = _share_weighted(centres, lambda c: c.language_points)
    if value is None:
        return _no_centres(formula)

    def detail(c: CentreDetail) -> str:
        spoken = ", ".join(c.languages) or "no language given"
        if not required:
            return spoken
        return f"speaks {spoken}: {len(c.languages_matched)} of {len(required)} required"

    return AutoValue(
        value, _points(value), formula, _share_rows(centres, detail, lambda c: c.language_points)
    )


# --- Compliance ----------------------------------------------------------------------------------


def _answer_label(value: Any) -> str:
    if value in (None, "", []):
        return "no answer"
    return {"yes": "Yes", "no": "No"}.get(str(value), str(value))


def knockout_value(questions: Sequence[Question], answers: Mapping[int, Any]) -> AutoValue:
    """Share of the knock-out questions answered as required (100 when there are none)."""
    knockouts = [q for q in questions if q.is_knockout]
    formula = "Knock-out questions answered as required, as a share of all knock-out questions."
    if not knockouts:
        return AutoValue(100.0, _points(100.0), "The RFP has no knock-out question: 100.")
    rows = []
    passed = 0
    for question in knockouts:
        value = answers.get(question.pk)
        ok = value == question.knockout_answer
        passed += ok
        rows.append(
            ExplanationRow(
                question.text[:120],
                f"required “{question.knockout_answer_label}”, answered “{_answer_label(value)}”",
                "passed" if ok else "failed",
            )
        )
    value = passed / len(knockouts) * 100.0
    return AutoValue(value, _points(value), formula, tuple(rows))


def certification_value(
    required: Sequence[CertificationType],
    held: Sequence[SubmittedCertification],
    day: dt.date,
) -> AutoValue:
    """Share of the required certifications held and valid on the deadline."""
    if not required:
        return AutoValue(100.0, _points(100.0), "The RFP requires no certification: 100.")
    formula = (
        f"Required certifications held and valid on {day:%d %b %Y} (the submission deadline), "
        "as a share of all required certifications."
    )
    rows = []
    valid_count = 0
    for certification_type in required:
        mine = [c for c in held if c.type_slug == certification_type.slug]
        # The vendor profile's own rule: issued on or before the day, not expired.
        valid = any(
            Certification(issued_on=c.issued_on, expires_on=c.expires_on).is_valid_on(day)
            for c in mine
        )
        valid_count += valid
        if valid:
            detail = "held and valid"
        elif mine:
            detail = "held, but not valid on the deadline"
        else:
            detail = "not held"
        rows.append(ExplanationRow(certification_type.name, detail, "yes" if valid else "no"))
    value = valid_count / len(required) * 100.0
    return AutoValue(value, _points(value), formula, tuple(rows))


def sla_level_points(
    level: ServiceLevel, commitment: SubmittedCommitment | None
) -> tuple[float, str]:
    """Points (0-100) for one service level and the reason in words."""
    if commitment is None:
        return 0.0, "no answer"
    if commitment.accepts_target:
        return 100.0, "target accepted"
    proposed = commitment.proposed_value
    if proposed is None:
        return 0.0, "target not accepted and no value proposed"
    target = level.target
    unit = f" {level.unit}" if level.unit else ""
    higher = level.direction == Direction.HIGHER
    better_or_equal = proposed >= target if higher else proposed <= target
    if better_or_equal:
        return 100.0, f"proposes {_num(proposed)}{unit}: at least as good as the target"
    if target == 0:
        return 0.0, f"proposes {_num(proposed)}{unit} against a target of 0"
    gap = abs(proposed - target) / abs(target)
    points = max(0.0, 1.0 - float(gap)) * 100.0
    side = "below" if higher else "above"
    return (
        points,
        f"proposes {_num(proposed)}{unit}, {float(gap) * 100:.1f} % {side} the target "
        f"{level.target_label}",
    )


def sla_value(
    levels: Sequence[ServiceLevel], commitments: Mapping[int, SubmittedCommitment]
) -> AutoValue:
    """Mean over the lot's service levels of `sla_level_points`."""
    if not levels:
        return AutoValue(100.0, _points(100.0), "The lot has no service-level target: 100.")
    formula = (
        "Per service level: 100 if the target is accepted or bettered; a value on the wrong side "
        "of the target loses its relative shortfall (100 × (1 − |proposed − target| / target), "
        "at least 0); no answer scores 0. The mean over the lot's service levels."
    )
    rows = []
    total = 0.0
    for level in levels:
        points, reason = sla_level_points(level, commitments.get(level.pk))
        total += points
        rows.append(ExplanationRow(f"{level.name} ({level.target_label})", reason, _points(points)))
    value = total / len(levels)
    return AutoValue(value, _points(value), formula, tuple(rows))
