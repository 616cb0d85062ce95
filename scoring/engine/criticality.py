"""Criticality of the criteria weights as Triantaphyllou & Sánchez (1997) define it.

Source: Triantaphyllou, E. & Sánchez, A. (1997), "A sensitivity analysis approach for some
deterministic multi-criteria decision-making methods", Decision Sciences 28(1), 151-194.

For the weighted sum model (WSM) with scores P_i = sum_k w_k a_ik, criterion k and two
alternatives i ranked above j (P_i >= P_j), changing the weight of k from w_k to
w_k - delta' with **every other weight held fixed** makes j equal to i when

    delta'_{k,i,j} = (P_i - P_j) / (a_ik - a_jk)          (their Theorem 1)

(any further change in the same direction puts j ahead). Renormalising the weights
afterwards divides every score by the same positive number, so it changes no ranking;
delta' is therefore the change of the *raw* weight, not of a renormalised one (this is
what distinguishes it from :mod:`scoring.engine.sensitivity`, which rescales the other
weights in proportion and reports the change of the normalised weight). The change is
feasible only when a_ik != a_jk and the new weight w_k - delta' lies in [0, 1] (and not
every weight would then be 0). Its relative size is delta' / w_k * 100 (per cent; None
when w_k = 0, where it is undefined).

Reported per criterion k:

* **percent-top**: the feasible delta' with the smallest |relative change| over the pairs
  (top, j), j any other considered alternative: the smallest change of w_k that lets a
  rival draw level with the top alternative, and that rival;
* **percent-any**: the same over every pair (i, j) of considered alternatives with i
  ranked above j.

The **percent-top critical criterion** is the one whose percent-top change is smallest in
|relative change|, the **percent-any critical criterion** likewise for percent-any (None
when nothing is feasible). Ties between criteria go to the one given first; criteria with
weight 0 (relative change undefined) come after every criterion with a relative change,
by |delta'|.

"Considered" alternatives are the ``awardable`` ones when given (for example those that
pass compliance): only they can be the top alternative or a rival, and the top
alternative is the best awardable one under the engine's ranking and tie rule
(:data:`scoring.engine.results.TIE_BREAK_RULE`). Alternatives whose scores are tied
(within 1e-9) give delta' = 0 on every criterion on which they differ.

TOPSIS (Hwang & Yoon 1981) is not linear in the weights, so for it the same delta' is
found numerically: see :func:`criticality_topsis`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from ._validate import FloatArray, Matrix, as_matrix, check_ids, fmt_number
from .errors import EngineInputError
from .normalise import BoolArray
from .results import (
    TIE_TOLERANCE,
    Criterion,
    IntArray,
    Method,
    criterion_priority,
    prepare,
    tie_key,
)
from .topsis import DEGENERATE_CLOSENESS, TopsisModel, closeness, topsis_model
from .weights import weight_vector

__all__ = [
    "CRITICALITY_GRID_STEP",
    "CRITICALITY_MAX_ITERATIONS",
    "CRITICALITY_TIME_LIMIT",
    "CRITICALITY_TOLERANCE",
    "CriterionCriticality",
    "CriticalityResult",
    "PairChange",
    "criticality_topsis",
    "criticality_weighted_sum",
]

Number = float | int | Decimal

#: TOPSIS: the weight is first scanned every CRITICALITY_GRID_STEP (weight units) ...
CRITICALITY_GRID_STEP = 1e-3
#: ... then each crossing is located by bisection to within this weight ...
CRITICALITY_TOLERANCE = 1e-9
#: ... with at most this many bisection steps per crossing ...
CRITICALITY_MAX_ITERATIONS = 100
#: ... and the whole TOPSIS analysis stops after this many seconds (criteria not reached
#: are reported as not analysed, ``CriticalityResult.complete`` is False).
CRITICALITY_TIME_LIMIT = 5.0


@dataclass(frozen=True)
class PairChange:
    """The change delta' of one weight that makes ``lower`` equal to ``higher``.

    ``higher`` is ranked above ``lower`` at the current weights. ``delta`` is
    Triantaphyllou & Sánchez's delta': the new weight is ``current_weight - delta`` (so a
    positive delta lowers the weight), the other weights unchanged. ``new_weight`` is
    that new raw weight (in [0, 1]); ``relative_change_percent`` = delta / current weight
    * 100 (None when the current weight is 0).
    """

    criterion_id: str
    higher: str
    lower: str
    current_weight: float
    delta: float
    new_weight: float
    relative_change_percent: float | None

    def to_dict(self) -> dict[str, object]:
        """A JSON-serialisable representation."""
        return {
            "criterion_id": self.criterion_id,
            "higher": self.higher,
            "lower": self.lower,
            "current_weight": self.current_weight,
            "delta": self.delta,
            "new_weight": self.new_weight,
            "relative_change_percent": self.relative_change_percent,
        }


@dataclass(frozen=True)
class CriterionCriticality:
    """Criticality of one criterion's weight.

    ``percent_top``: the smallest feasible change (in |relative change|) that makes a
    rival (``percent_top.lower``) equal to the top alternative; ``percent_any``: the
    smallest over every ranked pair. None when no feasible change exists, or when the
    criterion was not analysed (``analysed`` False: TOPSIS time limit reached).
    """

    criterion_id: str
    current_weight: float
    percent_top: PairChange | None
    percent_any: PairChange | None
    analysed: bool = True

    def to_dict(self) -> dict[str, object]:
        """A JSON-serialisable representation."""
        return {
            "criterion_id": self.criterion_id,
            "current_weight": self.current_weight,
            "percent_top": self.percent_top.to_dict() if self.percent_top else None,
            "percent_any": self.percent_any.to_dict() if self.percent_any else None,
            "analysed": self.analysed,
        }


@dataclass(frozen=True)
class CriticalityResult:
    """Criticality of every criterion (input order) for the considered alternatives.

    ``top`` is the best considered alternative (None if none is considered) and
    ``order`` all considered alternatives, best first. ``percent_top_criterion`` /
    ``percent_any_criterion`` are the percent-top and percent-any critical criteria
    (None when no feasible change exists). ``precision`` is the accuracy of the reported
    weights (0 for the closed form). ``complete`` is False when the TOPSIS time limit
    stopped the analysis before every criterion was analysed; ``note`` says how the
    numbers were found.
    """

    method: Method
    top: str | None
    order: tuple[str, ...]
    criteria: tuple[CriterionCriticality, ...]
    percent_top_criterion: str | None
    percent_any_criterion: str | None
    precision: float
    complete: bool
    note: str

    def get(self, criterion_id: str) -> CriterionCriticality:
        """The entry of one criterion; raises KeyError if unknown."""
        for entry in self.criteria:
            if entry.criterion_id == criterion_id:
                return entry
        raise KeyError(criterion_id)

    def to_dict(self) -> dict[str, object]:
        """A JSON-serialisable representation."""
        return {
            "method": self.method,
            "top": self.top,
            "order": list(self.order),
            "criteria": [c.to_dict() for c in self.criteria],
            "percent_top_criterion": self.percent_top_criterion,
            "percent_any_criterion": self.percent_any_criterion,
            "precision": self.precision,
            "complete": self.complete,
            "note": self.note,
        }


# --- shared helpers ------------------------------------------------------------------


def _considered(awardable: Collection[str] | None, ids: Sequence[str]) -> list[int]:
    """Indices of the considered alternatives (input order); checks ``awardable``."""
    if awardable is None:
        return list(range(len(ids)))
    if isinstance(awardable, (str, bytes)):
        raise EngineInputError(
            "The awardable alternatives must be given as a collection of ids.",
            field="awardable",
        )
    known = set(ids)
    unknown = sorted(str(a) for a in awardable if a not in known)
    if unknown:
        raise EngineInputError(
            f"{unknown[0]!r} is marked awardable but is not one of the alternatives.",
            field="awardable",
            details={"unknown": unknown},
        )
    chosen = set(awardable)
    return [i for i, a in enumerate(ids) if a in chosen]


def _order(
    scores: FloatArray,
    goodness: FloatArray,
    weights: FloatArray,
    ids: Sequence[str],
    candidates: list[int],
) -> list[int]:
    """Candidates best first: by score, ties (within 1e-9) by the engine's tie rule."""
    values = scores.tolist()
    by_score = sorted(candidates, key=lambda i: -values[i])
    priority = criterion_priority(weights)
    order: list[int] = []
    start = 0
    while start < len(by_score):
        top = values[by_score[start]]
        end = start + 1
        while end < len(by_score) and top - values[by_score[end]] <= TIE_TOLERANCE:
            end += 1
        group = by_score[start:end]
        group.sort(key=lambda i: tie_key(goodness, i, priority, ids))
        order.extend(group)
        start = end
    return order


