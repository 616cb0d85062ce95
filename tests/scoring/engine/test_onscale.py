"""On-scale normalisation: evaluator scores / 10, automatic points / 100, cost min/x."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from scoring.engine import (
    COST_RELATIVE,
    EVALUATOR_SCALE,
    POINTS_SCALE,
    Criterion,
    EngineInputError,
    OnScaleKind,
    ScaledCriterion,
    normalise_benefit,
    normalise_on_scale,
    rank_topsis,
    rank_weighted_sum,
    rank_weighted_sum_on_scale,
)
from scoring.engine.onscale import ONSCALE_TIE_BREAK_RULE

from .strategies import Problem, problems

# The issue's example: weights 50/50, an evaluator score (0-10) and automatic points (0-100).
ISSUE_CRITERIA = [
    ScaledCriterion("quality", EVALUATOR_SCALE),
    ScaledCriterion("auto", POINTS_SCALE),
]
ISSUE_WEIGHTS = {"quality": 0.5, "auto": 0.5}
A, B, C = [10.0, 5.0], [6.0, 10.0], [5.0, 20.0]


def _order(order: tuple[str, ...], first: str, second: str) -> bool:
    """True if ``first`` is ranked before ``second``."""
    return order.index(first) < order.index(second)


# --- normalise_on_scale -----------------------------------------------------------------


def test_evaluator_scores_are_divided_by_ten() -> None:
    assert normalise_on_scale([3, 6, Decimal("10"), 0], EVALUATOR_SCALE) == [0.3, 0.6, 1.0, 0.0]
    # x/max would have made the 3 a 1.0; on the scale it stays 0.3.
    assert normalise_benefit([3]) == [1.0]
    assert normalise_on_scale([3], EVALUATOR_SCALE) == [0.3]


def test_automatic_points_are_divided_by_a_hundred() -> None:
    assert normalise_on_scale([50, 100, 0, 12.5], POINTS_SCALE) == [0.5, 1.0, 0.0, 0.125]


def test_cost_is_relative_to_the_lowest() -> None:
    assert normalise_on_scale([100, 50, 200], COST_RELATIVE) == [0.5, 1.0, 0.25]
    # A new lowest bid rescales the whole cost column.
    assert normalise_on_scale([100, 50, 200, 25], COST_RELATIVE) == [0.25, 0.5, 0.125, 1.0]


def test_a_scale_value_does_not_depend_on_the_others() -> None:
    alone = normalise_on_scale([7], EVALUATOR_SCALE)
    together = normalise_on_scale([7, 2, 9], EVALUATOR_SCALE)
    assert alone[0] == together[0] == 0.7


def test_other_scales() -> None:
    assert normalise_on_scale([1, 4], ("scale", 5)) == [0.2, 0.8]
    assert normalise_on_scale([1, 4], ("scale", Decimal("8"))) == [0.125, 0.5]


@pytest.mark.parametrize(
    ("values", "kind", "index", "text"),
    [
        ([5, 10.5], EVALUATOR_SCALE, 1, "Value 2 is 10.5; it must be between 0 and 10"),
        ([-1, 5], EVALUATOR_SCALE, 0, "Value 1 is -1; it must be between 0 and 10"),
        ([50, 101], POINTS_SCALE, 1, "Value 2 is 101; it must be between 0 and 100"),
        ([10, 0], COST_RELATIVE, 1, "cost values must be greater than zero"),
        ([10, -3], COST_RELATIVE, 1, "cost values must be greater than zero"),
    ],
)
def test_values_outside_the_scale_are_refused(
    values: list[float], kind: OnScaleKind, index: int, text: str
) -> None:
    with pytest.raises(EngineInputError) as info:
        normalise_on_scale(values, kind)
    assert text in str(info.value)
    assert info.value.field == f"values[{index}]"
    assert info.value.details["index"] == index


@pytest.mark.parametrize(
    "kind",
    [("benefit",), ("scale",), ("scale", 10, 1), ("cost_relative", 1), "scale", (), None],
)
def test_unknown_kinds_are_refused(kind: object) -> None:
    with pytest.raises(EngineInputError) as info:
        normalise_on_scale([1, 2], kind)  # type: ignore[arg-type]
    assert "('scale', maximum) or ('cost_relative',)" in str(info.value)
    assert info.value.field == "kind"


@pytest.mark.parametrize("maximum", [0, -10, float("inf"), "10"])
def test_the_top_of_the_scale_must_be_a_positive_number(maximum: object) -> None:
    with pytest.raises(EngineInputError) as info:
        normalise_on_scale([1], ("scale", maximum))  # type: ignore[arg-type]
    assert info.value.field == "kind"
    assert "top of the scale" in str(info.value)


@pytest.mark.parametrize("bad", [[], "123", [1, "x"], [float("nan")]])
def test_bad_columns(bad: object) -> None:
    with pytest.raises(EngineInputError):
        normalise_on_scale(bad, EVALUATOR_SCALE)  # type: ignore[arg-type]


# --- rank_weighted_sum_on_scale ---------------------------------------------------------


def test_issue_example_x_over_max_flips_when_c_is_added() -> None:
    """The old local normalisation (kept as it is): adding C swaps A and B."""
    plain = [Criterion("quality"), Criterion("auto")]
    two = rank_weighted_sum(["A", "B"], plain, [A, B], ISSUE_WEIGHTS)
    assert two.order == ("B", "A")
    assert two.scores == pytest.approx({"A": 0.75, "B": 0.80})
    three = rank_weighted_sum(["A", "B", "C"], plain, [A, B, C], ISSUE_WEIGHTS)
    assert _order(three.order, "A", "B")
    assert three.scores["A"] == pytest.approx(0.625)
    assert three.scores["B"] == pytest.approx(0.55)


def test_issue_example_topsis_flips_too() -> None:
    """What the module docstring says TOPSIS cannot promise: the same swap."""
    plain = [Criterion("quality"), Criterion("auto")]
    assert rank_topsis(["A", "B"], plain, [A, B], ISSUE_WEIGHTS).order == ("B", "A")
    three = rank_topsis(["A", "B", "C"], plain, [A, B, C], ISSUE_WEIGHTS)
    assert _order(three.order, "A", "B")


def test_issue_example_on_scale_never_flips() -> None:
    two = rank_weighted_sum_on_scale(["A", "B"], ISSUE_CRITERIA, [A, B], ISSUE_WEIGHTS)
    # A: 0.5 * 10/10 + 0.5 * 5/100 = 0.525; B: 0.5 * 6/10 + 0.5 * 10/100 = 0.35.
    assert two.order == ("A", "B")
    assert two.scores == pytest.approx({"A": 0.525, "B": 0.35})
    three = rank_weighted_sum_on_scale(["A", "B", "C"], ISSUE_CRITERIA, [A, B, C], ISSUE_WEIGHTS)
    # C: 0.5 * 5/10 + 0.5 * 20/100 = 0.35, tied with B; A and B keep their scores and order.
    assert three.scores == pytest.approx({"A": 0.525, "B": 0.35, "C": 0.35})
    assert three.order == ("A", "B", "C")
    assert three.tie_breaks[0].alternatives == ("B", "C")
    assert "higher normalised value on 'quality'" in three.tie_breaks[0].explanation
    for entry in two.alternatives:
        assert three.get(entry.id).normalised == entry.normalised
        assert three.get(entry.id).contributions == entry.contributions


def test_ranking_details() -> None:
    criteria = [
        ScaledCriterion("quality", EVALUATOR_SCALE),
        ScaledCriterion("auto", POINTS_SCALE),
        ScaledCriterion("tco", COST_RELATIVE),
    ]
    weights = {"quality": 0.5, "auto": 0.2, "tco": 0.3}
    values: list[list[float | int | Decimal]] = [[8, 40, Decimal("200")], [6, 90, 100]]
    ranking = rank_weighted_sum_on_scale(["north", "south"], criteria, values, weights)
    north = ranking.get("north")
    assert north.normalised == pytest.approx({"quality": 0.8, "auto": 0.4, "tco": 0.5})
    assert north.contributions == pytest.approx({"quality": 0.4, "auto": 0.08, "tco": 0.15})
    assert north.score == pytest.approx(0.63)
    south = ranking.get("south")
    assert south.score == pytest.approx(0.5 * 0.6 + 0.2 * 0.9 + 0.3 * 1.0)
    for entry in ranking.alternatives:
        assert sum(entry.contributions.values()) == pytest.approx(entry.score)
        assert type(entry.score) is float
        assert entry.separation_ideal is None
    assert ranking.method == "weighted_sum"
    assert ranking.tie_break_rule == ONSCALE_TIE_BREAK_RULE
    assert json.loads(json.dumps(ranking.to_dict()))["tie_break_rule"] == ONSCALE_TIE_BREAK_RULE


def test_a_new_lowest_bid_rescales_the_cost_column_and_can_swap_two_others() -> None:
    """What the method section must say: cost stays relative to the lowest TCO."""
    criteria = [ScaledCriterion("quality"), ScaledCriterion("tco", COST_RELATIVE)]
    weights = {"quality": 0.5, "tco": 0.5}
    a, b, c = [10.0, 200.0], [6.0, 100.0], [0.0, 50.0]
    two = rank_weighted_sum_on_scale(["A", "B"], criteria, [a, b], weights)
    assert two.order == ("B", "A")  # A 0.75, B 0.80
    three = rank_weighted_sum_on_scale(["A", "B", "C"], criteria, [a, b, c], weights)
    assert _order(three.order, "A", "B")  # A 0.625, B 0.55
    # Only the cost column moved; the evaluator scores kept their meaning.
    for alternative in ("A", "B"):
        assert (
            three.get(alternative).normalised["quality"]
            == (two.get(alternative).normalised["quality"])
        )
        assert three.get(alternative).normalised["tco"] == pytest.approx(
            two.get(alternative).normalised["tco"] / 2
        )


def test_a_score_above_the_scale_names_the_cell() -> None:
    with pytest.raises(EngineInputError) as info:
        rank_weighted_sum_on_scale(["A", "B"], ISSUE_CRITERIA, [[10, 5], [6, 100.5]], ISSUE_WEIGHTS)
    assert str(info.value) == (
        "The value of 'B' on 'auto' is 100.5; it must be between 0 and 100, the top of its scale."
    )
    assert info.value.field == "values[1][1]"
    assert info.value.details["alternative"] == "B"
    assert info.value.details["criterion"] == "auto"
    assert info.value.details["maximum"] == 100.0


def test_ranking_input_is_validated_as_for_the_other_rankings() -> None:
    with pytest.raises(EngineInputError) as info:
        rank_weighted_sum_on_scale(["A", "B"], ISSUE_CRITERIA, [[10, 5], [-1, 5]], ISSUE_WEIGHTS)
    assert info.value.field == "values[1][0]"
    with pytest.raises(EngineInputError) as info:
        rank_weighted_sum_on_scale(
            ["A"], [ScaledCriterion("tco", COST_RELATIVE)], [[0]], {"tco": 1}
        )
    assert "greater than zero" in str(info.value)
    with pytest.raises(EngineInputError) as info:
        rank_weighted_sum_on_scale(["A"], [Criterion("q")], [[1]], {"q": 1})  # type: ignore[list-item]
    assert info.value.field == "criteria[0]"
    with pytest.raises(EngineInputError) as info:
        rank_weighted_sum_on_scale(["A"], [], [[1]], {"q": 1})
    assert info.value.field == "criteria"
    with pytest.raises(EngineInputError) as info:
        rank_weighted_sum_on_scale(["A", "A"], ISSUE_CRITERIA, [A, B], ISSUE_WEIGHTS)
    assert info.value.field == "alternatives[1]"
    with pytest.raises(EngineInputError):
        rank_weighted_sum_on_scale(["A"], ISSUE_CRITERIA, [A], {"quality": 0.5, "auto": 0.2})


@pytest.mark.parametrize("kind", [("scale", 0), ("benefit",), ("cost",)])
def test_a_scaled_criterion_checks_its_kind(kind: object) -> None:
    with pytest.raises(EngineInputError) as info:
        ScaledCriterion("quality", kind)  # type: ignore[arg-type]
    assert info.value.field == "criteria.quality"
    assert "'quality'" in str(info.value)


def test_a_scaled_criterion_needs_an_id() -> None:
    with pytest.raises(EngineInputError):
        ScaledCriterion("", EVALUATOR_SCALE)


# --- rank stability ---------------------------------------------------------------------

# Realistic values: aggregated evaluator scores on a 0.25 grid (0-10), automatic points on a
# 0.5 grid (0-100), weights in whole percent as the portal enters them. Two scores then
# either tie exactly (up to float rounding) or differ by far more than the 1e-9 tie
# tolerance, as in the application.
_KINDS: list[OnScaleKind] = [EVALUATOR_SCALE, POINTS_SCALE, ("scale", 5)]
_GRID = {10.0: 0.25, 100.0: 0.5, 5.0: 0.25}


@st.composite
def absolute_problems(
    draw: st.DrawFn,
) -> tuple[list[str], list[ScaledCriterion], list[list[float]], dict[str, float]]:
    m = draw(st.integers(min_value=3, max_value=7))
    n = draw(st.integers(min_value=1, max_value=4))
    criteria = [ScaledCriterion(f"c{j}", draw(st.sampled_from(_KINDS))) for j in range(n)]
    steps = [_GRID[float(c.maximum or 0)] for c in criteria]
    tops = [float(c.maximum or 0) for c in criteria]
    values = [
        [
            draw(st.integers(min_value=0, max_value=int(top / step))) * step
            for top, step in zip(tops, steps, strict=True)
        ]
        for _ in range(m)
    ]
    percents = draw(st.lists(st.integers(min_value=0, max_value=100), min_size=n, max_size=n))
    assume(sum(percents) > 0)
    total = sum(percents)
    weights = {c.id: p / total for c, p in zip(criteria, percents, strict=True)}
    return [f"alt{i}" for i in range(m)], criteria, values, weights


@given(absolute_problems(), st.data())
def test_adding_or_removing_an_alternative_never_reorders_two_others(
    problem: tuple[list[str], list[ScaledCriterion], list[list[float]], dict[str, float]],
    data: st.DataObject,
) -> None:
    ids, criteria, values, weights = problem
    full = rank_weighted_sum_on_scale(ids, criteria, values, weights)
    removed = data.draw(st.integers(min_value=0, max_value=len(ids) - 1), label="removed")
    rest_ids = [a for i, a in enumerate(ids) if i != removed]
    rest_values = [row for i, row in enumerate(values) if i != removed]
    smaller = rank_weighted_sum_on_scale(rest_ids, criteria, rest_values, weights)
    # Removing one (read the other way: adding it back) leaves the others' order as it was.
    assert tuple(a for a in full.order if a != ids[removed]) == smaller.order
    for alternative in rest_ids:
        assert smaller.scores[alternative] == pytest.approx(full.scores[alternative], abs=1e-12)


@given(problems(min_alternatives=1, max_alternatives=5), st.data())
def test_scores_on_absolute_criteria_do_not_depend_on_the_others(
    problem: Problem, data: st.DataObject
) -> None:
    """Any floats: every alternative's score is the same alone as in company."""
    tops = [100.0] * len(problem.criteria)  # the strategy's values lie in [0, 100]
    criteria = [
        ScaledCriterion(c.id, ("scale", top)) for c, top in zip(problem.criteria, tops, strict=True)
    ]
    full = rank_weighted_sum_on_scale(
        problem.alternatives, criteria, problem.values, problem.weights
    )
    index = data.draw(st.integers(min_value=0, max_value=len(problem.alternatives) - 1))
    alone = rank_weighted_sum_on_scale(
        [problem.alternatives[index]], criteria, [problem.values[index]], problem.weights
    )
    alternative = problem.alternatives[index]
    assert alone.scores[alternative] == pytest.approx(full.scores[alternative], abs=1e-12)
    assert alone.get(alternative).normalised == pytest.approx(full.get(alternative).normalised)


