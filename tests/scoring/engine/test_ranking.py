"""Weighted sum and TOPSIS ranking: worked numbers, ties, validation and properties."""

from __future__ import annotations

import json
import math
from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from scoring.engine import (
    TIE_BREAK_RULE,
    Criterion,
    EngineInputError,
    Ranking,
    rank,
    rank_topsis,
    rank_weighted_sum,
)

from .strategies import Problem, problems

METHODS = ["weighted_sum", "topsis"]

VENDORS = ["north", "east", "south"]
CRITERIA = [Criterion("price", "cost"), Criterion("quality"), Criterion("capacity")]
VALUES = [[100.0, 8.0, 50.0], [80.0, 6.0, 100.0], [120.0, 9.0, 75.0]]
WEIGHTS = {"price": 0.5, "quality": 0.3, "capacity": 0.2}


def test_weighted_sum_by_hand() -> None:
    ranking = rank_weighted_sum(VENDORS, CRITERIA, VALUES, WEIGHTS)
    # price: min/x -> 0.8, 1, 2/3; quality: x/9; capacity: x/100
    expected = {
        "north": 0.5 * 0.8 + 0.3 * 8 / 9 + 0.2 * 0.5,
        "east": 0.5 * 1.0 + 0.3 * 6 / 9 + 0.2 * 1.0,
        "south": 0.5 * 2 / 3 + 0.3 * 1.0 + 0.2 * 0.75,
    }
    assert ranking.scores == pytest.approx(expected)
    assert ranking.order == ("east", "south", "north")
    assert [a.rank for a in ranking.alternatives] == [1, 2, 3]
    assert ranking.winner == "east"
    north = ranking.get("north")
    assert north.contributions == pytest.approx(
        {"price": 0.4, "quality": 0.3 * 8 / 9, "capacity": 0.1}
    )
    assert math.fsum(north.contributions.values()) == pytest.approx(north.score)
    assert north.normalised == pytest.approx({"price": 0.8, "quality": 8 / 9, "capacity": 0.5})
    assert north.separation_ideal is None and ranking.ideal is None
    assert ranking.ties == () and ranking.tie_breaks == ()
    assert ranking.tie_break_rule == TIE_BREAK_RULE


def test_decimal_and_int_input() -> None:
    values = [[Decimal("100"), 8, Decimal("50.0")], [80, 6, 100], [120, Decimal("9"), 75]]
    weights = {"price": Decimal("0.5"), "quality": Decimal("0.3"), "capacity": Decimal("0.2")}
    ranking = rank_weighted_sum(VENDORS, CRITERIA, values, weights)
    assert ranking.scores == pytest.approx(
        rank_weighted_sum(VENDORS, CRITERIA, VALUES, WEIGHTS).scores
    )
    assert all(type(a.score) is float for a in ranking.alternatives)


def test_topsis_contributions_are_weighted_normalised_values() -> None:
    ranking = rank_topsis(VENDORS, CRITERIA, VALUES, WEIGHTS)
    east = ranking.get("east")
    norm = math.sqrt(100**2 + 80**2 + 120**2)
    assert east.normalised["price"] == pytest.approx(80 / norm)
    assert east.contributions["price"] == pytest.approx(0.5 * 80 / norm)
    assert ranking.ideal is not None and ranking.anti_ideal is not None
    assert ranking.ideal["price"] == pytest.approx(0.5 * 80 / norm)  # lowest cost is ideal
    assert ranking.anti_ideal["price"] == pytest.approx(0.5 * 120 / norm)
    for entry in ranking.alternatives:
        assert entry.separation_ideal is not None and entry.separation_anti_ideal is not None
        total = entry.separation_ideal + entry.separation_anti_ideal
        assert entry.score == pytest.approx(entry.separation_anti_ideal / total)


@pytest.mark.parametrize("method", METHODS)
def test_dispatcher(method: str) -> None:
    direct = rank_weighted_sum if method == "weighted_sum" else rank_topsis
    assert rank(method, VENDORS, CRITERIA, VALUES, WEIGHTS) == direct(  # type: ignore[arg-type]
        VENDORS, CRITERIA, VALUES, WEIGHTS
    )
    with pytest.raises(EngineInputError) as info:
        rank("electre", VENDORS, CRITERIA, VALUES, WEIGHTS)  # type: ignore[arg-type]
    assert info.value.field == "method"


@pytest.mark.parametrize("method", METHODS)
def test_ranking_is_json_serialisable(method: str) -> None:
    ranking = rank(method, VENDORS, CRITERIA, VALUES, WEIGHTS)  # type: ignore[arg-type]
    data = json.loads(json.dumps(ranking.to_dict()))
    assert data["alternatives"][0]["id"] == ranking.winner