def _relative(delta: float, weight: float) -> float | None:
    return delta / weight * 100.0 if weight > 0.0 else None


def _change_key(change: PairChange) -> tuple[bool, float]:
    """Smaller is more critical: a relative change first, then |delta| (weight 0)."""
    rel = change.relative_change_percent
    if rel is None:
        return (True, abs(change.delta))
    return (False, abs(rel))


def _smallest(changes: list[PairChange]) -> PairChange | None:
    """The most critical change; among equals the first (pairs come in rank order)."""
    best: PairChange | None = None
    for change in changes:
        if best is None or _change_key(change) < _change_key(best):
            best = change
    return best


def _critical(entries: Sequence[CriterionCriticality], attribute: str) -> str | None:
    best: tuple[tuple[bool, float], str] | None = None
    for entry in entries:
        change: PairChange | None = getattr(entry, attribute)
        if change is None:
            continue
        key = _change_key(change)
        if best is None or key < best[0]:
            best = (key, entry.criterion_id)
    return best[1] if best else None


def _result(
    method: Method,
    ids: Sequence[str],
    order: list[int],
    entries: list[CriterionCriticality],
    precision: float,
    note: str,
) -> CriticalityResult:
    return CriticalityResult(
        method=method,
        top=ids[order[0]] if order else None,
        order=tuple(ids[i] for i in order),
        criteria=tuple(entries),
        percent_top_criterion=_critical(entries, "percent_top"),
        percent_any_criterion=_critical(entries, "percent_any"),
        precision=precision,
        complete=all(e.analysed for e in entries),
        note=note,
    )


