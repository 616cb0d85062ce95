"""Criticality after Triantaphyllou & Sánchez (1997): one weight changed, the others fixed."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring.engine import (
    Criterion,
    CriticalityResult,
    EngineInputError,
    PairChange,
    criticality_topsis,
    criticality_weighted_sum,
    rank_topsis,
)
from scoring.engine.criticality import CRITICALITY_GRID_STEP

from .strategies import Problem, problems

# --- the hand-worked example ------------------------------------------------------------
#
# Normalised matrix a_ik and weights w = (0.5, 0.3, 0.2):
#
#          c1    c2    c3
#     A   1.0   0.5   0.5     P_A = 0.5*1.0 + 0.3*0.5 + 0.2*0.5  = 0.50 + 0.15 + 0.10 = 0.75
#     B   0.5   1.0   0.3     P_B = 0.5*0.5 + 0.3*1.0 + 0.2*0.3  = 0.25 + 0.30 + 0.06 = 0.61
#     C   0.7   0.5   0.75    P_C = 0.5*0.7 + 0.3*0.5 + 0.2*0.75 = 0.35 + 0.15 + 0.15 = 0.65
#
# Order: A (0.75), C (0.65), B (0.61).  delta' = (P_i - P_j) / (a_ik - a_jk), new weight
# w_k - delta', relative change delta' / w_k * 100:
#
# Pair (A, C), P_A - P_C = 0.10
#   c1: a diff 1.0 - 0.7  =  0.3  -> delta' =  0.10/0.3  =  1/3  -> w 0.5 -> 1/6,   +66.67 %
#   c2: a diff 0.5 - 0.5  =  0    -> infeasible (no weight on c2 separates A and C)
#   c3: a diff 0.5 - 0.75 = -0.25 -> delta' = -0.10/0.25 = -0.4  -> w 0.2 -> 0.6,  -200 %
# Pair (A, B), P_A - P_B = 0.14
#   c1: a diff 1.0 - 0.5  =  0.5  -> delta' =  0.14/0.5  =  0.28 -> w 0.5 -> 0.22,  +56 %
#   c2: a diff 0.5 - 1.0  = -0.5  -> delta' = -0.28             -> w 0.3 -> 0.58,  -93.33 %
#   c3: a diff 0.5 - 0.3  =  0.2  -> delta' =  0.14/0.2  =  0.7  -> w 0.2 -> -0.5: infeasible
# Pair (C, B), P_C - P_B = 0.04
#   c1: a diff 0.7 - 0.5  =  0.2  -> delta' =  0.04/0.2  =  0.2  -> w 0.5 -> 0.3,   +40 %
#   c2: a diff 0.5 - 1.0  = -0.5  -> delta' = -0.04/0.5  = -0.08 -> w 0.3 -> 0.38,  -26.67 %
#   c3: a diff 0.75 - 0.3 =  0.45 -> delta' =  0.04/0.45 = 4/45  -> w 0.2 -> 0.1111, +44.44 %
#
# percent-top (pairs with A): c1 -> B 56 % (beats C's 66.67 %), c2 -> B -93.33 %,
#   c3 -> C -200 % (B infeasible). Percent-top critical criterion: c1 (56 < 93.33 < 200).
# percent-any (all pairs):    c1 -> (C, B) 40 %, c2 -> (C, B) -26.67 %, c3 -> (C, B) 44.44 %.
#   Percent-any critical criterion: c2.
# Check of c1 -> 0.22 (c2, c3 fixed): P_A = 0.22 + 0.15 + 0.10 = 0.47,
#   P_B = 0.11 + 0.30 + 0.06 = 0.47: B draws level with A.

IDS = ["A", "B", "C"]
CRITERIA = ["c1", "c2", "c3"]
MATRIX = [[1.0, 0.5, 0.5], [0.5, 1.0, 0.3], [0.7, 0.5, 0.75]]
WEIGHTS = {"c1": 0.5, "c2": 0.3, "c3": 0.2}


def _assert_change(
    change: PairChange | None, higher: str, lower: str, delta: float, weight: float
) -> None:
    assert change is not None
    assert (change.higher, change.lower) == (higher, lower)
    assert change.delta == pytest.approx(delta, abs=1e-12)
    assert change.current_weight == pytest.approx(weight)
    assert change.new_weight == pytest.approx(weight - delta, abs=1e-12)
    assert change.relative_change_percent == pytest.approx(delta / weight * 100, abs=1e-9)


def test_hand_worked_example() -> None:
    result = criticality_weighted_sum(IDS, CRITERIA, MATRIX, WEIGHTS)
    assert result.method == "weighted_sum"
    assert result.top == "A"
    assert result.order == ("A", "C", "B")
    c1, c2, c3 = result.criteria
    _assert_change(c1.percent_top, "A", "B", 0.28, 0.5)
    assert c1.percent_top is not None
    assert c1.percent_top.relative_change_percent == pytest.approx(56.0)
    _assert_change(c2.percent_top, "A", "B", -0.28, 0.3)
    assert c2.percent_top is not None
    assert c2.percent_top.relative_change_percent == pytest.approx(-93.3333333333)
    _assert_change(c3.percent_top, "A", "C", -0.4, 0.2)
    assert c3.percent_top is not None
    assert c3.percent_top.relative_change_percent == pytest.approx(-200.0)
    _assert_change(c1.percent_any, "C", "B", 0.2, 0.5)
    _assert_change(c2.percent_any, "C", "B", -0.08, 0.3)
    assert c2.percent_any is not None
    assert c2.percent_any.relative_change_percent == pytest.approx(-26.6666666667)
    _assert_change(c3.percent_any, "C", "B", 4 / 45, 0.2)
    assert result.percent_top_criterion == "c1"
    assert result.percent_any_criterion == "c2"
    assert result.precision == 0.0 and result.complete
    assert "Triantaphyllou" in result.note
    assert all(entry.analysed for entry in result.criteria)
    json.dumps(result.to_dict())
    assert result.get("c2") is c2
    with pytest.raises(KeyError):
        result.get("nope")


def test_hand_worked_change_makes_the_rival_equal_with_other_weights_fixed() -> None:
    result = criticality_weighted_sum(IDS, CRITERIA, MATRIX, WEIGHTS)
    a = np.array(MATRIX)
    for entry in result.criteria:
        for change in (entry.percent_top, entry.percent_any):
            assert change is not None
            w = np.array([WEIGHTS[c] for c in CRITERIA])
            w[CRITERIA.index(entry.criterion_id)] = change.new_weight
            scores = a @ w
            assert scores[IDS.index(change.higher)] == pytest.approx(
                scores[IDS.index(change.lower)], abs=1e-12
            )


def test_awardable_subset_picks_the_best_awardable_top_and_rivals() -> None:
    # Without A: C is the top; the only pair is (C, B), see the table above.
    result = criticality_weighted_sum(IDS, CRITERIA, MATRIX, WEIGHTS, awardable={"B", "C"})
    assert result.top == "C"
    assert result.order == ("C", "B")
    c1, c2, c3 = result.criteria
    _assert_change(c1.percent_top, "C", "B", 0.2, 0.5)
    _assert_change(c2.percent_top, "C", "B", -0.08, 0.3)
    _assert_change(c3.percent_top, "C", "B", 4 / 45, 0.2)
    assert result.percent_top_criterion == "c2"
    assert result.percent_any_criterion == "c2"
    # Without C: A vs B only; c3 cannot make B equal to A (new weight would be -0.5).
    result = criticality_weighted_sum(IDS, CRITERIA, MATRIX, WEIGHTS, awardable=["A", "B"])
    assert result.order == ("A", "B")
    assert result.get("c3").percent_top is None
    assert result.get("c3").percent_any is None
    _assert_change(result.get("c1").percent_top, "A", "B", 0.28, 0.5)
    assert result.percent_top_criterion == "c1"
    # No rival, or nobody awardable.
    alone = criticality_weighted_sum(IDS, CRITERIA, MATRIX, WEIGHTS, awardable=["B"])
    assert alone.top == "B" and alone.order == ("B",)
    assert alone.percent_top_criterion is None and alone.percent_any_criterion is None
    assert all(e.percent_top is None and e.percent_any is None for e in alone.criteria)
    nobody = criticality_weighted_sum(IDS, CRITERIA, MATRIX, WEIGHTS, awardable=[])
    assert nobody.top is None and nobody.order == ()
    assert nobody.percent_top_criterion is None


def test_an_unawardable_leader_is_never_the_top_or_a_rival() -> None:
    # X would win (P = 0.9) but is not awardable; it must not appear anywhere.
    matrix = [*MATRIX, [1.0, 1.0, 0.5]]
    result = criticality_weighted_sum(
        [*IDS, "X"], CRITERIA, matrix, WEIGHTS, awardable={"A", "B", "C"}
    )
    assert result.top == "A" and "X" not in result.order
    for entry in result.criteria:
        for change in (entry.percent_top, entry.percent_any):
            assert change is None or "X" not in (change.higher, change.lower)
    assert result.to_dict() == criticality_weighted_sum(IDS, CRITERIA, MATRIX, WEIGHTS).to_dict()


def test_equal_values_on_the_criterion_are_infeasible() -> None:
    # a_A1 == a_B1: no weight on c1 changes P_A - P_B = 0.3 * (1 - 0) = 0.3.
    result = criticality_weighted_sum(
        ["A", "B"], ["c1", "c2"], [[0.5, 1.0], [0.5, 0.0]], {"c1": 0.7, "c2": 0.3}
    )
    assert result.get("c1").percent_top is None
    # c2: delta' = 0.3 / (1 - 0) = 0.3 -> new weight 0: P_A = P_B = 0.35 (c1 fixed at 0.7).
    _assert_change(result.get("c2").percent_top, "A", "B", 0.3, 0.3)
    assert result.percent_top_criterion == "c2"


def test_new_weight_above_one_is_infeasible() -> None:
    # A = (1, 0.5), B = (0, 0.6), w = (0.9, 0.1): P_A = 0.95, P_B = 0.06, gap 0.89.
    # c2: delta' = 0.89 / (0.5 - 0.6) = -8.9 -> new weight 9.0 > 1: infeasible.
    # c1: delta' = 0.89 / (1 - 0) = 0.89 -> new weight 0.01, +98.89 %.
    result = criticality_weighted_sum(
        ["A", "B"], ["c1", "c2"], [[1.0, 0.5], [0.0, 0.6]], {"c1": 0.9, "c2": 0.1}
    )
    assert result.get("c2").percent_top is None
    _assert_change(result.get("c1").percent_top, "A", "B", 0.89, 0.9)
    assert result.percent_top_criterion == "c1"


def test_every_weight_zero_is_infeasible_and_zero_weight_has_no_relative_change() -> None:
    # w = (1, 0); A = (1, 0), B = (0.5, 1): P_A = 1, P_B = 0.5.
    # c1: delta' = 0.5 / 0.5 = 1 -> new weight 0 with c2 at 0: no weights left, infeasible.
    # c2: delta' = 0.5 / (0 - 1) = -0.5 -> new weight 0.5; w_2 = 0 so no relative change.
    result = criticality_weighted_sum(
        ["A", "B"], ["c1", "c2"], [[1.0, 0.0], [0.5, 1.0]], {"c1": 1.0, "c2": 0.0}
    )
    assert result.get("c1").percent_top is None
    change = result.get("c2").percent_top
    assert change is not None
    assert change.delta == pytest.approx(-0.5) and change.new_weight == pytest.approx(0.5)
    assert change.relative_change_percent is None
    assert result.percent_top_criterion == "c2"


def test_a_criterion_with_a_relative_change_beats_a_zero_weight_one() -> None:
    # w = (0.5, 0.5, 0); A = (1, 0, 0), B = (0, 0.9, 1): P_A = 0.5, P_B = 0.45.
    # c1: 0.05 / 1 = 0.05 -> 10 %; c2: 0.05 / -0.9 -> -11.1 %; c3: 0.05 / -1 = -0.05, w = 0.
    result = criticality_weighted_sum(
        ["A", "B"],
        ["c1", "c2", "c3"],
        [[1.0, 0.0, 0.0], [0.0, 0.9, 1.0]],
        {"c1": 0.5, "c2": 0.5, "c3": 0.0},
    )
    assert result.get("c3").percent_top is not None
    assert result.get("c3").percent_top.relative_change_percent is None  # type: ignore[union-attr]
    assert result.percent_top_criterion == "c1"


def test_tied_alternatives_give_zero_change_where_they_differ() -> None:
    # A = (1, 0), B = (0, 1), w = (0.5, 0.5): both 0.5; the tie rule puts A first (equal
    # weights: c1 first in input order, A is higher on c1). delta' = 0 / (+-1) = 0.
    result = criticality_weighted_sum(
        ["B", "A"], ["c1", "c2"], [[0.0, 1.0], [1.0, 0.0]], {"c1": 0.5, "c2": 0.5}
    )
    assert result.top == "A"
    for entry in result.criteria:
        _assert_change(entry.percent_top, "A", "B", 0.0, 0.5)
    assert result.percent_top_criterion == "c1"  # equal criticality: the first given
    # Identical alternatives: nothing separates them, nothing is feasible.
    same = criticality_weighted_sum(
        ["A", "B"], ["c1", "c2"], [[0.4, 0.6], [0.4, 0.6]], {"c1": 0.5, "c2": 0.5}
    )
    assert same.top == "A"
    assert same.percent_top_criterion is None and same.percent_any_criterion is None


def test_input_errors() -> None:
    with pytest.raises(EngineInputError) as error:
        criticality_weighted_sum(IDS, CRITERIA, MATRIX, WEIGHTS, awardable={"A", "Z"})
    assert error.value.field == "awardable" and "'Z'" in str(error.value)
    with pytest.raises(EngineInputError) as error:
        criticality_weighted_sum(IDS, CRITERIA, MATRIX, WEIGHTS, awardable="A")
    assert error.value.field == "awardable"
    with pytest.raises(EngineInputError) as error:
        criticality_weighted_sum(IDS, CRITERIA, MATRIX[:2], WEIGHTS)
    assert error.value.field == "matrix"
    with pytest.raises(EngineInputError) as error:
        criticality_weighted_sum(IDS, CRITERIA, MATRIX, {"c1": 0.5, "c2": 0.5})
    assert error.value.field == "weights.c3"
    with pytest.raises(EngineInputError):
        criticality_weighted_sum(IDS, ["c1", "c1", "c3"], MATRIX, WEIGHTS)
    topsis_args = (IDS, [Criterion(c) for c in CRITERIA], MATRIX, WEIGHTS)
    for kwargs, field in [
        ({"grid_step": 0.0}, "grid_step"),
        ({"tolerance": 0.1, "grid_step": 0.01}, "tolerance"),
        ({"max_iterations": 0}, "max_iterations"),
        ({"time_limit": -1.0}, "time_limit"),
    ]:
        with pytest.raises(EngineInputError) as error:
            criticality_topsis(*topsis_args, **kwargs)  # type: ignore[arg-type]
        assert error.value.field == field


# --- brute-force cross-check of the closed form -----------------------------------------

_VALUE = st.one_of(
    st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0]),  # makes equal values and ties likely
    st.floats(min_value=0.0, max_value=1.0, allow_subnormal=False),
)


@st.composite
def normalised_problems(draw: st.DrawFn) -> tuple[list[list[float]], list[float], set[int]]:
    m = draw(st.integers(min_value=2, max_value=6))
    n = draw(st.integers(min_value=1, max_value=4))
    matrix = [[draw(_VALUE) for _ in range(n)] for _ in range(m)]
    weight = st.one_of(st.just(0.0), st.floats(min_value=1e-3, max_value=1.0))
    raw = draw(st.lists(weight, min_size=n, max_size=n).filter(lambda ws: sum(ws) > 0.01))
    weights = [w / sum(raw) for w in raw]
    awardable = draw(st.sets(st.integers(min_value=0, max_value=m - 1), min_size=1))
    return matrix, weights, awardable


_SCAN = np.linspace(0.0, 1.0, 10_001)  # brute force: every 1e-4
_NOISE = 1e-9


def _scan_gaps(a: np.ndarray, w: np.ndarray, k: int, i: int, j: int) -> np.ndarray:
    """P_i - P_j at every scanned w_k, other weights fixed (NaN where every weight is 0)."""
    rows = np.repeat(w[np.newaxis, :], len(_SCAN), axis=0)
    rows[:, k] = _SCAN
    gaps = rows @ (a[i] - a[j])
    gaps[rows.sum(axis=1) <= 0.0] = np.nan
    return gaps


def _check_against_scan(
    change: PairChange | None,
    pairs: list[tuple[int, int]],
    a: np.ndarray,
    w: np.ndarray,
    k: int,
    ids: list[str],
) -> None:
    w_k = float(w[k])
    if change is None:
        # No pair: no scanned weight puts the lower alternative ahead of the higher one.
        for i, j in pairs:
            gaps = _scan_gaps(a, w, k, i, j)
            assert not bool(np.any(gaps < -_NOISE)), (ids[i], ids[j])
        return
    i, j = ids.index(change.higher), ids.index(change.lower)
    assert (i, j) in pairs
    assert 0.0 <= change.new_weight <= 1.0
    assert change.new_weight == pytest.approx(w_k - change.delta, abs=1e-12)
    # At the new weight (others fixed) the two are level.
    moved = w.copy()
    moved[k] = change.new_weight
    assert float(moved @ (a[i] - a[j])) == pytest.approx(0.0, abs=1e-8)
    # The scan finds the crossing within one scan step of the reported weight ...
    gaps = _scan_gaps(a, w, k, i, j)
    near = np.abs(_SCAN - change.new_weight) <= 1e-4 + 1e-12
    assert bool(np.any(near & (np.nan_to_num(gaps, nan=1.0) <= _NOISE)))
    # ... and no pair is overtaken by a smaller change of w_k.
    distance = abs(change.delta)
    for p, q in pairs:
        gaps = _scan_gaps(a, w, k, p, q)
        closer = np.abs(_SCAN - w_k) < distance - 1e-9
        assert not bool(np.any(closer & (np.nan_to_num(gaps, nan=1.0) < -_NOISE)))


@given(normalised_problems())
def test_closed_form_matches_a_brute_force_scan_of_the_weight(
    problem: tuple[list[list[float]], list[float], set[int]],
) -> None:
    matrix, weights, awardable_rows = problem
    ids = [f"alt{i}" for i in range(len(matrix))]
    criteria = [f"c{k}" for k in range(len(weights))]
    awardable = {ids[i] for i in awardable_rows}
    result = criticality_weighted_sum(
        ids, criteria, matrix, dict(zip(criteria, weights, strict=True)), awardable=awardable
    )
    a = np.array(matrix)
    w = np.array(weights)
    w = w / w.sum()
    order = [ids.index(x) for x in result.order]
    assert set(result.order) == awardable
    scores = a @ w
    assert all(scores[p] >= scores[q] - 1e-9 for p, q in itertools.pairwise(order))
    top_pairs = [(order[0], j) for j in order[1:]]
    any_pairs = [(order[p], order[q]) for p, q in itertools.combinations(range(len(order)), 2)]
    for k, entry in enumerate(result.criteria):
        _check_against_scan(entry.percent_top, top_pairs, a, w, k, ids)
        _check_against_scan(entry.percent_any, any_pairs, a, w, k, ids)
    _check_critical(result)


def _check_critical(result: CriticalityResult) -> None:
    def key(change: PairChange) -> tuple[bool, float]:
        rel = change.relative_change_percent
        return (True, abs(change.delta)) if rel is None else (False, abs(rel))

    for attribute, critical in [
        ("percent_top", result.percent_top_criterion),
        ("percent_any", result.percent_any_criterion),
    ]:
        found = [
            (key(getattr(e, attribute)), e.criterion_id)
            for e in result.criteria
            if getattr(e, attribute) is not None
        ]
        if not found:
            assert critical is None
        else:
            best = min(k for k, _ in found)
            assert critical == next(cid for k, cid in found if k == best)


# --- TOPSIS -----------------------------------------------------------------------------


def test_topsis_two_alternatives_matches_the_weighted_sum_crossing() -> None:
    # A = (1, 0.5), B = (0.5, 1), w = (0.6, 0.4). Vector normalisation divides both columns
    # by sqrt(1.25); with two alternatives A+ and A- are the two rows, so
    # S+_A = w2 d, S-_A = w1 d and C_A = w1 / (w1 + w2) (d = 0.5 / sqrt(1.25)); likewise
    # C_B = w2 / (w1 + w2). They are equal when w1 = w2: c1 from 0.6 to 0.4 (delta' = 0.2,
    # +33.3 %), c2 from 0.4 to 0.6 (delta' = -0.2, -50 %), as for the weighted sum.
    result = criticality_topsis(
        ["A", "B"], [Criterion("c1"), Criterion("c2")], [[1, 0.5], [0.5, 1]], {"c1": 0.6, "c2": 0.4}
    )
    assert result.method == "topsis" and result.top == "A" and result.complete
    _assert_topsis(result.get("c1").percent_top, "A", "B", 0.2, 0.6)
    _assert_topsis(result.get("c2").percent_top, "A", "B", -0.2, 0.4)
    assert result.percent_top_criterion == "c1"
    assert result.precision == pytest.approx(1e-9)
    json.dumps(result.to_dict())


def _assert_topsis(
    change: PairChange | None, higher: str, lower: str, delta: float, weight: float
) -> None:
    assert change is not None
    assert (change.higher, change.lower) == (higher, lower)
    assert change.delta == pytest.approx(delta, abs=1e-8)
    assert change.new_weight == pytest.approx(weight - delta, abs=1e-8)


def test_topsis_awardable_subset_and_cost_criteria() -> None:
    criteria = [Criterion("quality"), Criterion("price", "cost")]
    values = [[9, 300], [7, 100], [8, 120]]
    weights = {"quality": 0.5, "price": 0.5}
    ranking = rank_topsis(["X", "Y", "Z"], criteria, values, weights)
    full = criticality_topsis(["X", "Y", "Z"], criteria, values, weights)
    assert full.top == ranking.winner and full.order == ranking.order
    winner, second, third = ranking.order
    part = criticality_topsis(["X", "Y", "Z"], criteria, values, weights, awardable={second, third})
    assert part.top == second and part.order == (second, third)
    for entry in part.criteria:
        for change in (entry.percent_top, entry.percent_any):
            assert change is None or (change.higher, change.lower) == (second, third)
    assert any(e.percent_top is not None for e in part.criteria)
    nobody = criticality_topsis(["X", "Y", "Z"], criteria, values, weights, awardable=())
    assert nobody.top is None and nobody.order == () and nobody.complete
    assert nobody.percent_top_criterion is None and nobody.percent_any_criterion is None


def test_topsis_time_limit_stops_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = iter(float(s) for s in range(0, 1000, 10))
    monkeypatch.setattr("scoring.engine.criticality.time.monotonic", lambda: next(clock))
    result = criticality_topsis(
        IDS, [Criterion(c) for c in CRITERIA], MATRIX, WEIGHTS, time_limit=15.0
    )
    # Start at 0; c1 checked at 10 (analysed), c2 at 20 and c3 at 30 (over the limit).
    assert [e.analysed for e in result.criteria] == [True, False, False]
    assert not result.complete
    assert result.get("c2").percent_top is None and result.get("c2").percent_any is None
    assert "time limit" in result.note and "'c2', 'c3' not analysed" in result.note
    assert result.percent_top_criterion in (None, "c1")


def _topsis_gaps(problem: Problem, k: int, i: int, j: int, ts: np.ndarray) -> np.ndarray:
    """C_i - C_j at each weight t of criterion k, others fixed (NaN: every weight 0).

    TOPSIS written out again here (Hwang & Yoon 1981), independent of the engine's code:
    vector normalisation, weighted values, ideal / anti-ideal, separations, closeness.
    """
    x = np.array(problem.values, dtype=np.float64)
    is_cost = np.array([c.kind == "cost" for c in problem.criteria])
    norms = np.sqrt((x * x).sum(axis=0))
    r = x / np.where(norms > 0.0, norms, 1.0)
    rows = np.repeat(np.array([[problem.weights[c.id] for c in problem.criteria]]), len(ts), axis=0)
    rows[:, k] = ts
    totals = rows.sum(axis=1)
    usable = totals > 0.0
    rows[usable] /= totals[usable, np.newaxis]
    v = rows[:, np.newaxis, :] * r[np.newaxis, :, :]  # (t, alternative, criterion)
    ideal = np.where(is_cost, v.min(axis=1), v.max(axis=1))[:, np.newaxis, :]
    anti = np.where(is_cost, v.max(axis=1), v.min(axis=1))[:, np.newaxis, :]
    plus = np.sqrt(((v - ideal) ** 2).sum(axis=2))
    minus = np.sqrt(((v - anti) ** 2).sum(axis=2))
    total = plus + minus
    c = np.where(total > 0.0, minus / np.where(total > 0.0, total, 1.0), 0.5)
    gaps = c[:, i] - c[:, j]
    gaps[~usable] = np.nan
    return gaps


@given(problems(max_alternatives=4, max_criteria=3))
def test_topsis_numeric_search_matches_a_brute_force_scan(problem: Problem) -> None:
    """The reported weight is a crossing, and the scan (same step) finds none nearer."""
    ids = problem.alternatives
    result = criticality_topsis(*problem.args())
    ranking = rank_topsis(*problem.args())
    assert result.top == ranking.winner and result.order == ranking.order
    order = [ids.index(x) for x in result.order]
    top_pairs = [(order[0], j) for j in order[1:]]
    any_pairs = [(order[p], order[q]) for p, q in itertools.combinations(range(len(order)), 2)]
    for k, entry in enumerate(result.criteria):
        _check_topsis_against_scan(problem, k, entry.percent_top, top_pairs)
        _check_topsis_against_scan(problem, k, entry.percent_any, any_pairs)
    _check_critical(result)


def _check_topsis_against_scan(
    problem: Problem, k: int, c: PairChange | None, pairs: list[tuple[int, int]]
) -> None:
    ids = problem.alternatives
    step = CRITICALITY_GRID_STEP
    w_k = problem.weights[problem.criteria[k].id]
    ts = np.clip(
        np.concatenate([w_k + step * np.arange(1, 1001), w_k - step * np.arange(1, 1001)]),
        0.0,
        1.0,
    )
    if c is None:
        for i, j in pairs:
            gaps = _topsis_gaps(problem, k, i, j, ts)
            # No scanned weight puts the lower alternative ahead of the higher one.
            assert not bool(np.any(np.nan_to_num(gaps, nan=1.0) < -1e-9))
        return
    i, j = ids.index(c.higher), ids.index(c.lower)
    assert (i, j) in pairs
    level = _topsis_gaps(problem, k, i, j, np.array([c.new_weight]))[0]
    assert level <= 1e-9 or c.delta == 0.0
    if c.delta != 0.0:
        # Located to within the bisection tolerance: just before it, j is not ahead.
        before = c.new_weight + np.sign(c.delta) * 1e-7
        assert _topsis_gaps(problem, k, i, j, np.array([before]))[0] > -1e-12
    for p, q in pairs:
        closer = ts[np.abs(ts - w_k) < abs(c.delta) - step]
        gaps = _topsis_gaps(problem, k, p, q, closer)
        assert not bool(np.any(np.nan_to_num(gaps, nan=1.0) <= -1e-9))