# ---- ties ------------------------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_identical_alternatives_tie_broken_by_id(method: str) -> None:
    ranking = rank(
        method,
        ["zeta", "alpha", "mid"],
        [Criterion("q"), Criterion("p", "cost")],  # type: ignore[arg-type]
        [[5, 10], [5, 10], [4, 10]],
        {"q": 0.5, "p": 0.5},
    )
    assert ranking.order == ("alpha", "zeta", "mid")
    assert ranking.ties == (("alpha", "zeta"),)
    assert "by id" in ranking.tie_breaks[0].explanation


def test_equal_scores_broken_on_heaviest_criterion() -> None:
    # normalised a = (1, 0.25), b = (0.5, 1); 0.6*1 + 0.4*0.25 = 0.6*0.5 + 0.4*1 = 0.7
    criteria = [Criterion("speed"), Criterion("cover")]
    ranking = rank_weighted_sum(
        ["b", "a"], criteria, [[5, 10], [10, 2.5]], {"speed": 0.6, "cover": 0.4}
    )
    assert ranking.get("a").score == pytest.approx(ranking.get("b").score, abs=1e-12)
    assert ranking.order == ("a", "b")
    assert ranking.ties == (("a", "b"),)
    assert "'speed'" in ranking.tie_breaks[0].explanation
    # With the weights the other way round the scores differ: no tie any more.
    other = rank_weighted_sum(
        ["b", "a"], criteria, [[5, 10], [10, 2.5]], {"speed": 0.4, "cover": 0.6}
    )
    assert other.ties == ()


def test_equal_weights_use_criterion_order() -> None:
    values = [[10, 5], [5, 10]]
    first = rank_weighted_sum(
        ["x", "y"], [Criterion("a"), Criterion("b")], values, {"a": 0.5, "b": 0.5}
    )
    second = rank_weighted_sum(
        ["x", "y"], [Criterion("b"), Criterion("a")], [[5, 10], [10, 5]], {"a": 0.5, "b": 0.5}
    )
    assert first.order == ("x", "y")  # 'a' is listed first and x is better on it
    assert second.order == ("y", "x")  # 'b' is listed first and y is better on it


# ---- validation ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("alternatives", "criteria", "values", "weights", "field"),
    [
        (VENDORS, CRITERIA, [[100, 8, 50], [-80, 6, 100], [120, 9, 75]], WEIGHTS, "values[1][0]"),
        (VENDORS, CRITERIA, [[100, 8, 50], [0, 6, 100], [120, 9, 75]], WEIGHTS, "values[1][0]"),
        (VENDORS, CRITERIA, [[100, 8, 50], [80, -6, 100], [120, 9, 75]], WEIGHTS, "values[1][1]"),
        (VENDORS, CRITERIA, [[100, 8, 50], [80, 6], [120, 9, 75]], WEIGHTS, "values[1]"),
        (VENDORS, CRITERIA, [[100, 8, 50], [80, 6, 100]], WEIGHTS, "values"),
        (VENDORS, CRITERIA, [[100, 8, 50], [80, "6", 100], [120, 9, 75]], WEIGHTS, "values[1][1]"),
        (
            VENDORS,
            CRITERIA,
            [[100, 8, 50], [80, math.nan, 100], [120, 9, 75]],
            WEIGHTS,
            "values[1][1]",
        ),
        (VENDORS, CRITERIA, VALUES, {"price": 0.5, "quality": 0.45}, "weights.capacity"),
        (VENDORS, CRITERIA, VALUES, {**WEIGHTS, "colour": 0.0}, "weights.colour"),
        (VENDORS, CRITERIA, VALUES, {"price": 0.5, "quality": 0.3, "capacity": 0.15}, "weights"),
        (
            VENDORS,
            CRITERIA,
            VALUES,
            {"price": 0.9, "quality": 0.3, "capacity": -0.2},
            "weights.capacity",
        ),
        (["a", "a", "b"], CRITERIA, VALUES, WEIGHTS, "alternatives[1]"),
        ([], CRITERIA, [], WEIGHTS, "alternatives"),
        (VENDORS, [], VALUES, WEIGHTS, "criteria"),
        (
            VENDORS,
            [Criterion("price", "cost"), Criterion("price"), Criterion("x")],
            VALUES,
            WEIGHTS,
            "criteria[1]",
        ),
        (VENDORS, ["price", "quality", "capacity"], VALUES, WEIGHTS, "criteria[0]"),
    ],
)
@pytest.mark.parametrize("method", METHODS)
def test_invalid_input(
    method: str, alternatives: object, criteria: object, values: object, weights: object, field: str
) -> None:
    with pytest.raises(EngineInputError) as info:
        rank(method, alternatives, criteria, values, weights)  # type: ignore[arg-type]
    assert info.value.field == field
    assert str(info.value)