def _entry(
    cid: str, weight: float, top_changes: list[PairChange], any_changes: list[PairChange]
) -> CriterionCriticality:
    return CriterionCriticality(cid, weight, _smallest(top_changes), _smallest(any_changes))


# --- weighted sum: closed form ----------------------------------------------------------


def _wsm_pair(
    a: FloatArray,
    w: FloatArray,
    scores: FloatArray,
    k: int,
    i: int,
    j: int,
    ids: Sequence[str],
    criterion_ids: Sequence[str],
) -> PairChange | None:
    """delta'_{k,i,j} = (P_i - P_j) / (a_ik - a_jk) if feasible, else None."""
    difference = float(a[i, k] - a[j, k])
    if difference == 0.0:
        return None
    gap = max(float(scores[i] - scores[j]), 0.0)  # tied within 1e-9 or not, never < 0
    if gap <= TIE_TOLERANCE:
        gap = 0.0
    delta = gap / difference
    weight = float(w[k])
    new_weight = weight - delta
    if new_weight < 0.0 or new_weight > 1.0:
        return None
    others = float(w.sum() - weight)
    if new_weight <= 0.0 and others <= 0.0:
        return None  # every weight would be 0: no ranking left
    return PairChange(
        criterion_ids[k], ids[i], ids[j], weight, delta, new_weight, _relative(delta, weight)
    )