@given(problems(min_alternatives=2, max_alternatives=6))
def test_topsis_keeps_a_dominating_alternative_ahead(problem: Problem) -> None:
    """The TOPSIS promise in the module docstring: dominance survives any company."""
    ranking = rank_topsis(*problem.args())
    goodness = [
        [-v if c.kind == "cost" else v for v, c in zip(row, problem.criteria, strict=True)]
        for row in problem.values
    ]
    weights = [problem.weights[c.id] for c in problem.criteria]
    for i, first in enumerate(problem.alternatives):
        for k, second in enumerate(problem.alternatives):
            at_least = all(a >= b for a, b in zip(goodness[i], goodness[k], strict=True))
            # Better by a margin float rounding cannot eat, on a criterion that counts.
            better = any(
                a - b > 1e-6 * max(1.0, abs(b)) and w >= 1e-3
                for a, b, w in zip(goodness[i], goodness[k], weights, strict=True)
            )
            if at_least and better:
                assert _order(ranking.order, first, second), (first, second)


@given(
    st.lists(st.integers(min_value=1, max_value=20), min_size=3, max_size=7),
    st.sampled_from(["benefit", "cost"]),
    st.data(),
)
def test_topsis_on_a_single_criterion_keeps_the_order_of_the_others(
    column: list[int], kind: str, data: st.DataObject
) -> None:
    """The other TOPSIS promise in the module docstring."""
    criteria = [Criterion("c", "cost" if kind == "cost" else "benefit")]
    ids = [f"alt{i}" for i in range(len(column))]
    full = rank_topsis(ids, criteria, [[v] for v in column], {"c": 1.0})
    removed = data.draw(st.integers(min_value=0, max_value=len(ids) - 1), label="removed")
    rest = [i for i in range(len(ids)) if i != removed]
    smaller = rank_topsis([ids[i] for i in rest], criteria, [[column[i]] for i in rest], {"c": 1})
    assert tuple(a for a in full.order if a != ids[removed]) == smaller.order
