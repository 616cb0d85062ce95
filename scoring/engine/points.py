"""Converting normalised scores (0-1) to the 0-100 points shown in the UI."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from ._validate import as_float, fmt_number
from .errors import EngineInputError
from .results import Ranking

__all__ = ["ranking_points", "score_to_points"]

Number = float | int | Decimal
_TOLERANCE = 1e-9


def score_to_points(normalised: Number, *, decimals: int = 1) -> float:
    """Convert a normalised score in [0, 1] to points on a 0-100 scale.

    Method: linear rescaling of a value function to a 0-100 scale (Belton, V. & Stewart,
    T. J., 2002, "Multiple Criteria Decision Analysis: An Integrated Approach", Kluwer).
    Rounds half up to ``decimals`` places (0-6). Values within 1e-9 outside [0, 1] (float
    rounding) are clamped; anything further out is an input error.
    """
    if isinstance(decimals, bool) or not isinstance(decimals, int) or not 0 <= decimals <= 6:
        raise EngineInputError(
            "decimals must be an integer from 0 to 6.",
            field="decimals",
            details={"value": repr(decimals)},
        )
    value = as_float(normalised, "normalised", "The normalised score")
    if not -_TOLERANCE <= value <= 1.0 + _TOLERANCE:
        raise EngineInputError(
            f"The normalised score is {fmt_number(value, 6)}; it must be between 0 and 1.",
            field="normalised",
            details={"value": value},
        )
    clamped = min(max(value, 0.0), 1.0)
    quantum = Decimal(1).scaleb(-decimals)
    return float((Decimal(repr(clamped)) * 100).quantize(quantum, rounding=ROUND_HALF_UP))


def ranking_points(ranking: Ranking, *, decimals: int = 1) -> dict[str, float]:
    """Points (0-100) per alternative id for a ranking's scores, in rank order.

    Method: linear rescaling to a 0-100 scale (Belton, V. & Stewart, T. J., 2002,
    "Multiple Criteria Decision Analysis: An Integrated Approach", Kluwer), applied to
    weighted-sum scores or TOPSIS closeness coefficients (both lie in [0, 1]).
    """
    return {a.id: score_to_points(a.score, decimals=decimals) for a in ranking.alternatives}