def _wsm_smallest_pairs(
    a: FloatArray, w: FloatArray, scores: FloatArray, order: list[int]
) -> tuple[list[tuple[int, int] | None], list[tuple[int, int] | None]]:
    """Per criterion, the pair (i, j) of the most critical feasible change with i first
    (percent-top) and with any i (percent-any); among equal changes the first pair in rank
    order, as :func:`_smallest` picks from :func:`_wsm_pair`'s changes.

    The same arithmetic as :func:`_wsm_pair`, one row of pairs (i, every j below it) and
    every criterion at once: the pairs are still all visited (percent-any is defined over
    all of them) but in numpy, not one Python call per pair and criterion.
    """
    m = a.shape[1]
    total = float(w.sum())
    others = np.array([float(total - w[k]) for k in range(m)])
    positive = w > 0.0
    best = np.full(m, np.inf)
    any_pairs: list[tuple[int, int] | None] = [None] * m
    top_pairs: list[tuple[int, int] | None] = [None] * m
    ranked = np.array(order, dtype=np.intp)
    for position in range(len(order) - 1):
        i = order[position]
        below = ranked[position + 1 :]
        difference = a[i] - a[below]  # pairs x criteria
        gap = np.maximum(scores[i] - scores[below], 0.0)
        gap = np.where(gap <= TIE_TOLERANCE, 0.0, gap)[:, np.newaxis]
        usable = difference != 0.0
        with np.errstate(divide="ignore", invalid="ignore"):
            delta = np.where(usable, gap / np.where(usable, difference, 1.0), 0.0)
        new_weight = w - delta
        feasible = usable & (new_weight >= 0.0) & (new_weight <= 1.0)
        feasible &= ~((new_weight <= 0.0) & (others <= 0.0))
        with np.errstate(divide="ignore", invalid="ignore"):
            key = np.where(positive, np.abs(delta / np.where(positive, w, 1.0) * 100.0), 0.0)
        key = np.where(positive, key, np.abs(delta))
        key = np.where(feasible, key, np.inf)
        first = np.argmin(key, axis=0)  # the first smallest pair of this row, per criterion
        smallest = key[first, np.arange(m)]
        for k in np.flatnonzero(smallest < best).tolist():
            best[k] = smallest[k]
            any_pairs[k] = (i, int(below[first[k]]))
        if position == 0:
            for k in np.flatnonzero(np.isfinite(smallest)).tolist():
                top_pairs[k] = (i, int(below[first[k]]))
    return top_pairs, any_pairs


def criticality_weighted_sum(
    alternatives: Sequence[str],
    criteria: Sequence[str],
    matrix: Matrix,
    weights: Mapping[str, Number],
    *,
    awardable: Collection[str] | None = None,
) -> CriticalityResult:
    """Percent-top and percent-any criticality of the weighted sum, in closed form.

    Method: Triantaphyllou, E. & Sánchez, A. (1997), "A sensitivity analysis approach for
    some deterministic multi-criteria decision-making methods", Decision Sciences 28(1),
    151-194, Theorem 1 and the percent-top / percent-any critical criteria: for criterion
    k and alternatives i ranked above j, delta'_{k,i,j} = (P_i - P_j) / (a_ik - a_jk) is
    the change of w_k (new weight w_k - delta', other weights held fixed) that makes j
    equal to i; feasible only if a_ik != a_jk and w_k - delta' is in [0, 1]; relative
    change delta' / w_k * 100. See the module docstring for the exact rules.

    ``alternatives``: unique ids. ``criteria``: unique criterion ids. ``matrix``: the
    normalised decision matrix a_ik (one row per alternative, one column per criterion,
    every criterion already turned into "more is better"). ``weights``: fractions keyed by
    criterion id, non-negative, summing to 1. ``awardable``: the alternatives that may be
    the top one or a rival (default: all).
    """
    ids = check_ids(alternatives, "alternatives", "alternative")
    criterion_ids = check_ids(criteria, "criteria", "criterion")
    a = as_matrix(
        matrix,
        len(ids),
        len(criterion_ids),
        "matrix",
        ids,
        criterion_ids,
        "alternative",
        "criterion",
    )
    w = weight_vector(weights, criterion_ids)
    scores: FloatArray = a @ w
    order = _order(scores, a, w, ids, _considered(awardable, ids))
    top_pairs, any_pairs = _wsm_smallest_pairs(a, w, scores, order)
    entries: list[CriterionCriticality] = []
    for k, cid in enumerate(criterion_ids):
        top = top_pairs[k]
        any_ = any_pairs[k]
        entries.append(
            CriterionCriticality(
                cid,
                float(w[k]),
                _wsm_pair(a, w, scores, k, *top, ids, criterion_ids) if top else None,
                _wsm_pair(a, w, scores, k, *any_, ids, criterion_ids) if any_ else None,
            )
        )
    note = (
        "Closed form (Triantaphyllou & Sánchez 1997, Theorem 1): delta' = (P_i - P_j) / "
        "(a_ik - a_jk), the change of one weight with the others held fixed."
    )
    return _result("weighted_sum", ids, order, entries, 0.0, note)


# --- TOPSIS: numeric search -------------------------------------------------------------


