"""Ranking alternatives: weighted sum (SAW) and a dispatcher to weighted sum / TOPSIS."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from ._validate import Matrix
from .errors import EngineInputError
from .results import Criterion, Method, Ranking, build_ranking, prepare
from .topsis import rank_topsis

__all__ = ["METHODS", "rank", "rank_topsis", "rank_weighted_sum"]

Number = float | int | Decimal

#: The ranking methods accepted by :func:`rank`.
METHODS: tuple[Method, ...] = ("weighted_sum", "topsis")


def rank_weighted_sum(
    alternatives: Sequence[str],
    criteria: Sequence[Criterion],
    values: Matrix,
    weights: Mapping[str, Number],
) -> Ranking:
    """Rank alternatives by weighted sum of linearly normalised values.

    Method: simple additive weighting / weighted sum model, S_i = sum_j w_j r_ij
    (Fishburn, P. C., 1967, "Additive utilities with incomplete product sets:
    application to priorities and assignments", Operations Research Society of America;
    Hwang, C.-L. & Yoon, K., 1981, "Multiple Attribute Decision Making: Methods and
    Applications", Springer), with linear normalisation r_ij = x_ij / max_i x_ij for
    benefit criteria and r_ij = min_i x_ij / x_ij for cost criteria, so the best value on
    each criterion gets 1.0 and the score lies in [0, 1].

    ``alternatives``: unique ids. ``criteria``: :class:`Criterion` objects (unique ids).
    ``values``: raw values, one row per alternative, one column per criterion; benefit
    values must be >= 0 and cost values > 0. ``weights``: fractions keyed by criterion
    id, non-negative, summing to 1 (tolerance 1e-6; they are renormalised exactly).
    ``contributions`` per criterion are w_j * r_ij and add up to the score. Ties (scores
    within 1e-9) are broken by the documented rule, see ``Ranking.tie_break_rule``.
    """
    prepared = prepare(alternatives, criteria, values, weights)
    contributions = prepared.goodness * prepared.weights
    scores = prepared.goodness @ prepared.weights
    return build_ranking("weighted_sum", prepared, scores, contributions, prepared.goodness)


def rank(
    method: Method,
    alternatives: Sequence[str],
    criteria: Sequence[Criterion],
    values: Matrix,
    weights: Mapping[str, Number],
) -> Ranking:
    """Rank with ``method`` 'weighted_sum' or 'topsis' (same input for both).

    Methods: weighted sum model (Fishburn, P. C., 1967, "Additive utilities with
    incomplete product sets", ORSA) and TOPSIS (Hwang, C.-L. & Yoon, K., 1981, "Multiple
    Attribute Decision Making: Methods and Applications", Springer); see
    :func:`rank_weighted_sum` and :func:`scoring.engine.topsis.rank_topsis`.
    """
    if method == "weighted_sum":
        return rank_weighted_sum(alternatives, criteria, values, weights)
    if method == "topsis":
        return rank_topsis(alternatives, criteria, values, weights)
    raise EngineInputError(
        f"Unknown ranking method {method!r}; use 'weighted_sum' or 'topsis'.",
        field="method",
        details={"value": repr(method), "allowed": list(METHODS)},
    )
