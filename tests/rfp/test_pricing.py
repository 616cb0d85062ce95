"""Total cost of ownership: pure arithmetic, checked against sums worked by hand."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from rfp.pricing import (
    FIXED,
    MONTHLY,
    ONE_TIME,
    LotVolumes,
    PricedLine,
    PricingError,
    line_total,
    total_cost_of_ownership,
    volumes_from_mapping,
)

SUPPORT = LotVolumes(contract_term_months=36, fte_count=D("40"), contacts_per_month=D("55000"))


def test_customer_support_lot_worked_by_hand():
    lines = [
        PricedLine("setup", ONE_TIME, FIXED, D("50000")),  # 50,000
        PricedLine("training", ONE_TIME, "fte_count", D("1200")),  # 40 x 1,200 = 48,000
        PricedLine("agents", MONTHLY, "fte_count", D("3100")),  # 3,100 x 40 x 36 = 4,464,000
        PricedLine("overflow", MONTHLY, "contacts_per_month", D("0.85")),  # 0.85 x 55,000 x 36
        PricedLine("management", MONTHLY, FIXED, D("8000")),  # 8,000 x 36 = 288,000
    ]
    tco = total_cost_of_ownership(lines, SUPPORT)
    assert [line.total for line in tco.lines] == [
        D("50000"),
        D("48000"),
        D("4464000"),
        D("1683000.00"),
        D("288000"),
    ]
    assert tco.one_time == D("98000")
    assert tco.recurring == D("6435000")
    assert tco.per_user == tco.per_device == D("0")
    assert tco.total == D("6533000")
    assert tco.monthly_run_rate == D("178750")  # 124,000 + 46,750 + 8,000


def test_help_desk_lot_reports_per_user_and_per_device_apart():
    volumes = LotVolumes(contract_term_months=24, users=D("5000"), devices=D("6500"))
    lines = [
        PricedLine("users", MONTHLY, "users", D("4.50")),  # 4.5 x 5,000 x 24 = 540,000
        PricedLine("devices", MONTHLY, "devices", D("1.25")),  # 1.25 x 6,500 x 24 = 195,000
        PricedLine("maintenance", MONTHLY, FIXED, D("2000")),  # 2,000 x 24 = 48,000
        PricedLine("upgrade", ONE_TIME, FIXED, D("15000")),
    ]
    tco = total_cost_of_ownership(lines, volumes)
    assert (tco.one_time, tco.recurring, tco.per_user, tco.per_device) == (
        D("15000"),
        D("48000"),
        D("540000.00"),
        D("195000.00"),
    )
    assert tco.total == D("798000")


def test_decimal_stays_exact():
    volumes = LotVolumes(contract_term_months=3, hours_per_month=D("1"))
    result = line_total(PricedLine("x", MONTHLY, "hours_per_month", D("0.1")), volumes)
    assert result.total == D("0.3")  # not 0.30000000000000004
    assert result.months == 3 and result.quantity == D("1")


def test_fixed_quantity_multiplies_one_time_lines():
    volumes = LotVolumes(contract_term_months=12)
    line = PricedLine("workshops", ONE_TIME, FIXED, D("2500"), fixed_quantity=D("4"))
    assert line_total(line, volumes).total == D("10000")


def test_empty_proposal_costs_nothing():
    tco = total_cost_of_ownership([], SUPPORT)
    assert tco.total == D("0") and tco.lines == []


@pytest.mark.parametrize(
    ("line", "volumes", "message"),
    [
        (PricedLine("x", MONTHLY, "users", D("1")), SUPPORT, "no users"),
        (PricedLine("x", MONTHLY, "fte_count", D("-1")), SUPPORT, "negative"),
        (PricedLine("x", MONTHLY, "elephants", D("1")), SUPPORT, "Unknown volume"),
        (PricedLine("x", "weekly", FIXED, D("1")), SUPPORT, "Unknown recurrence"),
        (
            PricedLine("x", MONTHLY, FIXED, D("1")),
            LotVolumes(contract_term_months=0),
            "at least one month",
        ),
    ],
)
def test_lines_that_cannot_be_priced_say_why(line, volumes, message):
    with pytest.raises(PricingError, match=message):
        line_total(line, volumes)


def test_volumes_from_a_mapping():
    volumes = volumes_from_mapping({"contract_term_months": 24, "users": 10, "devices": None})
    assert volumes == LotVolumes(contract_term_months=24, users=D("10"))