def _weight_rows(w: FloatArray, k: int, ts: FloatArray) -> tuple[FloatArray, BoolArray]:
    """Weight vectors with w_k = t (others fixed), renormalised; and which are usable."""
    rows = np.repeat(w[np.newaxis, :], len(ts), axis=0)
    rows[:, k] = ts
    totals = rows.sum(axis=1)
    usable: BoolArray = totals > 0.0
    rows[usable] /= totals[usable, np.newaxis]
    return rows, usable


def _bisect_all(
    model: TopsisModel,
    w: FloatArray,
    k: int,
    brackets: list[tuple[int, int, float, float]],
    tolerance: float,
    max_iterations: int,
) -> list[float]:
    """:func:`_bisect` for many brackets (i, j, ahead, level) at once, in step.

    Each step evaluates C_i and C_j of every bracket still wider than ``tolerance`` at its
    own middle, in one array operation (the closeness of i and j needs only their rows).
    """
    if not brackets:
        return []
    rows_i = np.array([b[0] for b in brackets], dtype=np.intp)
    rows_j = np.array([b[1] for b in brackets], dtype=np.intp)
    ahead = np.array([b[2] for b in brackets], dtype=np.float64)
    level = np.array([b[3] for b in brackets], dtype=np.float64)
    best_i, best_j = model.gap_best[rows_i], model.gap_best[rows_j]
    worst_i, worst_j = model.gap_worst[rows_i], model.gap_worst[rows_j]
    for _ in range(max_iterations):
        active = np.abs(level - ahead) > tolerance
        if not bool(active.any()):
            break
        middle = 0.5 * (ahead + level)
        weights = np.repeat(w[np.newaxis, :], len(brackets), axis=0)
        weights[:, k] = middle
        totals = weights.sum(axis=1)
        usable = totals > 0.0
        weights /= np.where(usable, totals, 1.0)[:, np.newaxis]
        squared = weights * weights

        def score(best: FloatArray, worst: FloatArray, sq: FloatArray = squared) -> FloatArray:
            plus = np.sqrt(np.einsum("bl,bl->b", sq, best))
            minus = np.sqrt(np.einsum("bl,bl->b", sq, worst))
            total = plus + minus
            positive = total > 0.0
            result: FloatArray = np.where(
                positive, minus / np.where(positive, total, 1.0), DEGENERATE_CLOSENESS
            )
            return result

        level_now = usable & (score(best_i, worst_i) - score(best_j, worst_j) <= 0.0)
        level = np.where(active & level_now, middle, level)
        ahead = np.where(active & ~level_now, middle, ahead)
    located: list[float] = level.tolist()
    return located


def _topsis_scans(
    model: TopsisModel, w: FloatArray, k: int, grid_step: float
) -> tuple[FloatArray, list[tuple[FloatArray, BoolArray, FloatArray]]]:
    """Closeness at the current weights, and per direction the scanned weights of k, which
    of them are usable and every alternative's closeness at each."""
    t0 = float(w[k])
    base = _weight_rows(w, k, np.array([t0], dtype=np.float64))[0][0]
    start = closeness(model, base)[0]
    scans: list[tuple[FloatArray, BoolArray, FloatArray]] = []
    for bound in (1.0, 0.0):
        distance = abs(bound - t0)
        if distance <= 0.0:
            continue
        steps = max(1, math.ceil(distance / grid_step - 1e-9))
        direction = 1.0 if bound > t0 else -1.0
        ts = np.clip(t0 + direction * grid_step * np.arange(1, steps + 1), 0.0, 1.0)
        ts[-1] = bound
        rows, usable = _weight_rows(w, k, ts)
        scans.append((ts, usable, closeness(model, rows)[0]))
    return start, scans


