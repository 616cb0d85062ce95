"""One-at-a-time weight sensitivity of the top-ranked alternative.

For each criterion k the weight W_k is moved away from its current value while the other
weights are rescaled in proportion (so they keep their ratios and everything still sums
to 1), and the smallest change that lets another alternative overtake the current winner
is reported, separately for an increase and a decrease, plus the smaller of the two.

"Overtake" means the rival's score becomes higher than the winner's. The reported
``new_weight`` is the boundary: at exactly that weight the two scores are equal (and the
tie rule of :mod:`scoring.engine.results` decides), any change beyond it puts the rival
ahead. A change of 0 means a rival already has the same score and wins as soon as the
weight moves in that direction.

Relation to Triantaphyllou & Sánchez (1997): they change W_k by an absolute amount
delta_TS and renormalise all weights afterwards, which is exactly a proportional
rescaling of the other weights. Their delta_TS and the ``delta`` reported here (the
change of the normalised weight) are related by ``delta = -delta_TS * (1 - W_k) /
(1 - delta_TS)``; the relative change is ``delta / W_k * 100`` per cent.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

import numpy as np

from ._validate import FloatArray, Matrix, fmt_number, fmt_percent
from .errors import EngineInputError
from .normalise import BoolArray
from .results import (
    TIE_TOLERANCE,
    Criterion,
    Method,
    Prepared,
    criterion_priority,
    prepare,
    tie_key,
    winner_index,
)
from .topsis import TopsisModel, closeness, topsis_model
from .weights import other_shares, other_weight, rescaled_vector

__all__ = [
    "DEFAULT_GRID_STEP",
    "DEFAULT_TOLERANCE",
    "CriterionSensitivity",
    "SensitivityResult",
    "WeightChange",
    "analyse_sensitivity",
    "analyse_sensitivity_topsis",
    "analyse_sensitivity_weighted_sum",
]

Number = float | int | Decimal
Direction = Literal[1, -1]

#: TOPSIS scan: the weight is evaluated every DEFAULT_GRID_STEP (absolute weight units).
DEFAULT_GRID_STEP = 1e-3
#: TOPSIS scan: a detected change is located by bisection to within this weight.
DEFAULT_TOLERANCE = 1e-9
_EPS = 1e-12
_CHUNK_CELLS = 2_000_000


@dataclass(frozen=True)
class WeightChange:
    """A weight change that gives first place to ``new_winner``.

    ``delta`` is signed, in weight units (new_weight - current weight, fractions);
    ``relative_change_percent`` = delta / current weight * 100 (None if the current
    weight is 0, where it is undefined).
    """

    delta: float
    relative_change_percent: float | None
    new_weight: float
    new_winner: str

    def to_dict(self) -> dict[str, object]:
        """A JSON-serialisable representation."""
        return {
            "delta": self.delta,
            "relative_change_percent": self.relative_change_percent,
            "new_weight": self.new_weight,
            "new_winner": self.new_winner,
        }


@dataclass(frozen=True)
class CriterionSensitivity:
    """Sensitivity of the winner to the weight of one criterion.

    ``critical_delta`` / ``relative_change_percent`` / ``new_weight`` / ``new_winner``
    describe the smaller (in absolute weight units) of ``increase`` and ``decrease``; all
    four are None when no weight in [0, 1] changes the winner (``message`` says so).
    """

    criterion_id: str
    current_weight: float
    critical_delta: float | None
    relative_change_percent: float | None
    new_weight: float | None
    new_winner: str | None
    increase: WeightChange | None
    decrease: WeightChange | None
    message: str

    @property
    def can_change_winner(self) -> bool:
        """Whether some weight in [0, 1] gives first place to another alternative."""
        return self.critical_delta is not None

    def to_dict(self) -> dict[str, object]:
        """A JSON-serialisable representation."""
        return {
            "criterion_id": self.criterion_id,
            "current_weight": self.current_weight,
            "critical_delta": self.critical_delta,
            "relative_change_percent": self.relative_change_percent,
            "new_weight": self.new_weight,
            "new_winner": self.new_winner,
            "increase": self.increase.to_dict() if self.increase else None,
            "decrease": self.decrease.to_dict() if self.decrease else None,
            "message": self.message,
        }


@dataclass(frozen=True)
class SensitivityResult:
    """Weight sensitivity of the current winner, one entry per criterion (input order).

    ``most_critical_criterion`` is the criterion whose weight needs the smallest
    relative change to change the winner (Triantaphyllou & Sánchez's most critical
    criterion), None if no weight change can change the winner. ``precision`` is the
    accuracy of the reported weights (0 for the closed-form weighted-sum analysis).
    """

    method: Method
    winner: str
    criteria: tuple[CriterionSensitivity, ...]
    most_critical_criterion: str | None
    precision: float
    note: str

    def get(self, criterion_id: str) -> CriterionSensitivity:
        """The entry of one criterion; raises KeyError if unknown."""
        for entry in self.criteria:
            if entry.criterion_id == criterion_id:
                return entry
        raise KeyError(criterion_id)

    def to_dict(self) -> dict[str, object]:
        """A JSON-serialisable representation."""
        return {
            "method": self.method,
            "winner": self.winner,
            "criteria": [c.to_dict() for c in self.criteria],
            "most_critical_criterion": self.most_critical_criterion,
            "precision": self.precision,
            "note": self.note,
        }


def _weights_at(prepared: Prepared, k: int, t: float) -> FloatArray:
    """Exactly the weights rank() sees after rescale_weights(..., k, t)."""
    vector = rescaled_vector(prepared.weights, k, t)
    result: FloatArray = vector / vector.sum()
    return result


def _pick_rival(
    candidates: list[int], gains: list[float], prepared: Prepared, weights: FloatArray
) -> int:
    """Among rivals overtaking at the same point: the fastest one, then the tie rule."""
    best_gain = max(gains)
    fastest = [i for i, g in zip(candidates, gains, strict=True) if g >= best_gain - _EPS]
    priority = criterion_priority(weights)
    return min(
        fastest, key=lambda i: tie_key(prepared.goodness, i, priority, prepared.alternative_ids)
    )


def _wsm_direction(
    prepared: Prepared, winner: int, k: int, direction: Direction
) -> tuple[float, int] | None:
    """Closed form: scores are linear in the rescaled weight t (see module docstring)."""
    n_matrix = prepared.goodness
    w = prepared.weights
    t0 = float(w[k])
    # P_i(t) = t * r_ik + (1 - t) * Q_i, with Q_i the score on the other criteria alone.
    q = n_matrix @ other_shares(w, k)
    at_zero = (q - q[winner]).tolist()  # d_i(0) = P_i(0) - P_winner(0)
    at_one = (n_matrix[:, k] - n_matrix[winner, k]).tolist()  # d_i(1)
    found: list[tuple[float, int, float]] = []
    for i in range(len(at_zero)):
        if i == winner:
            continue
        a, b = at_zero[i], at_one[i]
        end = b if direction == 1 else a  # the rival must be ahead at the far end
        if end <= _EPS:
            continue
        slope = b - a
        crossing = a / (a - b) if slope != 0.0 else t0
        crossing = min(max(crossing, t0), 1.0) if direction == 1 else min(max(crossing, 0.0), t0)
        found.append((crossing, i, slope * direction))
    if not found:
        return None
    crossing = min((c for c, _, _ in found), key=lambda c: abs(c - t0))
    tied = [(c, i, g) for c, i, g in found if abs(c - crossing) <= _EPS]
    rival = _pick_rival(
        [i for _, i, _ in tied],
        [g for _, _, g in tied],
        prepared,
        _weights_at(prepared, k, crossing),
    )
    return crossing, rival


def _topsis_gap(
    model: TopsisModel, prepared: Prepared, winner: int, k: int, t: float
) -> tuple[float, FloatArray]:
    """max over rivals of C_i - C_winner at rescaled weight t (single evaluation)."""
    score = closeness(model, _weights_at(prepared, k, t))[0]
    rivals = score.copy()
    rivals[winner] = -np.inf
    return float(rivals.max() - score[winner]), score


@dataclass(frozen=True)
class _TopsisLine:
    """Squared separations along one criterion's weight t, other weights in proportion.

    With weights t e_k + (1 - t) s (s: the other weights' shares, summing to 1, so the
    weights sum to 1), S+_i(t)^2 = t^2 G+_ik + (1 - t)^2 (G+ s^2)_i and likewise S-: two
    numbers per alternative instead of a product with the whole matrix per scan point.
    """

    plus_k: FloatArray
    plus_rest: FloatArray
    minus_k: FloatArray
    minus_rest: FloatArray

    def rival_ahead(self, ts: FloatArray, winner: int) -> BoolArray:
        """At each weight in ``ts``: does some rival's closeness exceed the winner's?

        C_i > C_w is S-_i S+_w > S-_w S+_i, compared squared (no root, no division); an
        alternative at distance 0 from both solutions has closeness 0.5.
        """
        on_k = (ts * ts)[:, np.newaxis]
        rest = ((1.0 - ts) * (1.0 - ts))[:, np.newaxis]
        plus = on_k * self.plus_k + rest * self.plus_rest
        minus = on_k * self.minus_k + rest * self.minus_rest
        plus_w = plus[:, winner : winner + 1]
        minus_w = minus[:, winner : winner + 1]
        ahead: BoolArray = np.greater(minus * plus_w, minus_w * plus)
        degenerate = (plus + minus) <= 0.0
        if bool(degenerate.any()):
            half_w = minus_w < plus_w  # the winner below 0.5: a rival at 0.5 is ahead
            above_half = minus > plus  # a rival above 0.5 beats a winner at 0.5
            ahead = np.where(
                degenerate,
                half_w & ~degenerate[:, winner : winner + 1],
                np.where(degenerate[:, winner : winner + 1], above_half, ahead),
            )
        ahead[:, winner] = False
        result: BoolArray = np.any(ahead, axis=1)
        return result


def _topsis_line(model: TopsisModel, weights: FloatArray, k: int) -> _TopsisLine:
    shares = other_shares(weights, k)
    squared = shares * shares
    return _TopsisLine(
        model.gap_best[:, k],
        model.gap_best @ squared,
        model.gap_worst[:, k],
        model.gap_worst @ squared,
    )


def _topsis_direction(
    model: TopsisModel,
    prepared: Prepared,
    winner: int,
    k: int,
    direction: Direction,
    grid_step: float,
    tolerance: float,
) -> tuple[float, int] | None:
    t0 = float(prepared.weights[k])
    bound = 1.0 if direction == 1 else 0.0
    distance = abs(bound - t0)
    if distance <= 0.0:
        return None
    steps = max(1, math.ceil(distance / grid_step - 1e-9))
    grid = t0 + direction * grid_step * np.arange(1, steps + 1, dtype=np.float64)
    grid[-1] = bound
    grid = np.clip(grid, 0.0, 1.0)
    m = prepared.raw.shape[0]
    line = _topsis_line(model, prepared.weights, k)
    previous_t, previous_gap = t0, _topsis_gap(model, prepared, winner, k, t0)[0]
    chunk = max(1, _CHUNK_CELLS // max(m, 1))
    hit: tuple[float, float] | None = None
    for start in range(0, len(grid), chunk):
        ts = grid[start : start + chunk]
        # Vectorised scan (only to bracket; every decision below uses exact evaluations).
        gaps = np.where(line.rival_ahead(ts, winner), 1.0, 0.0)  # the scan's sign only
        # Only scan points where a rival looks ahead get an exact look; at the others the
        # gap is the scan's (<= 0), as if each point had been visited in turn.
        looked = -1
        for index in np.flatnonzero(gaps > 0.0).tolist():
            if index > 0 and index - 1 != looked:
                previous_t, previous_gap = float(ts[index - 1]), float(gaps[index - 1])
            t = float(ts[index])
            exact = _topsis_gap(model, prepared, winner, k, t)[0]
            if exact > 0.0 and previous_gap <= 0.0:
                hit = (previous_t, t)
                break
            if exact > 0.0 and previous_t == t0:
                hit = (t0, t0)  # a rival is already (marginally) ahead and stays ahead
                break
            previous_t, previous_gap, looked = t, exact, index
        if hit is not None:
            break
        if looked != len(ts) - 1:
            previous_t, previous_gap = float(ts[-1]), float(gaps[-1])
    if hit is None:
        return None
    low, high = hit
    if low != high:
        while abs(high - low) > tolerance:
            middle = 0.5 * (low + high)
            if _topsis_gap(model, prepared, winner, k, middle)[0] > 0.0:
                high = middle
            else:
                low = middle
    _, score = _topsis_gap(model, prepared, winner, k, high)
    top_rival = float(np.delete(score, winner).max())
    candidates = [i for i in range(m) if i != winner and top_rival - score[i] <= TIE_TOLERANCE]
    rival = _pick_rival(
        candidates, [0.0] * len(candidates), prepared, _weights_at(prepared, k, high)
    )
    return high, rival


def _change(t0: float, found: tuple[float, int] | None, ids: Sequence[str]) -> WeightChange | None:
    if found is None:
        return None
    new_weight, rival = found
    delta = new_weight - t0
    relative = delta / t0 * 100.0 if t0 > 0.0 else None
    return WeightChange(delta, relative, new_weight, ids[rival])


def _message(
    cid: str, t0: float, chosen: WeightChange | None, winner: str, sole: bool, direction: str
) -> str:
    if sole:
        return (
            f"{cid!r} carries all the weight and the other criteria have none, so they "
            f"cannot be rescaled in proportion; this weight cannot change the winner "
            f"{winner!r}."
        )
    if chosen is None:
        return (
            f"No change of the weight of {cid!r} between 0 % and 100 % (other weights "
            f"rescaled in proportion) changes the winner: {winner!r} stays first."
        )
    if chosen.delta == 0.0:
        return (
            f"{chosen.new_winner!r} already has the same score as {winner!r}; any "
            f"{direction} of the weight of {cid!r} puts it first."
        )
    verb = "Raising" if chosen.delta > 0 else "Lowering"
    sign = "+" if chosen.delta > 0 else "-"
    points = fmt_number(abs(chosen.delta) * 100.0, 2)
    relative = ""
    if chosen.relative_change_percent is not None:
        relative = f", {sign}{fmt_number(abs(chosen.relative_change_percent), 1)} % relative"
    return (
        f"{verb} the weight of {cid!r} from {fmt_percent(t0, 2)} to "
        f"{fmt_percent(chosen.new_weight, 2)} ({sign}{points} percentage points{relative}) "
        f"makes {chosen.new_winner!r} rank first instead of {winner!r}."
    )


def _analyse(
    method: Method, prepared: Prepared, grid_step: float, tolerance: float
) -> SensitivityResult:
    ids = prepared.alternative_ids
    w = prepared.weights
    model: TopsisModel | None = None
    if method == "weighted_sum":
        scores = prepared.goodness @ w
    else:
        model = topsis_model(prepared)
        scores = closeness(model, w)[0]
    winner = winner_index(scores, prepared, w)
    entries: list[CriterionSensitivity] = []
    for k, cid in enumerate(prepared.criterion_ids):
        t0 = float(w[k])
        sole = other_weight(w, k) <= 0.0
        up: WeightChange | None = None
        down: WeightChange | None = None
        if not sole and len(ids) > 1:
            if model is None:
                up = _change(t0, _wsm_direction(prepared, winner, k, 1), ids)
                down = _change(t0, _wsm_direction(prepared, winner, k, -1), ids)
            else:
                up = _change(
                    t0, _topsis_direction(model, prepared, winner, k, 1, grid_step, tolerance), ids
                )
                down = _change(
                    t0, _topsis_direction(model, prepared, winner, k, -1, grid_step, tolerance), ids
                )
        options = [c for c in (up, down) if c is not None]
        chosen = min(options, key=lambda c: (abs(c.delta), c.delta < 0)) if options else None
        entries.append(
            CriterionSensitivity(
                criterion_id=cid,
                current_weight=t0,
                critical_delta=chosen.delta if chosen else None,
                relative_change_percent=chosen.relative_change_percent if chosen else None,
                new_weight=chosen.new_weight if chosen else None,
                new_winner=chosen.new_winner if chosen else None,
                increase=up,
                decrease=down,
                message=_message(
                    cid, t0, chosen, ids[winner], sole, "increase" if chosen is up else "decrease"
                ),
            )
        )
    changing = [(index, e) for index, e in enumerate(entries) if e.critical_delta is not None]
    most_critical: str | None = None
    if changing:

        def key(item: tuple[int, CriterionSensitivity]) -> tuple[bool, float, int]:
            index, entry = item
            rel = entry.relative_change_percent
            if rel is None:
                return (True, abs(entry.critical_delta or 0.0), index)
            return (False, abs(rel), index)

        most_critical = min(changing, key=key)[1].criterion_id
    if method == "weighted_sum":
        precision = 0.0
        note = (
            "Closed form (Triantaphyllou & Sánchez 1997): scores are linear in the "
            "rescaled weight, so each rival's break-even weight is solved exactly."
        )
    else:
        precision = tolerance
        note = (
            f"Numeric search: the weight is scanned every {fmt_number(grid_step, 6)} and "
            f"each change of winner is located by bisection to within "
            f"{tolerance:.0e}. A lead that appears and disappears again between two scan "
            "points can be missed."
        )
    return SensitivityResult(method, ids[winner], tuple(entries), most_critical, precision, note)


def _check_search(grid_step: float, tolerance: float) -> None:
    if not (isinstance(grid_step, (int, float)) and 0.0 < grid_step <= 0.5):
        raise EngineInputError(
            "grid_step must be a number in (0, 0.5].",
            field="grid_step",
            details={"value": repr(grid_step)},
        )
    if not (isinstance(tolerance, (int, float)) and 0.0 < tolerance <= grid_step):
        raise EngineInputError(
            "tolerance must be a positive number no larger than grid_step.",
            field="tolerance",
            details={"value": repr(tolerance)},
        )


def analyse_sensitivity_weighted_sum(
    alternatives: Sequence[str],
    criteria: Sequence[Criterion],
    values: Matrix,
    weights: Mapping[str, Number],
) -> SensitivityResult:
    """Weight sensitivity of the weighted-sum winner, in closed form.

    Method: Triantaphyllou, E. & Sánchez, A. (1997), "A sensitivity analysis approach for
    some deterministic multi-criteria decision-making methods", Decision Sciences 28(1),
    151-194 (Theorem 1 for the weighted sum model). With the other weights rescaled in
    proportion, every score is linear in the weight t of criterion k,
    P_i(t) = t r_ik + (1 - t) Q_i, so the weight at which each rival ties with the winner
    is solved exactly; the nearest one in [0, 1] is reported per direction.

    Input as for :func:`scoring.engine.ranking.rank_weighted_sum`.
    """
    prepared = prepare(alternatives, criteria, values, weights)
    return _analyse("weighted_sum", prepared, DEFAULT_GRID_STEP, DEFAULT_TOLERANCE)


def analyse_sensitivity_topsis(
    alternatives: Sequence[str],
    criteria: Sequence[Criterion],
    values: Matrix,
    weights: Mapping[str, Number],
    *,
    grid_step: float = DEFAULT_GRID_STEP,
    tolerance: float = DEFAULT_TOLERANCE,
) -> SensitivityResult:
    """Weight sensitivity of the TOPSIS winner, by numeric search.

    Method: the one-at-a-time weight sensitivity of Triantaphyllou, E. & Sánchez, A.
    (1997), "A sensitivity analysis approach for some deterministic multi-criteria
    decision-making methods", Decision Sciences 28(1), 151-194, applied to TOPSIS
    (Hwang, C.-L. & Yoon, K., 1981, "Multiple Attribute Decision Making", Springer).
    Closeness is not linear in the weights, so the weight is scanned every
    ``grid_step`` (default 0.001) in each direction and the first change of winner is
    located by bisection to within ``tolerance`` (default 1e-9); the reported weight is
    the first one found at which the rival is ahead. A lead that appears and vanishes
    between two scan points can be missed.
    """
    _check_search(grid_step, tolerance)
    prepared = prepare(alternatives, criteria, values, weights)
    return _analyse("topsis", prepared, float(grid_step), float(tolerance))


def analyse_sensitivity(
    method: Method,
    alternatives: Sequence[str],
    criteria: Sequence[Criterion],
    values: Matrix,
    weights: Mapping[str, Number],
) -> SensitivityResult:
    """Weight sensitivity for ``method`` 'weighted_sum' (closed form) or 'topsis' (numeric).

    Method: Triantaphyllou, E. & Sánchez, A. (1997), "A sensitivity analysis approach for
    some deterministic multi-criteria decision-making methods", Decision Sciences 28(1),
    151-194; see :func:`analyse_sensitivity_weighted_sum` and
    :func:`analyse_sensitivity_topsis`.
    """
    if method == "weighted_sum":
        return analyse_sensitivity_weighted_sum(alternatives, criteria, values, weights)
    if method == "topsis":
        return analyse_sensitivity_topsis(alternatives, criteria, values, weights)
    raise EngineInputError(
        f"Unknown ranking method {method!r}; use 'weighted_sum' or 'topsis'.",
        field="method",
        details={"value": repr(method), "allowed": ["weighted_sum", "topsis"]},
    )
