"""AHP: matrix construction, validation, consistency and the inconsistency hint."""

from __future__ import annotations

import pickle
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring.engine import (
    RANDOM_INDEX,
    SAATY_SCALE,
    EngineInputError,
    ahp_matrix_from_judgements,
    ahp_priorities,
    nearest_saaty_value,
)


def test_random_index_table_is_saatys() -> None:
    assert RANDOM_INDEX == (
        0,
        0,
        0.58,
        0.90,
        1.12,
        1.24,
        1.32,
        1.41,
        1.45,
        1.49,
        1.51,
        1.48,
        1.56,
        1.57,
        1.59,
    )


def test_matrix_from_upper_triangle_judgements() -> None:
    matrix = ahp_matrix_from_judgements(3, {(0, 1): 3, (0, 2): 5, (1, 2): Decimal("2")})
    assert matrix == [
        [1.0, 3.0, 5.0],
        [pytest.approx(1 / 3), 1.0, 2.0],
        [pytest.approx(1 / 5), 0.5, 1.0],
    ]


def test_lower_triangle_key_is_stored_as_reciprocal() -> None:
    matrix = ahp_matrix_from_judgements(2, {(1, 0): 4})
    assert matrix == [[1.0, 0.25], [4.0, 1.0]]


@pytest.mark.parametrize(
    ("judgements", "field"),
    [
        ({(0, 1): 3}, "judgements[(0, 2)]"),  # missing pairs
        ({(0, 1): 3, (1, 0): 3, (0, 2): 1, (1, 2): 1}, "judgements[(1, 0)]"),  # twice
        ({(0, 1): 10, (0, 2): 1, (1, 2): 1}, "judgements[(0, 1)]"),  # out of scale
        ({(0, 0): 1, (0, 1): 1, (0, 2): 1, (1, 2): 1}, "judgements[(0, 0)]"),  # diagonal
        ({(0, 3): 1, (0, 1): 1, (0, 2): 1, (1, 2): 1}, "judgements[(0, 3)]"),  # out of range
        ({(0, 1): "3", (0, 2): 1, (1, 2): 1}, "judgements[(0, 1)]"),  # not a number
    ],
)
def test_judgement_errors_name_the_pair(judgements: dict, field: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(EngineInputError) as info:
        ahp_matrix_from_judgements(3, judgements)
    assert info.value.field == field


def test_consistent_three_by_three() -> None:
    matrix = ahp_matrix_from_judgements(3, {(0, 1): 2, (0, 2): 4, (1, 2): 2})
    result = ahp_priorities(matrix)
    assert result.priorities == pytest.approx((4 / 7, 2 / 7, 1 / 7), abs=1e-12)
    assert result.lambda_max == pytest.approx(3.0, abs=1e-9)
    assert result.consistency_index == pytest.approx(0.0, abs=1e-9)
    assert result.consistency_ratio == pytest.approx(0.0, abs=1e-9)
    assert result.is_consistent
    assert result.most_inconsistent is None and result.suggested_value is None
    assert result.weights_for(["a", "b", "c"]) == pytest.approx(
        {"a": 4 / 7, "b": 2 / 7, "c": 1 / 7}
    )


@pytest.mark.parametrize("n", [1, 2])
def test_small_matrices_have_zero_consistency_ratio(n: int) -> None:
    matrix = [[1.0]] if n == 1 else [[1.0, 7.0], [1 / 7, 1.0]]
    result = ahp_priorities(matrix)
    assert result.consistency_ratio == 0.0
    assert result.is_consistent
    if n == 2:
        assert result.priorities == pytest.approx((7 / 8, 1 / 8))


def test_inconsistent_matrix_points_at_the_bad_judgement() -> None:
    """A consistent 4x4 matrix (w = 8:4:2:1) with a_14 reversed from 8 to 1/8: the hint
    must name cell (0, 3) and suggest going back towards w_1/w_4."""
    w = [8.0, 4.0, 2.0, 1.0]
    matrix = [[w[i] / w[j] for j in range(4)] for i in range(4)]
    matrix[0][3], matrix[3][0] = 1 / 8, 8.0
    result = ahp_priorities(matrix)
    assert not result.is_consistent
    assert result.consistency_ratio > 0.10
    assert result.most_inconsistent == (0, 3)
    assert result.deviation is not None and result.deviation > 1
    assert result.suggested_value is not None and result.suggested_value > 1 / 8  # towards w1/w4
    assert result.suggested_scale_value in SAATY_SCALE
    data = result.to_dict()
    assert data["most_inconsistent"] == [0, 3]


def test_fixing_the_suggested_judgement_improves_consistency() -> None:
    w = [8.0, 4.0, 2.0, 1.0]
    matrix = [[w[i] / w[j] for j in range(4)] for i in range(4)]
    matrix[1][2], matrix[2][1] = 1 / 5, 5.0
    before = ahp_priorities(matrix)
    assert before.most_inconsistent == (1, 2)
    assert before.suggested_value is not None
    i, j = before.most_inconsistent
    matrix[i][j], matrix[j][i] = before.suggested_value, 1 / before.suggested_value
    after = ahp_priorities(matrix)
    assert after.consistency_ratio < before.consistency_ratio


# ---- validation errors (each names the cell) ---------------------------------------


def test_non_reciprocal_matrix_is_rejected_naming_the_cell() -> None:
    matrix = [[1, 3, 5], [1 / 3, 1, 2], [1 / 5, 1 / 3, 1]]  # a_32 should be 1/2
    with pytest.raises(EngineInputError) as info:
        ahp_priorities(matrix)
    error = info.value
    assert error.field == "matrix[2][1]"
    assert error.details["row"] == 2 and error.details["column"] == 1
    assert error.details["expected"] == pytest.approx(0.5)
    assert "reciprocal" in str(error) and "Row 2, column 3" in str(error)


@pytest.mark.parametrize("bad", [10, 1 / 10, 0, -3, float("nan"), float("inf")])
def test_values_outside_saatys_scale_are_rejected(bad: float) -> None:
    matrix = [[1, bad, 2], [0.5, 1, 2], [0.5, 0.5, 1]]
    with pytest.raises(EngineInputError) as info:
        ahp_priorities(matrix)
    assert info.value.field == "matrix[0][1]"


def test_value_ten_message() -> None:
    with pytest.raises(EngineInputError, match="between 1/9 and 9") as info:
        ahp_priorities([[1, 10], [1 / 10, 1]])
    assert info.value.details["value"] == 10
    with pytest.raises(EngineInputError, match=r"is 1/10"):
        ahp_priorities([[1, 1 / 10], [10, 1]])


def test_float_approximations_of_one_ninth_and_a_third_are_accepted() -> None:
    result = ahp_priorities([[1, 0.1111111111, 1 / 3], [9.0, 1, 3], [3, 1 / 3, 1]])
    assert result.n == 3


def test_diagonal_must_be_one() -> None:
    with pytest.raises(EngineInputError) as info:
        ahp_priorities([[1, 2], [0.5, 2]])
    assert info.value.field == "matrix[1][1]"


@pytest.mark.parametrize(
    ("matrix", "field"),
    [
        ([], "matrix"),
        ([[1, 2], [0.5]], "matrix[1]"),
        ("not a matrix", "matrix"),
        ([[1, "2"], [0.5, 1]], "matrix[0][1]"),
        ([[1.0] * 16 for _ in range(16)], "matrix"),
    ],
)
def test_shape_errors(matrix: object, field: str) -> None:
    with pytest.raises(EngineInputError) as info:
        ahp_priorities(matrix)  # type: ignore[arg-type]
    assert info.value.field == field


def test_error_is_a_value_error_and_survives_pickling() -> None:
    with pytest.raises(ValueError) as info:
        ahp_priorities([[1, 10], [0.1, 1]])
    clone = pickle.loads(pickle.dumps(info.value))
    assert isinstance(clone, EngineInputError)
    assert clone.field == "matrix[0][1]" and clone.details == info.value.details


def test_nearest_saaty_value() -> None:
    assert nearest_saaty_value(3.2) == 3.0
    assert nearest_saaty_value(0.3) == pytest.approx(1 / 3)
    assert nearest_saaty_value(20) == 9.0
    with pytest.raises(EngineInputError):
        nearest_saaty_value(0)


# ---- property: consistent matrices recover their weights -----------------------------


@given(st.lists(st.floats(min_value=1.0, max_value=9.0), min_size=1, max_size=15))
def test_consistent_matrix_recovers_weights(raw: list[float]) -> None:
    """a_ij = w_i / w_j (entries stay within [1/9, 9] because w_i in [1, 9]):
    priorities = w / sum(w), lambda_max = n, CR ~ 0 (Saaty 1980)."""
    n = len(raw)
    matrix = [[raw[i] / raw[j] for j in range(n)] for i in range(n)]
    result = ahp_priorities(matrix)
    total = sum(raw)
    assert result.priorities == pytest.approx([w / total for w in raw], abs=1e-9)
    assert result.consistency_ratio == pytest.approx(0.0, abs=1e-9)
    assert result.lambda_max == pytest.approx(n, abs=1e-8)
    assert result.is_consistent
    assert result.most_inconsistent is None
