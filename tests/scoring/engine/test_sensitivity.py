"""Weight sensitivity after Triantaphyllou & Sánchez (1997): closed form and numeric search."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import assume, given

from scoring.engine import (
    Criterion,
    EngineInputError,
    analyse_sensitivity,
    analyse_sensitivity_topsis,
    analyse_sensitivity_weighted_sum,
    normalise_linear,
    rank,
    rank_weighted_sum,
    rescale_weights,
)

from .strategies import Problem, problems
from .test_literature import AIRCRAFT, AIRCRAFT_CRITERIA, AIRCRAFT_VALUES, AIRCRAFT_WEIGHTS

TWO = [Criterion("c1"), Criterion("c2")]


def test_two_by_two_closed_form() -> None:
    """A = (1, 0.5), B = (0.5, 1), w = (0.6, 0.4): P_A = 0.8, P_B = 0.7.

    Triantaphyllou & Sánchez (1997), Theorem 1: delta_TS = (P_B - P_A) / (a_B1 - a_A1)
    = 0.2, i.e. W1 = 0.6 - 0.2 = 0.4 with W2 = 0.4 unchanged, renormalised (0.5, 0.5):
    the two alternatives tie. In normalised terms the weight of c1 goes from 0.6 to 0.5
    (delta = -0.1 = -delta_TS (1 - W1) / (1 - delta_TS), -16.7 % relative); for c2 from
    0.4 to 0.5 (+25 %). c1 is the most critical criterion.
    """
    result = analyse_sensitivity_weighted_sum(
        ["A", "B"], TWO, [[1, 0.5], [0.5, 1]], {"c1": 0.6, "c2": 0.4}
    )
    assert result.winner == "A"
    c1, c2 = result.criteria
    assert c1.decrease is not None and c1.increase is None
    assert c1.critical_delta == pytest.approx(-0.1)
    assert c1.new_weight == pytest.approx(0.5)
    assert c1.relative_change_percent == pytest.approx(-100 / 6)
    assert c1.new_winner == "B"
    delta_ts = (0.7 - 0.8) / (0.5 - 1.0)
    assert c1.critical_delta == pytest.approx(-delta_ts * (1 - 0.6) / (1 - delta_ts))
    assert c2.critical_delta == pytest.approx(0.1)
    assert c2.relative_change_percent == pytest.approx(25.0)
    assert c2.increase is not None and c2.decrease is None
    assert result.most_critical_criterion == "c1"
    assert result.precision == 0.0
    assert "Lowering the weight of 'c1' from 60 % to 50 %" in c1.message
    assert "makes 'B' rank first instead of 'A'" in c1.message
    json.dumps(result.to_dict())


def test_dominant_winner_cannot_be_displaced() -> None:
    result = analyse_sensitivity_weighted_sum(
        ["best", "other"], TWO, [[10, 10], [5, 5]], {"c1": 0.5, "c2": 0.5}
    )
    assert result.most_critical_criterion is None
    for entry in result.criteria:
        assert not entry.can_change_winner
        assert entry.critical_delta is None and entry.new_winner is None
        assert "No change of the weight" in entry.message and "'best' stays first" in entry.message


def test_weight_carrying_everything_and_zero_weight() -> None:
    result = analyse_sensitivity_weighted_sum(
        ["a", "b"], TWO, [[10, 1], [5, 10]], {"c1": 1.0, "c2": 0.0}
    )
    c1, c2 = result.criteria
    assert c1.critical_delta is None and "carries all the weight" in c1.message
    # Raising c2 from 0: a = 1*(1-t) + 0.1 t, b = 0.5 (1-t) + t -> tie at t = 5/14.
    assert c2.new_weight == pytest.approx(5 / 14)
    assert c2.relative_change_percent is None  # undefined from zero
    assert result.most_critical_criterion == "c2"


def test_single_alternative_has_no_rival() -> None:
    for method in ("weighted_sum", "topsis"):
        result = analyse_sensitivity(method, ["only"], TWO, [[1, 2]], {"c1": 0.5, "c2": 0.5})  # type: ignore[arg-type]
        assert result.winner == "only"
        assert all(not e.can_change_winner for e in result.criteria)


def test_already_tied_rival_needs_no_change() -> None:
    # Scores tie (0.75); the tie rule puts 'x' first (better on c1, listed first).
    result = analyse_sensitivity_weighted_sum(
        ["x", "y"], TWO, [[10, 5], [5, 10]], {"c1": 0.5, "c2": 0.5}
    )
    assert result.winner == "x"
    c1 = result.get("c1")
    assert c1.critical_delta == 0.0 and c1.new_winner == "y"
    assert c1.decrease is not None and c1.decrease.delta == 0.0
    assert "already has the same score" in c1.message


@pytest.mark.parametrize("method", ["weighted_sum", "topsis"])
def test_aircraft_sensitivity_applies(method: str) -> None:
    """On Hwang & Yoon's aircraft example, moving each weight just past the reported
    critical value changes the winner to the reported alternative; stopping just short
    of it does not."""
    result = analyse_sensitivity(
        method,
        AIRCRAFT,
        AIRCRAFT_CRITERIA,
        AIRCRAFT_VALUES,  # type: ignore[arg-type]
        AIRCRAFT_WEIGHTS,
    )
    base = rank(method, AIRCRAFT, AIRCRAFT_CRITERIA, AIRCRAFT_VALUES, AIRCRAFT_WEIGHTS)  # type: ignore[arg-type]
    assert result.winner == base.winner
    assert result.most_critical_criterion is not None
    checked = 0
    for entry in result.criteria:
        for change in (entry.increase, entry.decrease):
            if change is None:
                continue
            sign = 1.0 if change.delta > 0 else -1.0
            past = rescale_weights(
                AIRCRAFT_WEIGHTS, entry.criterion_id, change.new_weight + sign * 1e-6
            )
            short = rescale_weights(
                AIRCRAFT_WEIGHTS, entry.criterion_id, change.new_weight - sign * 1e-6
            )
            assert rank(method, AIRCRAFT, AIRCRAFT_CRITERIA, AIRCRAFT_VALUES, past).winner == (  # type: ignore[arg-type]
                change.new_winner
            )
            assert rank(method, AIRCRAFT, AIRCRAFT_CRITERIA, AIRCRAFT_VALUES, short).winner == (  # type: ignore[arg-type]
                base.winner
            )
            checked += 1
    assert checked >= 5


def test_search_parameters_are_validated() -> None:
    args = (["a", "b"], TWO, [[1, 2], [2, 1]], {"c1": 0.5, "c2": 0.5})
    with pytest.raises(EngineInputError):
        analyse_sensitivity_topsis(*args, grid_step=0)
    with pytest.raises(EngineInputError):
        analyse_sensitivity_topsis(*args, grid_step=0.01, tolerance=0.1)
    with pytest.raises(EngineInputError):
        analyse_sensitivity("vikor", *args)  # type: ignore[arg-type]


# ---- properties --------------------------------------------------------------------


def _scores_at(method: str, problem: Problem, criterion: str, weight: float) -> dict[str, float]:
    weights = rescale_weights(problem.weights, criterion, min(max(weight, 0.0), 1.0))
    return rank(method, problem.alternatives, problem.criteria, problem.values, weights).scores  # type: ignore[arg-type]


def _clear_winner(method: str, problem: Problem) -> str:
    ranking = rank(method, *problem.args())  # type: ignore[arg-type]
    scores = sorted(ranking.scores.values(), reverse=True)
    assume(len(scores) < 2 or scores[0] - scores[1] > 1e-6)
    return ranking.winner


@given(problems())
def test_weighted_sum_change_flips_winner_and_smaller_does_not(problem: Problem) -> None:
    """Scores are linear in the rescaled weight, so the rival that ties at the critical
    weight is strictly ahead on the whole rest of the way to the bound, and no rival is
    ahead anywhere between the current and the critical weight."""
    winner = _clear_winner("weighted_sum", problem)
    result = analyse_sensitivity_weighted_sum(*problem.args())
    assert result.winner == winner
    for entry in result.criteria:
        for change in (entry.increase, entry.decrease):
            if change is None:
                continue
            t0, t1 = entry.current_weight, change.new_weight
            bound = 1.0 if change.delta > 0 else 0.0
            at = _scores_at("weighted_sum", problem, entry.criterion_id, t1)
            assert at[change.new_winner] == pytest.approx(at[winner], abs=1e-9)  # they tie
            beyond = _scores_at("weighted_sum", problem, entry.criterion_id, (t1 + bound) / 2)
            lead = beyond[change.new_winner] - beyond[winner]
            assert lead > -1e-12
            if abs(bound - t1) > 1e-6 and lead > 1e-9:
                assert (
                    rank_weighted_sum(
                        problem.alternatives,
                        problem.criteria,
                        problem.values,
                        rescale_weights(problem.weights, entry.criterion_id, (t1 + bound) / 2),
                    ).winner
                    != winner
                )
            for fraction in (0.5, 0.999):
                before = _scores_at(
                    "weighted_sum", problem, entry.criterion_id, t0 + fraction * (t1 - t0)
                )
                assert max(before.values()) <= before[winner] + 1e-12


@given(problems())
def test_weighted_sum_closed_form_matches_brute_force_scan(problem: Problem) -> None:
    """An independent brute-force scan (numpy, every 0.001 of weight, normalisation via
    the public normalise_linear) must not find a rival ahead before the closed-form
    critical weight, and must find one within one step after it."""
    winner = _clear_winner("weighted_sum", problem)
    result = analyse_sensitivity_weighted_sum(*problem.args())
    columns = [
        normalise_linear([row[j] for row in problem.values], c.kind)
        for j, c in enumerate(problem.criteria)
    ]
    matrix = np.array(columns).T  # alternatives x criteria
    w = np.array([problem.weights[c.id] for c in problem.criteria])
    w_index = problem.alternatives.index(winner)
    for k, entry in enumerate(result.criteria):
        t0 = entry.current_weight
        rest = sum(v for j, v in enumerate(w) if j != k)
        if rest <= 0.0:
            continue
        for direction, change in ((1, entry.increase), (-1, entry.decrease)):
            bound = 1.0 if direction == 1 else 0.0
            grid = np.append(np.arange(t0, bound, direction * 1e-3)[1:], bound)
            shares = np.array([0.0 if j == k else v / rest for j, v in enumerate(w)])
            rows = np.outer(1.0 - grid, shares)
            rows[:, k] = grid
            scores = rows @ matrix.T
            lead = np.delete(scores, w_index, axis=1).max(axis=1) - scores[:, w_index]
            ahead = np.flatnonzero(lead > 1e-9)
            if change is None:
                assert ahead.size == 0
            elif ahead.size:
                first = float(grid[ahead[0]])
                assert direction * (first - change.new_weight) >= -1e-9
                assert direction * (first - change.new_weight) <= 1e-3 + 1e-9


@given(problems(max_alternatives=5, max_criteria=4))
def test_topsis_change_flips_winner_and_earlier_scan_points_do_not(problem: Problem) -> None:
    """At the reported weight a rival's closeness exceeds the winner's; at every scan
    point before it (every 0.001 from the current weight) none does, and just short of
    the reported weight (beyond the 1e-9 bisection bracket) none does either."""
    winner = _clear_winner("topsis", problem)
    result = analyse_sensitivity_topsis(*problem.args())
    assert result.winner == winner and result.precision == 1e-9
    for entry in result.criteria:
        for change in (entry.increase, entry.decrease):
            if change is None:
                continue
            t0, t1 = entry.current_weight, change.new_weight
            sign = 1.0 if t1 > t0 else -1.0
            at = _scores_at("topsis", problem, entry.criterion_id, t1)
            assert at[change.new_winner] > at[winner]
            assert at[change.new_winner] == max(v for k, v in at.items() if k != winner)
            short = _scores_at("topsis", problem, entry.criterion_id, t1 - sign * 3e-9)
            assert max(short.values()) <= short[winner] + 1e-12
            steps = int(abs(t1 - t0) / 1e-3)
            for step in range(1, min(steps, 50) + 1):
                scores = _scores_at("topsis", problem, entry.criterion_id, t0 + sign * step * 1e-3)
                assert max(scores.values()) <= scores[winner] + 1e-12
