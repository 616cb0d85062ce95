"""Evaluator score aggregation, spread and the discussion flag."""

from __future__ import annotations

import random
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring.engine import (
    EngineInputError,
    aggregate_matrix,
    aggregate_scores,
    needs_discussion,
    score_spread,
)


def test_mean_and_median() -> None:
    assert aggregate_scores([7, 8, Decimal("9")]) == 8.0
    assert aggregate_scores([2, 8, 9], "median") == 8.0
    assert aggregate_scores([2, 8, 9, 10], "median") == 8.5


def test_spread() -> None:
    spread = score_spread([4, 6, 8])
    assert (spread.minimum, spread.maximum, spread.range, spread.count) == (4.0, 8.0, 4.0, 3)
    assert spread.std_dev == pytest.approx(np.std([4, 6, 8]))  # population form
    assert spread.to_dict()["range"] == 4.0


def test_needs_discussion_at_threshold() -> None:
    assert needs_discussion([5.1, 8.1], 3)  # 2.9999999999999996 counts as 3
    assert not needs_discussion([5, 7.9], 3)
    assert needs_discussion([0, 10], 10)


def test_score_eleven_is_rejected() -> None:
    with pytest.raises(EngineInputError) as info:
        aggregate_scores([7, 11, 8])
    assert info.value.field == "scores[1]"
    assert "between 0 and 10" in str(info.value)
    assert info.value.details["value"] == 11.0


@pytest.mark.parametrize("bad", [[-0.5], [], ["7"], [float("nan")], "7"])
def test_invalid_scores(bad: object) -> None:
    with pytest.raises(EngineInputError):
        aggregate_scores(bad)  # type: ignore[arg-type]


def test_invalid_method_and_threshold() -> None:
    with pytest.raises(EngineInputError):
        aggregate_scores([1, 2], "mode")  # type: ignore[arg-type]
    with pytest.raises(EngineInputError):
        needs_discussion([1, 2], 11)
    with pytest.raises(EngineInputError):
        needs_discussion([1, 2], -1)


def test_matrix_matches_scalar_functions() -> None:
    rng = random.Random(7)
    cube = [[[rng.randint(0, 10) for _ in range(5)] for _ in range(4)] for _ in range(3)]
    for method in ("mean", "median"):
        result = aggregate_matrix(cube, method, threshold=4)
        for i, row in enumerate(cube):
            for j, cell in enumerate(row):
                assert result.values[i][j] == pytest.approx(aggregate_scores(cell, method))
                spread = score_spread(cell)
                assert result.spread[i][j] == pytest.approx(spread.range)
                assert result.std_dev[i][j] == pytest.approx(spread.std_dev)
                assert result.needs_discussion is not None
                assert result.needs_discussion[i][j] == needs_discussion(cell, 4)
                assert result.counts[i][j] == 5


def test_matrix_with_missing_and_ragged_scores() -> None:
    cube = [[[8, None, 6], [5]], [[Decimal("7.5"), 9], [1, 2, 3, 4]]]
    result = aggregate_matrix(cube, alternatives=["v1", "v2"], criteria=["c1", "c2"])
    assert result.values == ((7.0, 5.0), (8.25, 2.5))
    assert result.counts == ((2, 1), (2, 4))
    assert result.needs_discussion is None
    assert result.to_dict()["values"] == [[7.0, 5.0], [8.25, 2.5]]


def test_matrix_out_of_range_names_the_cell() -> None:
    cube = [[[5, 5], [5, 5]], [[5, 5], [5, 11]]]
    with pytest.raises(EngineInputError) as info:
        aggregate_matrix(cube, alternatives=["v1", "v2"], criteria=["c1", "c2"])
    assert info.value.field == "scores[1][1][1]"
    assert "'v2'" in str(info.value) and "'c2'" in str(info.value)


def test_matrix_cell_without_scores() -> None:
    with pytest.raises(EngineInputError) as info:
        aggregate_matrix([[[5], [None, None]]])
    assert info.value.field == "scores[0][1]"


@pytest.mark.parametrize(
    "bad", [[], [[]], [[[1]], [[1], [2]]], [[["x"]]], [[5]], "abc", [[[True]]]]
)
def test_matrix_shape_errors(bad: object) -> None:
    with pytest.raises(EngineInputError):
        aggregate_matrix(bad)  # type: ignore[arg-type]


@given(st.lists(st.floats(min_value=0, max_value=10), min_size=1, max_size=12))
def test_aggregates_lie_within_the_scores(scores: list[float]) -> None:
    for method in ("mean", "median"):
        value = aggregate_scores(scores, method)  # type: ignore[arg-type]
        assert min(scores) - 1e-9 <= value <= max(scores) + 1e-9
    assert score_spread(scores).range == pytest.approx(max(scores) - min(scores))
