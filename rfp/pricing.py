"""Total cost of ownership of a lot, as pure arithmetic (no Django import).

Every pricing line of an RFP states what it multiplies: a lot volume (FTEs,
hours per month, contacts per month, users...) or a fixed quantity. Given
the lot's volumes and a vendor's price per line, this module computes each
line's total over the contract term and the lot's total cost of ownership,
broken down into one-time, recurring, per-user and per-device charges.
Proposals and scoring call it; the rules live here once.

    one-time line:  price × quantity
    monthly line:   price × quantity × contract term in months

where quantity is the lot volume the line names, or its fixed quantity.
Ramp-up is not discounted: vendors price the steady state, and buyers
compare like with like.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

ONE_TIME = "one_time"
MONTHLY = "monthly"
FIXED = "fixed"
ZERO = Decimal("0")


class PricingError(ValueError):
    """The line cannot be priced against these volumes (the message says why)."""


@dataclass(frozen=True)
class LotVolumes:
    """The buyer's volumes for one lot. None means 'not given'."""

    contract_term_months: int
    fte_count: Decimal | None = None
    seats: Decimal | None = None
    hours_per_month: Decimal | None = None
    transactions_per_month: Decimal | None = None
    contacts_per_month: Decimal | None = None
    users: Decimal | None = None
    devices: Decimal | None = None

    def get(self, basis: str) -> Decimal | None:
        value: Decimal | None = getattr(self, basis, None)
        return value


@dataclass(frozen=True)
class PricedLine:
    """A pricing line with the vendor's unit price."""

    key: str
    recurrence: str  # ONE_TIME or MONTHLY
    volume_basis: str  # FIXED or a LotVolumes field name
    unit_price: Decimal
    fixed_quantity: Decimal = Decimal("1")


@dataclass(frozen=True)
class LineTotal:
    key: str
    quantity: Decimal
    months: int
    total: Decimal


@dataclass(frozen=True)
class TotalCostOfOwnership:
    total: Decimal
    one_time: Decimal
    recurring: Decimal
    per_user: Decimal
    per_device: Decimal
    monthly_run_rate: Decimal
    lines: list[LineTotal] = field(default_factory=list)


def line_quantity(line: PricedLine, volumes: LotVolumes) -> Decimal:
    """How many units the price is multiplied by (per month for monthly lines)."""
    if line.volume_basis == FIXED:
        return line.fixed_quantity
    if line.volume_basis not in VOLUME_BASES:
        raise PricingError(f"Unknown volume '{line.volume_basis}'.")
    value = volumes.get(line.volume_basis)
    if value is None:
        raise PricingError(f"The lot has no {line.volume_basis.replace('_', ' ')}.")
    return value


def line_total(line: PricedLine, volumes: LotVolumes) -> LineTotal:
    """The line's cost over the whole contract term."""
    if line.unit_price < ZERO:
        raise PricingError("A price cannot be negative.")
    if volumes.contract_term_months < 1:
        raise PricingError("The contract term must be at least one month.")
    quantity = line_quantity(line, volumes)
    if quantity < ZERO:
        raise PricingError("A volume cannot be negative.")
    if line.recurrence == ONE_TIME:
        return LineTotal(line.key, quantity, 0, line.unit_price * quantity)
    if line.recurrence == MONTHLY:
        months = volumes.contract_term_months
        return LineTotal(line.key, quantity, months, line.unit_price * quantity * months)
    raise PricingError(f"Unknown recurrence '{line.recurrence}'.")


def total_cost_of_ownership(
    lines: Iterable[PricedLine], volumes: LotVolumes
) -> TotalCostOfOwnership:
    """The lot's TCO over the contract term, with its breakdown.

    Per-user and per-device lines (those multiplied by users or devices) are
    reported on their own; `recurring` holds the other monthly lines.
    """
    one_time = recurring = per_user = per_device = monthly = ZERO
    totals: list[LineTotal] = []
    for line in lines:
        result = line_total(line, volumes)
        totals.append(result)
        if line.recurrence == ONE_TIME:
            one_time += result.total
            continue
        monthly += line.unit_price * result.quantity
        if line.volume_basis == "users":
            per_user += result.total
        elif line.volume_basis == "devices":
            per_device += result.total
        else:
            recurring += result.total
    return TotalCostOfOwnership(
        total=one_time + recurring + per_user + per_device,
        one_time=one_time,
        recurring=recurring,
        per_user=per_user,
        per_device=per_device,
        monthly_run_rate=monthly,
        lines=totals,
    )


VOLUME_BASES = (
    "fte_count",
    "seats",
    "hours_per_month",
    "transactions_per_month",
    "contacts_per_month",
    "users",
    "devices",
)


def volumes_from_mapping(values: Mapping[str, object]) -> LotVolumes:
    """LotVolumes from any object's attributes or a dict (a Lot, a serializer's data)."""

    def get(name: str) -> Decimal | None:
        value = values.get(name)
        return None if value is None else Decimal(str(value))

    term = values.get("contract_term_months")
    return LotVolumes(
        contract_term_months=int(str(term)) if term is not None else 0,
        **{name: get(name) for name in VOLUME_BASES},
    )
