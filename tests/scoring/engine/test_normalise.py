"""Linear (benefit/cost) and vector normalisation."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

from scoring.engine import (
    EngineInputError,
    normalise_benefit,
    normalise_cost,
    normalise_linear,
    normalise_vector,
)


def test_benefit_best_gets_one() -> None:
    assert normalise_benefit([2, 4, Decimal("8")]) == [0.25, 0.5, 1.0]


def test_benefit_all_zero_gives_zeros() -> None:
    assert normalise_benefit([0, 0, 0]) == [0.0, 0.0, 0.0]


def test_benefit_negative_is_an_error() -> None:
    with pytest.raises(EngineInputError) as info:
        normalise_benefit([1, -2])
    assert info.value.field == "values[1]"


def test_cost_lowest_gets_one() -> None:
    assert normalise_cost([100, 50, 200]) == [0.5, 1.0, 0.25]


@pytest.mark.parametrize("bad", [0, -5])
def test_zero_or_negative_cost_is_an_error(bad: int) -> None:
    with pytest.raises(EngineInputError) as info:
        normalise_cost([10, bad, 20])
    assert info.value.field == "values[1]"
    assert "greater than zero" in str(info.value)


def test_linear_dispatch() -> None:
    assert normalise_linear([1, 2], "benefit") == [0.5, 1.0]
    assert normalise_linear([1, 2], "cost") == [1.0, 0.5]
    with pytest.raises(EngineInputError):
        normalise_linear([1, 2], "other")  # type: ignore[arg-type]


def test_vector_normalisation_has_unit_length() -> None:
    result = normalise_vector([3, 4])
    assert result == pytest.approx([0.6, 0.8])
    assert math.hypot(*result) == pytest.approx(1.0)
    assert normalise_vector([0, 0]) == [0.0, 0.0]


@pytest.mark.parametrize("bad", [[], "123", [1, "x"], [float("inf")]])
def test_bad_columns(bad: object) -> None:
    with pytest.raises(EngineInputError):
        normalise_benefit(bad)  # type: ignore[arg-type]
