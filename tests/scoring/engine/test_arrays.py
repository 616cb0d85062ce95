"""The engine in arrays: the same numbers as plain Python arithmetic, from lists or arrays.

Aggregation and rankings keep numpy arrays and build plain Python results only when they
are read. These properties pin the numbers to a pure-Python reference (math and
statistics, no numpy) to 1e-9, and the ndarray input to the nested-list input exactly.
"""

from __future__ import annotations

import math
import statistics

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.engine import (
    TIE_TOLERANCE,
    AggregatedMatrix,
    Criterion,
    CriticalityResult,
    PairChange,
    Ranking,
    aggregate_matrix,
    criticality_topsis,
    rank,
    rank_topsis,
    rank_weighted_sum,
)
from scoring.engine import criticality as criticality_module

from .strategies import Problem, problems

METHODS = ["weighted_sum", "topsis"]
TOLERANCE = 1e-9


def _reference_weighted_sum(problem: Problem) -> dict[str, tuple[float, list[float]]]:
    """Score and linear-normalised row per alternative, by hand."""
    columns = list(zip(*problem.values, strict=True))
    normalised_columns = []
    for criterion, column in zip(problem.criteria, columns, strict=True):
        if criterion.kind == "cost":
            normalised_columns.append([min(column) / x for x in column])
        else:
            top = max(column)
            normalised_columns.append([x / top if top > 0 else 0.0 for x in column])
    weights = [problem.weights[c.id] for c in problem.criteria]
    result = {}
    for i, alternative in enumerate(problem.alternatives):
        row = [column[i] for column in normalised_columns]
        result[alternative] = (math.fsum(w * r for w, r in zip(weights, row, strict=True)), row)
    return result


def _reference_topsis(problem: Problem) -> dict[str, tuple[float, list[float], float, float]]:
    """Closeness, vector-normalised row and the two separations per alternative, by hand."""
    columns = list(zip(*problem.values, strict=True))
    weights = [problem.weights[c.id] for c in problem.criteria]
    normalised_columns = []
    for column in columns:
        norm = math.sqrt(math.fsum(x * x for x in column))
        normalised_columns.append([x / norm if norm > 0 else 0.0 for x in column])
    weighted = [
        [w * r for r in column] for w, column in zip(weights, normalised_columns, strict=True)
    ]
    ideal = [
        min(column) if c.kind == "cost" else max(column)
        for c, column in zip(problem.criteria, weighted, strict=True)
    ]
    anti = [
        max(column) if c.kind == "cost" else min(column)
        for c, column in zip(problem.criteria, weighted, strict=True)
    ]
    result = {}
    for i, alternative in enumerate(problem.alternatives):
        v = [column[i] for column in weighted]
        plus = math.sqrt(math.fsum((a - b) ** 2 for a, b in zip(v, ideal, strict=True)))
        minus = math.sqrt(math.fsum((a - b) ** 2 for a, b in zip(v, anti, strict=True)))
        closeness = minus / (plus + minus) if plus + minus > 0 else 0.5
        row = [column[i] for column in normalised_columns]
        result[alternative] = (closeness, row, plus, minus)
    return result


def _assert_ordered(ranking: Ranking) -> None:
    scores = [entry.score for entry in ranking.alternatives]
    assert all(a >= b - TIE_TOLERANCE for a, b in zip(scores, scores[1:], strict=False))
    assert [entry.rank for entry in ranking.alternatives] == list(range(1, len(scores) + 1))


@given(problems(max_alternatives=8, max_criteria=6))
def test_weighted_sum_equals_plain_python(problem: Problem) -> None:
    ranking = rank_weighted_sum(*problem.args())
    expected = _reference_weighted_sum(problem)
    assert sorted(ranking.order) == sorted(problem.alternatives)
    for entry in ranking.alternatives:
        score, row = expected[entry.id]
        assert entry.score == pytest.approx(score, abs=TOLERANCE)
        assert list(entry.normalised.values()) == pytest.approx(row, abs=TOLERANCE)
        weights = [problem.weights[c.id] for c in problem.criteria]
        assert list(entry.contributions.values()) == pytest.approx(
            [w * r for w, r in zip(weights, row, strict=True)], abs=TOLERANCE
        )
    _assert_ordered(ranking)


@given(problems(max_alternatives=8, max_criteria=6))
def test_topsis_equals_plain_python(problem: Problem) -> None:
    ranking = rank_topsis(*problem.args())
    expected = _reference_topsis(problem)
    for entry in ranking.alternatives:
        closeness, row, plus, minus = expected[entry.id]
        assert entry.score == pytest.approx(closeness, abs=TOLERANCE)
        assert list(entry.normalised.values()) == pytest.approx(row, abs=TOLERANCE)
        assert entry.separation_ideal == pytest.approx(plus, abs=TOLERANCE)
        assert entry.separation_anti_ideal == pytest.approx(minus, abs=TOLERANCE)
    _assert_ordered(ranking)


