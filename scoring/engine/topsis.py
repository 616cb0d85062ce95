"""TOPSIS: ranking by relative closeness to the ideal solution."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from ._validate import FloatArray, Matrix
from .normalise import vector_matrix
from .results import Criterion, Prepared, Ranking, build_ranking, prepare

__all__ = ["DEGENERATE_CLOSENESS", "rank_topsis"]

Number = float | int | Decimal

#: Closeness reported when an alternative is at distance 0 from both the ideal and the
#: anti-ideal solution (every alternative identical on every weighted criterion, or a
#: single alternative): it is equidistant, so 0.5.
DEGENERATE_CLOSENESS = 0.5


@dataclass(frozen=True)
class TopsisModel:
    """Weight-independent TOPSIS quantities (private), reusable for many weight vectors.

    With non-negative weights the ideal value of criterion j is w_j * best_j, so
    S+_i = sqrt(sum_j w_j^2 (r_ij - best_j)^2): distances are linear in w^2.
    """

    normalised: FloatArray  # vector-normalised r_ij
    best: FloatArray  # per criterion: max r (benefit) or min r (cost)
    worst: FloatArray
    gap_best: FloatArray  # (r_ij - best_j)^2
    gap_worst: FloatArray


def topsis_model(prepared: Prepared) -> TopsisModel:
    r = vector_matrix(prepared.raw)
    high = r.max(axis=0)
    low = r.min(axis=0)
    best = np.where(prepared.is_cost, low, high)
    worst = np.where(prepared.is_cost, high, low)
    return TopsisModel(r, best, worst, (r - best) ** 2, (r - worst) ** 2)


def closeness(model: TopsisModel, weights: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Closeness coefficients and separations for one weight vector (n,) or many (g, n)."""
    squared = weights * weights
    plus = np.sqrt(squared @ model.gap_best.T)
    minus = np.sqrt(squared @ model.gap_worst.T)
    total = plus + minus
    safe = np.where(total > 0.0, total, 1.0)
    coefficient = np.where(total > 0.0, minus / safe, DEGENERATE_CLOSENESS)
    return coefficient, plus, minus


def rank_topsis(
    alternatives: Sequence[str],
    criteria: Sequence[Criterion],
    values: Matrix,
    weights: Mapping[str, Number],
) -> Ranking:
    """Rank alternatives with TOPSIS; ``score`` is the closeness coefficient C_i in [0, 1].

    Method: Hwang, C.-L. & Yoon, K. (1981), "Multiple Attribute Decision Making: Methods
    and Applications. A State-of-the-Art Survey", Springer (chapter on TOPSIS): vector
    normalisation r_ij = x_ij / sqrt(sum_i x_ij^2); weighted normalised matrix
    v_ij = w_j r_ij; ideal A+ (max v for benefit, min v for cost) and anti-ideal A-
    (the opposite); Euclidean separations S+_i and S-_i; closeness C_i = S-_i/(S+_i + S-_i).
    If S+_i + S-_i = 0 (all alternatives identical on the weighted criteria) C_i is 0.5.

    Input as for :func:`scoring.engine.ranking.rank_weighted_sum`. ``contributions`` are
    the weighted normalised values v_ij; ``normalised`` the vector-normalised r_ij;
    ``Ranking.ideal`` / ``anti_ideal`` give A+ and A-. Ties are broken by the documented
    rule (``Ranking.tie_break_rule``).
    """
    prepared = prepare(alternatives, criteria, values, weights)
    model = topsis_model(prepared)
    w = prepared.weights
    score, plus, minus = closeness(model, w)
    weighted = model.normalised * w
    return build_ranking(
        "topsis",
        prepared,
        score,
        weighted,
        model.normalised,
        separation=(plus, minus),
        ideal=(w * model.best, w * model.worst),
    )