def _topsis_criterion(
    model: TopsisModel,
    w: FloatArray,
    k: int,
    pairs: list[tuple[int, int]],
    top: int,
    grid_step: float,
    tolerance: float,
    max_iterations: int,
    scans_given: tuple[FloatArray, list[tuple[FloatArray, BoolArray, FloatArray]]] | None = None,
) -> dict[tuple[int, int], float]:
    """For pairs (i, j): the nearest weight t of k at which j draws level with i.

    Each pair's first crossing per direction is bracketed on the scan; only brackets that
    can hold the nearest crossing of a top pair or of any pair are bisected (a bracket
    (ahead, level] whose near end is no nearer than another bracket's far end cannot),
    so a pair left out of the answer is never the most critical one.
    """
    t0 = float(w[k])
    start, scans = scans_given if scans_given is not None else _topsis_scans(model, w, k, grid_step)
    found: dict[tuple[int, int], float] = {}
    brackets: list[tuple[int, int, float, float]] = []  # (i, j, ahead, level)
    for ts, usable, scores in scans:
        for i, j in pairs:
            gap0 = float(start[i] - start[j])
            gaps = scores[:, i] - scores[:, j]
            if gap0 <= TIE_TOLERANCE:
                # Tied now: delta' = 0 if moving this way puts j strictly ahead.
                if bool(np.any(usable & (gaps < -TIE_TOLERANCE))):
                    found[(i, j)] = t0
                continue
            hits = np.flatnonzero(usable & (gaps <= 0.0))
            if hits.size > 0:
                index = int(hits[0])
                ahead = float(ts[index - 1]) if index > 0 else t0
                brackets.append((i, j, ahead, float(ts[index])))
    if not brackets:
        return found

    def far(items: list[tuple[int, int, float, float]]) -> float:
        return min((abs(level - t0) for _, _, _, level in items), default=math.inf)

    reach_top = far([b for b in brackets if b[0] == top])
    reach_any = far(brackets)
    chosen = [
        bracket
        for bracket in brackets
        if abs(bracket[2] - t0) < reach_any
        or (bracket[0] == top and abs(bracket[2] - t0) < reach_top)
    ]
    located = _bisect_all(model, w, k, chosen, tolerance, max_iterations)
    for (i, j, _, _), t in zip(chosen, located, strict=True):
        previous = found.get((i, j))
        if previous is None or abs(t - t0) < abs(previous - t0):
            found[(i, j)] = t
    return found


#: Rounding can put a scanned crossing slightly before the closed-form one (near a double
#: root the closeness gap is below float precision over ~1e-8 of weight): bounds are
#: lowered by this much.
_REACH_MARGIN = 1e-6
#: Up to this many alternatives every pair is scanned (choosing pairs costs more) ...
_SCAN_ALL_UP_TO = 30
#: ... and beyond this many the pairs' bounds would not fit in memory at once: all scanned.
_BOUND_ALL_UP_TO = 3000


class _PairReach:
    """A lower bound of how far the weight of criterion k must move before j can draw
    level with i, for every pair, in closed form, to choose which pairs to scan.

    With the other raw weights held fixed, S+_i(t)^2 = t^2 G+_ik + sum_{l != k} w_l^2
    G+_il (G+ the squared gaps to the ideal; likewise S- and the anti-ideal), so with
    x = t^2, C_j >= C_i is D(x) = (x a'_j + b'_j)(x a_i + b_i) - (x a'_i + b'_i)(x a_j + b_j)
    >= 0, a quadratic in x. Its real roots in [0, 1] (a double root when the discriminant
    is slightly negative, the ends of the range when D is near 0 there) bound the first
    crossing from below: the scan cannot find j level before the nearest of them.
    """

    def __init__(self, model: TopsisModel, w: FloatArray, k: int, order: list[int]) -> None:
        rest = w * w
        rest[k] = 0.0
        self.a = model.gap_best[:, k]
        self.b = model.gap_best @ rest
        self.a_anti = model.gap_worst[:, k]
        self.b_anti = model.gap_worst @ rest
        self.t0 = float(w[k])
        self.order = np.array(order, dtype=np.intp)

    def bounds(self, rows_i: IntArray, rows_j: IntArray) -> FloatArray:
        """The distance bound of each pair (rows_i[n], rows_j[n])."""
        a, b, a2, b2 = self.a, self.b, self.a_anti, self.b_anti
        ai, bi, a2i, b2i = a[rows_i], b[rows_i], a2[rows_i], b2[rows_i]
        aj, bj, a2j, b2j = a[rows_j], b[rows_j], a2[rows_j], b2[rows_j]
        c2 = a2j * ai - a2i * aj
        c1 = a2j * bi + b2j * ai - a2i * bj - b2i * aj
        c0 = b2j * bi - b2i * bj
        scale = np.abs(c2) + np.abs(c1) + np.abs(c0)
        slack = 1e-9 * scale
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            root = np.sqrt(np.maximum(c1 * c1 - 4.0 * c2 * c0, 0.0))
            q = -0.5 * (c1 + np.where(c1 >= 0.0, root, -root))
            roots = (q / c2, c0 / q, -c0 / c1)
        distance = np.full(len(rows_i), np.inf)
        for x in roots:
            inside = np.isfinite(x) & (x >= -1e-9) & (x <= 1.0 + 1e-9)
            t = np.sqrt(np.clip(np.where(inside, x, 0.0), 0.0, 1.0))
            distance = np.where(inside, np.minimum(distance, np.abs(t - self.t0)), distance)
        # Near level at an end of the range (or no usable coefficients): scan it too.
        for end, value in ((0.0, c0), (1.0, c2 + c1 + c0)):
            near = value >= -slack
            distance = np.where(near, np.minimum(distance, abs(end - self.t0)), distance)
        result: FloatArray = np.where(scale > 0.0, distance - _REACH_MARGIN, 0.0)
        return result


