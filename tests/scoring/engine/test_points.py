"""0-100 points for display."""

from __future__ import annotations

import pytest

from scoring.engine import (
    Criterion,
    EngineInputError,
    rank_weighted_sum,
    ranking_points,
    score_to_points,
)


def test_points() -> None:
    assert score_to_points(0.8125) == 81.3  # half up
    assert score_to_points(0.8125, decimals=2) == 81.25
    assert score_to_points(1) == 100.0
    assert score_to_points(0) == 0.0
    assert score_to_points(1 + 1e-12) == 100.0


@pytest.mark.parametrize("bad", [1.1, -0.1, "0.5"])
def test_points_errors(bad: object) -> None:
    with pytest.raises(EngineInputError):
        score_to_points(bad)  # type: ignore[arg-type]


def test_ranking_points() -> None:
    ranking = rank_weighted_sum(["a", "b"], [Criterion("q")], [[10], [5]], {"q": 1.0})
    assert ranking_points(ranking) == {"a": 100.0, "b": 50.0}