def test_negative_cost_message_names_alternative_and_criterion() -> None:
    with pytest.raises(EngineInputError) as info:
        rank_weighted_sum(VENDORS, CRITERIA, [[100, 8, 50], [-80, 6, 100], [120, 9, 75]], WEIGHTS)
    assert "'east'" in str(info.value) and "'price'" in str(info.value)
    assert info.value.details["alternative"] == "east"
    assert info.value.details["criterion"] == "price"


def test_weights_summing_to_095_fraction_message() -> None:
    with pytest.raises(EngineInputError, match="must add up to 1"):
        rank_weighted_sum(
            VENDORS, CRITERIA, VALUES, {"price": 0.45, "quality": 0.3, "capacity": 0.2}
        )


def test_bad_criterion_kind() -> None:
    with pytest.raises(EngineInputError) as info:
        Criterion("price", "expensive")  # type: ignore[arg-type]
    assert info.value.field == "criteria.price"


# ---- properties ------------------------------------------------------------------------


def _order_and_scores(ranking: Ranking) -> tuple[tuple[str, ...], dict[str, float]]:
    return ranking.order, ranking.scores


@given(problems(), st.floats(min_value=1e-3, max_value=1e3), st.sampled_from(METHODS))
def test_scaling_weights_leaves_ranking_unchanged(
    problem: Problem, factor: float, method: str
) -> None:
    base = rank(method, *problem.args())  # type: ignore[arg-type]
    scaled = {k: v * factor for k, v in problem.weights.items()}
    total = math.fsum(scaled.values())
    renormalised = {k: v / total for k, v in scaled.items()}
    again = rank(
        method,
        problem.alternatives,
        problem.criteria,
        problem.values,  # type: ignore[arg-type]
        renormalised,
    )
    assert again.order == base.order
    assert again.scores == pytest.approx(base.scores, abs=1e-12)


@given(problems(positive_weights=True), st.data(), st.sampled_from(METHODS))
def test_dominated_alternative_never_ranks_first(
    problem: Problem, data: st.DataObject, method: str
) -> None:
    """Add a copy of an alternative that is strictly worse on every criterion."""
    source = data.draw(st.integers(min_value=0, max_value=len(problem.alternatives) - 1))
    dominated: list[float] = []
    for criterion, value in zip(problem.criteria, problem.values[source], strict=True):
        step = data.draw(st.floats(min_value=0.05, max_value=0.9))
        if criterion.kind == "benefit":
            assume(value > 0)
            dominated.append(value * (1 - step))
        else:
            dominated.append(value * (1 + step) + 0.01)
    ranking = rank(
        method,
        [*problem.alternatives, "dominated"],
        problem.criteria,  # type: ignore[arg-type]
        [*problem.values, dominated],
        problem.weights,
    )
    assert ranking.winner != "dominated"
    assert ranking.get("dominated").score <= ranking.get(problem.alternatives[source]).score


@given(problems(), st.randoms(use_true_random=False), st.sampled_from(METHODS))
def test_permuting_alternatives_keeps_each_score(
    problem: Problem, rnd: object, method: str
) -> None:
    order = list(range(len(problem.alternatives)))
    rnd.shuffle(order)  # type: ignore[attr-defined]
    base = rank(method, *problem.args())  # type: ignore[arg-type]
    shuffled = rank(
        method,
        [problem.alternatives[i] for i in order],
        problem.criteria,  # type: ignore[arg-type]
        [problem.values[i] for i in order],
        problem.weights,
    )
    assert shuffled.scores == pytest.approx(base.scores, abs=1e-12)
    if method == "weighted_sum":
        assert shuffled.order == base.order


@given(problems(min_alternatives=1), st.sampled_from(METHODS))
def test_ranking_invariants(problem: Problem, method: str) -> None:
    ranking = rank(method, *problem.args())  # type: ignore[arg-type]
    assert [a.rank for a in ranking.alternatives] == list(range(1, len(problem.alternatives) + 1))
    assert sorted(ranking.order) == sorted(problem.alternatives)
    scores = [a.score for a in ranking.alternatives]
    assert all(0.0 <= s <= 1.0 + 1e-12 for s in scores)
    assert all(a - b >= -1e-9 for a, b in zip(scores, scores[1:], strict=False))
    tied = [name for group in ranking.ties for name in group]
    assert len(tied) == len(set(tied))
    if method == "weighted_sum":
        for entry in ranking.alternatives:
            assert math.fsum(entry.contributions.values()) == pytest.approx(entry.score, abs=1e-12)