def _topsis_criterion_pruned(
    model: TopsisModel,
    w: FloatArray,
    k: int,
    order: list[int],
    grid_step: float,
    tolerance: float,
    max_iterations: int,
) -> dict[tuple[int, int], float]:
    """:func:`_topsis_criterion` over the pairs that can hold its answer, not all pairs.

    A pair's scanned crossing is never nearer than its closed-form bound, so pairs are
    scanned nearest bound first, in growing batches, until no pair left unscanned has a
    bound within the nearest crossing found (of any pair, and of a top pair).
    """
    top = order[0] if order else -1
    count = len(order)
    if count <= _SCAN_ALL_UP_TO or count > _BOUND_ALL_UP_TO:
        every = [(i, j) for position, i in enumerate(order) for j in order[position + 1 :]]
        return _topsis_criterion(model, w, k, every, top, grid_step, tolerance, max_iterations)
    t0 = float(w[k])
    scans = _topsis_scans(model, w, k, grid_step)
    start = scans[0]
    reach = _PairReach(model, w, k, order)
    higher, lower = np.triu_indices(count, 1)  # positions, in rank order
    rows_i, rows_j = reach.order[higher], reach.order[lower]
    tied = (start[rows_i] - start[rows_j]) <= TIE_TOLERANCE
    bound = np.where(tied, 0.0, reach.bounds(rows_i, rows_j))
    is_top = higher == 0
    by_bound = np.argsort(bound, kind="stable")
    waiting = np.isfinite(bound)
    found: dict[tuple[int, int], float] = {}
    batch = 16
    while True:
        nearest_any = min((abs(t - t0) for t in found.values()), default=math.inf)
        nearest_top = min(
            (abs(t - t0) for (i, _), t in found.items() if i == top), default=math.inf
        )
        wanted = waiting & ((bound <= nearest_any) | (is_top & (bound <= nearest_top)))
        chosen = by_bound[wanted[by_bound]][:batch]
        if chosen.size == 0:
            return found
        waiting[chosen] = False
        pairs = list(zip(rows_i[chosen].tolist(), rows_j[chosen].tolist(), strict=True))
        found.update(
            _topsis_criterion(model, w, k, pairs, top, grid_step, tolerance, max_iterations, scans)
        )
        batch *= 2


def _check_search(grid_step: float, tolerance: float, max_iterations: int, limit: float) -> None:
    checks: list[tuple[bool, str, str, object]] = [
        (
            isinstance(grid_step, (int, float)) and 0.0 < grid_step <= 0.5,
            "grid_step must be a number in (0, 0.5].",
            "grid_step",
            grid_step,
        ),
        (
            isinstance(tolerance, (int, float)) and 0.0 < tolerance <= grid_step,
            "tolerance must be a positive number no larger than grid_step.",
            "tolerance",
            tolerance,
        ),
        (
            isinstance(max_iterations, int) and max_iterations >= 1,
            "max_iterations must be a positive whole number.",
            "max_iterations",
            max_iterations,
        ),
        (
            isinstance(limit, (int, float)) and limit >= 0.0,
            "time_limit must be a number of seconds, 0 or more.",
            "time_limit",
            limit,
        ),
    ]
    for ok, message, field, value in checks:
        if not ok:
            raise EngineInputError(message, field=field, details={"value": repr(value)})


