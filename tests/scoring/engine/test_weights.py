"""Direct (percentage) weights and proportional re-scaling."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring.engine import EngineInputError, rescale_weights, validate_direct_weights


def test_percentages_become_fractions() -> None:
    result = validate_direct_weights({"price": 40, "quality": Decimal("35.5"), "risk": 24.5})
    assert result == pytest.approx({"price": 0.40, "quality": 0.355, "risk": 0.245})
    assert math.fsum(result.values()) == pytest.approx(1.0, abs=1e-15)


def test_total_within_tolerance_is_accepted() -> None:
    result = validate_direct_weights({"a": 33.33, "b": 33.33, "c": 33.335})
    assert math.fsum(result.values()) == pytest.approx(1.0, abs=1e-15)


def test_weights_summing_to_95_are_rejected() -> None:
    with pytest.raises(EngineInputError) as info:
        validate_direct_weights({"a": 50, "b": 45})
    assert str(info.value) == "Weights add up to 95 %, they must add up to 100 %."
    assert info.value.field == "weights"
    assert info.value.details == {"total": 95.0, "expected": 100.0}


def test_fractional_total_in_message() -> None:
    with pytest.raises(EngineInputError, match=r"add up to 100\.5 %,"):
        validate_direct_weights({"a": 50.5, "b": 50})


def test_negative_weight_names_the_criterion() -> None:
    with pytest.raises(EngineInputError) as info:
        validate_direct_weights({"a": 110, "b": -10})
    assert info.value.field == "weights.b"
    assert "cannot be negative" in str(info.value)


@pytest.mark.parametrize("bad", [{}, {"a": "100"}, {"a": float("nan")}, {"a": True}, [100]])
def test_invalid_weight_input(bad: object) -> None:
    with pytest.raises(EngineInputError):
        validate_direct_weights(bad)  # type: ignore[arg-type]


def test_rescale_keeps_ratios_and_sum() -> None:
    result = rescale_weights({"a": 0.5, "b": 0.3, "c": 0.2}, "a", 0.8)
    assert result["a"] == 0.8
    assert result["b"] / result["c"] == pytest.approx(1.5)
    assert math.fsum(result.values()) == pytest.approx(1.0)


def test_rescale_errors() -> None:
    with pytest.raises(EngineInputError):
        rescale_weights({"a": 0.5, "b": 0.5}, "z", 0.2)
    with pytest.raises(EngineInputError):
        rescale_weights({"a": 0.5, "b": 0.5}, "a", 1.2)
    with pytest.raises(EngineInputError):
        rescale_weights({"a": 1.0, "b": 0.0}, "a", 0.5)  # nothing to rescale
    with pytest.raises(EngineInputError, match="must add up to 1"):
        rescale_weights({"a": 0.5, "b": 0.4}, "a", 0.2)


@given(
    st.lists(st.floats(min_value=0.01, max_value=1.0), min_size=2, max_size=8),
    st.floats(min_value=0.0, max_value=1.0),
)
def test_rescale_property(raw: list[float], new: float) -> None:
    total = sum(raw)
    weights = {f"c{i}": w / total for i, w in enumerate(raw)}
    result = rescale_weights(weights, "c0", new)
    assert result["c0"] == new
    assert math.fsum(result.values()) == pytest.approx(1.0, abs=1e-12)
    factor = (1 - new) / (1 - weights["c0"])
    for key in list(weights)[1:]:
        assert result[key] == pytest.approx(weights[key] * factor, rel=1e-9, abs=1e-15)