@given(problems(max_alternatives=8, max_criteria=6), st.sampled_from(METHODS))
def test_an_ndarray_ranks_exactly_as_nested_lists(problem: Problem, method: str) -> None:
    from_lists = rank(method, *problem.args())  # type: ignore[arg-type]
    array = np.array(problem.values, dtype=np.float64)
    from_array = rank(method, problem.alternatives, problem.criteria, array, problem.weights)  # type: ignore[arg-type]
    assert from_array.to_dict() == from_lists.to_dict()
    assert from_array == from_lists
    array[0, 0] += 1.0  # the ranking keeps its own copy
    assert from_array.to_dict() == from_lists.to_dict()


@given(
    st.integers(min_value=1, max_value=6),
    st.integers(min_value=1, max_value=5),
    st.integers(min_value=1, max_value=7),
    st.sampled_from(["mean", "median"]),
    st.data(),
)
def test_aggregation_equals_plain_python(
    alternatives: int, criteria: int, evaluators: int, method: str, data: st.DataObject
) -> None:
    score = st.one_of(
        st.integers(min_value=0, max_value=10).map(float),
        st.floats(min_value=0.0, max_value=10.0, allow_subnormal=False),
    )
    cube = [
        [
            data.draw(st.lists(score, min_size=evaluators, max_size=evaluators))
            for _ in range(criteria)
        ]
        for _ in range(alternatives)
    ]
    result = aggregate_matrix(cube, method, threshold=3)  # type: ignore[arg-type]
    for i, row in enumerate(cube):
        for j, cell in enumerate(row):
            centre = statistics.fmean(cell) if method == "mean" else statistics.median(cell)
            assert result.values[i][j] == pytest.approx(centre, abs=TOLERANCE)
            assert result.spread[i][j] == pytest.approx(max(cell) - min(cell), abs=TOLERANCE)
            assert result.std_dev[i][j] == pytest.approx(statistics.pstdev(cell), abs=TOLERANCE)
            assert result.counts[i][j] == evaluators
            assert result.needs_discussion is not None
            assert result.needs_discussion[i][j] == (max(cell) - min(cell) >= 3 - 1e-9)
    from_array = aggregate_matrix(np.array(cube), method, threshold=3)  # type: ignore[arg-type]
    assert from_array == result
    assert from_array.to_dict() == result.to_dict()


def test_aggregated_arrays_are_read_only_and_plain_on_demand() -> None:
    result = aggregate_matrix([[[1, 2], [3, None]], [[4, 5], [6, 8]]], threshold=2)
    assert isinstance(result, AggregatedMatrix)
    with pytest.raises(ValueError, match="read-only"):
        result.value_array[0, 0] = 9.0
    assert result.values == ((1.5, 3.0), (4.5, 7.0))
    assert result.counts == ((2, 1), (2, 2))
    assert result.needs_discussion == ((False, False), (False, True))
    assert type(result.values[0][0]) is float and type(result.needs_discussion[0][0]) is bool


def test_ranked_alternatives_behave_as_a_tuple() -> None:
    ranking = rank_weighted_sum(["a", "b", "c"], [Criterion("q")], [[1], [2], [3]], {"q": 1.0})
    entries = tuple(ranking.alternatives)
    assert len(ranking.alternatives) == 3
    assert ranking.alternatives[-1] == entries[-1]
    assert ranking.alternatives[1:] == entries[1:]
    assert ranking.alternatives == entries
    assert ranking.order == ("c", "b", "a")
    assert ranking.get("b") is ranking.alternatives[1]
    assert list(ranking.scores) == ["c", "b", "a"]
    assert dict(ranking.get("a").contributions) == ranking.get("a").to_dict()["contributions"]
    assert ranking.get("a").normalised == {"q": 1 / 3}
    with pytest.raises(IndexError):
        ranking.alternatives[3]
    with pytest.raises(KeyError):
        ranking.get("z")


def _criticality_topsis_scanning(problem: Problem, every_pair: bool) -> CriticalityResult:
    saved = criticality_module._SCAN_ALL_UP_TO
    criticality_module._SCAN_ALL_UP_TO = 10**9 if every_pair else 0
    try:
        return criticality_topsis(*problem.args(), time_limit=1000.0)
    finally:
        criticality_module._SCAN_ALL_UP_TO = saved


def _distance(change: PairChange | None) -> float | None:
    return None if change is None else abs(change.delta)


@given(problems(min_alternatives=3, max_alternatives=9, max_criteria=4))
@settings(max_examples=60, deadline=None)
def test_topsis_criticality_scanning_chosen_pairs_equals_scanning_every_pair(
    problem: Problem,
) -> None:
    """Pairs are scanned nearest closed-form bound first and only while they can still
    hold the answer: the smallest changes are those of scanning every pair (within the
    1e-9 bisection; which pair is named can differ only between equally small changes)."""
    every = _criticality_topsis_scanning(problem, every_pair=True)
    chosen = _criticality_topsis_scanning(problem, every_pair=False)
    for full, pruned in zip(every.criteria, chosen.criteria, strict=True):
        for attribute in ("percent_top", "percent_any"):
            expected = _distance(getattr(full, attribute))
            actual = _distance(getattr(pruned, attribute))
            if expected is None:
                assert actual is None
            else:
                assert actual == pytest.approx(expected, abs=1e-8)