def criticality_topsis(
    alternatives: Sequence[str],
    criteria: Sequence[Criterion],
    values: Matrix,
    weights: Mapping[str, Number],
    *,
    awardable: Collection[str] | None = None,
    grid_step: float = CRITICALITY_GRID_STEP,
    tolerance: float = CRITICALITY_TOLERANCE,
    max_iterations: int = CRITICALITY_MAX_ITERATIONS,
    time_limit: float = CRITICALITY_TIME_LIMIT,
) -> CriticalityResult:
    """Percent-top and percent-any criticality of TOPSIS, found numerically.

    Method: the definition of Triantaphyllou, E. & Sánchez, A. (1997), "A sensitivity
    analysis approach for some deterministic multi-criteria decision-making methods",
    Decision Sciences 28(1), 151-194, applied to TOPSIS (Hwang, C.-L. & Yoon, K., 1981,
    "Multiple Attribute Decision Making", Springer) exactly as
    :func:`scoring.engine.topsis.rank_topsis` ranks. For criterion k and a pair i above j,
    delta' = w_k - t where t is the weight of k nearest to w_k (other raw weights held
    fixed, the vector then renormalised for the closeness computation; closeness does not
    depend on the scale of the weights, so renormalising changes no ranking) at which
    C_j reaches C_i. Found per direction by scanning t every ``grid_step`` from w_k to 1
    and to 0, then bisecting the first bracket where C_i - C_j <= 0 to within
    ``tolerance`` (at most ``max_iterations`` steps); the reported t is the end of the
    bracket at which j is level or ahead. A lead of j that appears and disappears between
    two scan points can be missed. Alternatives tied now (within 1e-9) give delta' = 0
    if some scanned weight puts j strictly ahead. Feasibility, relative change,
    percent-top, percent-any and the critical criteria are as for
    :func:`criticality_weighted_sum`. Only the brackets that can hold a criterion's
    smallest change are bisected (the others cannot be the answer), and beyond 30
    alternatives only the pairs that can: each pair's first crossing is bounded in closed
    form (the squared separations are quadratic in the weight) and pairs are scanned
    nearest bound first until none left can beat the nearest crossing found. The time is checked
    before each criterion: once ``time_limit`` seconds (default 5) have passed, the
    remaining criteria are reported with ``analysed`` False (no change, never "cannot
    change") and the result has ``complete`` False; a criterion already started is
    finished.

    Input as for :func:`scoring.engine.topsis.rank_topsis`, plus ``awardable`` (the
    alternatives that may be the top one or a rival; default all).
    """
    _check_search(grid_step, tolerance, max_iterations, time_limit)
    started = time.monotonic()
    prepared = prepare(alternatives, criteria, values, weights)
    ids = prepared.alternative_ids
    w = prepared.weights
    model = topsis_model(prepared)
    scores = closeness(model, w)[0]
    order = _order(scores, prepared.goodness, w, ids, _considered(awardable, ids))
    position = {i: p for p, i in enumerate(order)}
    entries: list[CriterionCriticality] = []
    for k, cid in enumerate(prepared.criterion_ids):
        weight = float(w[k])
        if time.monotonic() - started > time_limit:
            entries.append(CriterionCriticality(cid, weight, None, None, analysed=False))
            continue
        found = _topsis_criterion_pruned(
            model, w, k, order, float(grid_step), float(tolerance), max_iterations
        )
        top_changes: list[PairChange] = []
        any_changes: list[PairChange] = []
        # Rank order, so ties between pairs go to the higher pair.
        for i, j in sorted(found, key=lambda pair: (position[pair[0]], position[pair[1]])):
            t = found[(i, j)]
            delta = weight - t
            change = PairChange(cid, ids[i], ids[j], weight, delta, t, _relative(delta, weight))
            any_changes.append(change)
            if i == order[0]:
                top_changes.append(change)
        entries.append(_entry(cid, weight, top_changes, any_changes))
    skipped = [e.criterion_id for e in entries if not e.analysed]
    note = (
        f"Numeric search: the weight (others held fixed) is scanned every "
        f"{fmt_number(float(grid_step), 6)} and each crossing located by bisection to "
        f"within {float(tolerance):.0e}. A lead that appears and disappears again between "
        "two scan points can be missed."
    )
    if skipped:
        note += (
            f" The time limit of {fmt_number(float(time_limit), 2)} s was reached: "
            f"{', '.join(repr(s) for s in skipped)} not analysed."
        )
    return _result("topsis", ids, order, entries, float(tolerance), note)
