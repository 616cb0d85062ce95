"""Aggregating several evaluators' 0-10 scores and flagging disagreement."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from ._validate import FloatArray, as_float, fmt_number
from .errors import EngineInputError

__all__ = [
    "SCORE_MAX",
    "SCORE_MIN",
    "AggregatedMatrix",
    "AggregationMethod",
    "ScoreSpread",
    "aggregate_matrix",
    "aggregate_scores",
    "needs_discussion",
    "score_spread",
]

SCORE_MIN = 0.0
SCORE_MAX = 10.0
_SPREAD_TOLERANCE = 1e-9

AggregationMethod = Literal["mean", "median"]
Number = float | int | Decimal
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class ScoreSpread:
    """How far apart evaluators' scores are: ``range`` = max - min, population ``std_dev``."""

    minimum: float
    maximum: float
    range: float
    std_dev: float
    count: int

    def to_dict(self) -> dict[str, object]:
        """A JSON-serialisable representation."""
        return {
            "minimum": self.minimum,
            "maximum": self.maximum,
            "range": self.range,
            "std_dev": self.std_dev,
            "count": self.count,
        }


@dataclass(frozen=True, eq=False)
class AggregatedMatrix:
    """Per-cell aggregation of an alternatives x criteria x evaluators score array.

    The results are read-only numpy arrays (alternatives x criteria): ``value_array`` (the
    aggregated scores, which can be passed directly to the ranking functions),
    ``spread_array`` (max - min per cell), ``std_dev_array`` (population standard
    deviation), ``count_array`` (how many evaluators scored each cell; missing scores,
    given as None, are skipped) and ``discussion_array`` (None unless a threshold was
    given). ``values``, ``spread``, ``std_dev``, ``counts`` and ``needs_discussion`` give
    the same as nested tuples of plain Python numbers, built on first use.
    """

    method: AggregationMethod
    value_array: FloatArray
    spread_array: FloatArray
    std_dev_array: FloatArray
    count_array: IntArray
    discussion_array: BoolArray | None
    threshold: float | None

    def __post_init__(self) -> None:
        for array in (
            self.value_array,
            self.spread_array,
            self.std_dev_array,
            self.count_array,
            self.discussion_array,
        ):
            if array is not None:
                array.setflags(write=False)

    @cached_property
    def values(self) -> tuple[tuple[float, ...], ...]:
        """The aggregated scores, one tuple per alternative."""
        return _rows(self.value_array)

    @cached_property
    def spread(self) -> tuple[tuple[float, ...], ...]:
        """Max - min per cell."""
        return _rows(self.spread_array)

    @cached_property
    def std_dev(self) -> tuple[tuple[float, ...], ...]:
        """Population standard deviation per cell."""
        return _rows(self.std_dev_array)

    @cached_property
    def counts(self) -> tuple[tuple[int, ...], ...]:
        """How many evaluators scored each cell."""
        return _rows(self.count_array)

    @cached_property
    def needs_discussion(self) -> tuple[tuple[bool, ...], ...] | None:
        """Whether each cell's spread reaches the threshold (None without a threshold)."""
        return _rows(self.discussion_array) if self.discussion_array is not None else None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, AggregatedMatrix):
            return NotImplemented
        mine, theirs = self.discussion_array, other.discussion_array
        same_flags = (
            mine is None and theirs is None
            if mine is None or theirs is None
            else np.array_equal(mine, theirs)
        )
        return (
            self.method == other.method
            and self.threshold == other.threshold
            and np.array_equal(self.value_array, other.value_array)
            and np.array_equal(self.spread_array, other.spread_array)
            and np.array_equal(self.std_dev_array, other.std_dev_array)
            and np.array_equal(self.count_array, other.count_array)
            and bool(same_flags)
        )

    __hash__ = None  # type: ignore[assignment]

    def to_dict(self) -> dict[str, object]:
        """A JSON-serialisable representation."""
        return {
            "method": self.method,
            "values": self.value_array.tolist(),
            "spread": self.spread_array.tolist(),
            "std_dev": self.std_dev_array.tolist(),
            "counts": self.count_array.tolist(),
            "needs_discussion": (
                self.discussion_array.tolist() if self.discussion_array is not None else None
            ),
            "threshold": self.threshold,
        }


def _rows(array: npt.NDArray[Any]) -> tuple[tuple[Any, ...], ...]:
    return tuple(map(tuple, array.tolist()))


def _out_of_range(value: float, field: str, where: str, details: dict[str, object]) -> None:
    if not SCORE_MIN <= value <= SCORE_MAX:
        raise EngineInputError(
            f"{where} is {fmt_number(value, 4)}; scores must be between "
            f"{fmt_number(SCORE_MIN)} and {fmt_number(SCORE_MAX)}.",
            field=field,
            details={**details, "value": value, "minimum": SCORE_MIN, "maximum": SCORE_MAX},
        )


def _score_list(scores: Sequence[Number]) -> FloatArray:
    if isinstance(scores, (str, bytes)) or not isinstance(scores, (Sequence, np.ndarray)):
        raise EngineInputError("Scores must be given as a list of numbers.", field="scores")
    if len(scores) == 0:
        raise EngineInputError("At least one score is required.", field="scores")
    result = np.empty(len(scores), dtype=np.float64)
    for index, raw in enumerate(scores):
        where = f"Score {index + 1}"
        value = as_float(raw, f"scores[{index}]", where, {"index": index})
        _out_of_range(value, f"scores[{index}]", where, {"index": index})
        result[index] = value
    return result


def _method(method: object) -> AggregationMethod:
    if method == "mean":
        return "mean"
    if method == "median":
        return "median"
    raise EngineInputError(
        f"Unknown aggregation method {method!r}; use 'mean' or 'median'.",
        field="method",
        details={"value": repr(method), "allowed": ["mean", "median"]},
    )


def _threshold(threshold: object) -> float:
    value = as_float(threshold, "threshold", "The discussion threshold")
    if not 0.0 <= value <= SCORE_MAX - SCORE_MIN:
        raise EngineInputError(
            f"The discussion threshold is {fmt_number(value, 4)}; it must be between 0 and "
            f"{fmt_number(SCORE_MAX - SCORE_MIN)} points.",
            field="threshold",
            details={"value": value},
        )
    return value


def aggregate_scores(scores: Sequence[Number], method: AggregationMethod = "mean") -> float:
    """Combine several evaluators' 0-10 scores for one cell into one score.

    Method: arithmetic mean or median as aggregation functions (Beliakov, G., Pradera, A.
    & Calvo, T., 2007, "Aggregation Functions: A Guide for Practitioners", Springer); the
    median is the robust choice when one evaluator is far off (Huber, P. J., 1981,
    "Robust Statistics", Wiley). Every score must lie in [0, 10].
    """
    chosen = _method(method)
    array = _score_list(scores)
    return float(np.mean(array)) if chosen == "mean" else float(np.median(array))


def score_spread(scores: Sequence[Number]) -> ScoreSpread:
    """Range (max - min) and population standard deviation of evaluators' scores.

    Method: range and standard deviation as measures of dispersion of expert judgements,
    as used for consensus checks in the Delphi method (Dalkey, N. & Helmer, O., 1963,
    "An experimental application of the Delphi method to the use of experts",
    Management Science 9(3), 458-467). The standard deviation is the population form
    (divide by n): the evaluators are the whole panel, not a sample.
    """
    array = _score_list(scores)
    low, high = float(array.min()), float(array.max())
    return ScoreSpread(low, high, high - low, float(array.std()), int(array.size))


def needs_discussion(scores: Sequence[Number], threshold: Number) -> bool:
    """True when evaluators disagree by at least ``threshold`` points (max - min).

    Method: flagging items whose spread of expert ratings exceeds an agreed limit for
    another round of discussion, as in the Delphi method (Dalkey, N. & Helmer, O., 1963,
    "An experimental application of the Delphi method to the use of experts",
    Management Science 9(3), 458-467). ``threshold`` is in score points (0-10); spreads
    within 1e-9 of it count as reaching it.
    """
    limit = _threshold(threshold)
    return score_spread(scores).range >= limit - _SPREAD_TOLERANCE


def _cube(
    scores: object, alternatives: Sequence[str] | None, criteria: Sequence[str] | None
) -> tuple[FloatArray, bool]:
    """Alternatives x criteria x evaluators array, missing scores (None) as NaN; and
    whether every cell is scored by every evaluator (no NaN)."""
    if isinstance(scores, (str, bytes)) or not isinstance(scores, (Sequence, np.ndarray)):
        raise EngineInputError(
            "Scores must be a list (alternatives) of lists (criteria) of lists (evaluators).",
            field="scores",
        )
    if len(scores) == 0:
        raise EngineInputError("At least one alternative is required.", field="scores")
    try:
        array = np.asarray(scores)  # an ndarray is read as it is, never changed
    except (TypeError, ValueError):
        array = np.empty((0,), dtype=object)
    if array.ndim == 3 and array.dtype.kind in "fiu" and 0 not in array.shape:
        result: FloatArray = array.astype(np.float64, copy=False)
        if bool(np.isfinite(result).all()):
            return result, True
    rows: list[list[Sequence[object]]] = []
    n_criteria = -1
    n_evaluators = 0
    for i, row in enumerate(scores):
        if isinstance(row, (str, bytes)) or not isinstance(row, (Sequence, np.ndarray)):
            raise EngineInputError(
                f"Row {i + 1} of the scores must be a list of criteria.",
                field=f"scores[{i}]",
                details={"row": i},
            )
        if n_criteria < 0:
            n_criteria = len(row)
        if len(row) != n_criteria or n_criteria == 0:
            raise EngineInputError(
                f"Row {i + 1} of the scores has {len(row)} criteria, expected {n_criteria}.",
                field=f"scores[{i}]",
                details={"row": i, "length": len(row), "expected": n_criteria},
            )
        cells: list[Sequence[object]] = []
        for j, cell in enumerate(row):
            if isinstance(cell, (str, bytes)) or not isinstance(cell, (Sequence, np.ndarray)):
                raise EngineInputError(
                    f"Cell ({i + 1}, {j + 1}) of the scores must be a list of evaluator scores.",
                    field=f"scores[{i}][{j}]",
                    details={"row": i, "column": j},
                )
            n_evaluators = max(n_evaluators, len(cell))
            cells.append(list(cell))
        rows.append(cells)
    result = np.full((len(rows), n_criteria, max(n_evaluators, 1)), np.nan, dtype=np.float64)
    for i, row in enumerate(rows):
        for j, cell in enumerate(row):
            for e, raw in enumerate(cell):
                if raw is None:
                    continue
                where = _cell_name(i, j, alternatives, criteria) + f", evaluator {e + 1}"
                result[i, j, e] = as_float(
                    raw,
                    f"scores[{i}][{j}][{e}]",
                    f"The score of {where}",
                    {"row": i, "column": j, "evaluator": e},
                )
    return result, False


def _cell_name(
    i: int, j: int, alternatives: Sequence[str] | None, criteria: Sequence[str] | None
) -> str:
    alt = str(i + 1)
    if alternatives is not None and i < len(alternatives):
        alt = repr(alternatives[i])
    crit = str(j + 1)
    if criteria is not None and j < len(criteria):
        crit = repr(criteria[j])
    return f"alternative {alt}, criterion {crit}"


def aggregate_matrix(
    scores: Sequence[Sequence[Sequence[Number | None]]],
    method: AggregationMethod = "mean",
    *,
    threshold: Number | None = None,
    alternatives: Sequence[str] | None = None,
    criteria: Sequence[str] | None = None,
) -> AggregatedMatrix:
    """Aggregate a whole alternatives x criteria x evaluators score array at once.

    Method: per-cell arithmetic mean or median (Beliakov, G., Pradera, A. & Calvo, T.,
    2007, "Aggregation Functions: A Guide for Practitioners", Springer), range and
    population standard deviation as disagreement measures (Dalkey, N. & Helmer, O.,
    1963, "An experimental application of the Delphi method to the use of experts",
    Management Science 9(3)). Vectorised with numpy.

    ``scores[i][j]`` lists the evaluators' 0-10 scores of alternative i on criterion j;
    ``None`` marks a missing score and cells may have different numbers of scores, but
    every cell needs at least one. ``alternatives`` / ``criteria`` (ids) only improve
    error messages. With ``threshold`` the result flags cells whose spread reaches it.
    """
    chosen = _method(method)
    limit = _threshold(threshold) if threshold is not None else None
    cube, complete = _cube(scores, alternatives, criteria)
    if complete:
        # One evaluator's plane at a time (views, no copy of the cube): a few whole-plane
        # operations instead of one tiny reduction per cell, and no temporaries larger
        # than one plane. Sums run evaluator by evaluator, as numpy reduces fewer than 8.
        evaluators = cube.shape[2]
        first = cube[:, :, 0]
        total = first.copy()
        high = first.copy()
        low = first.copy()
        for e in range(1, evaluators):
            plane = cube[:, :, e]
            total += plane
            np.maximum(high, plane, out=high)
            np.minimum(low, plane, out=low)
        if float(low.min()) < SCORE_MIN or float(high.max()) > SCORE_MAX:
            _first_out_of_range(cube, ~np.isnan(cube), alternatives, criteria)
        counts: IntArray = np.full(cube.shape[:2], evaluators, dtype=np.int64)
        # np.mean and np.std (population) written out so the mean is computed once.
        mean = total / evaluators
        squares = np.zeros_like(mean)
        centred = np.empty_like(mean)
        for e in range(evaluators):
            np.subtract(cube[:, :, e], mean, out=centred)
            np.multiply(centred, centred, out=centred)
            squares += centred
        std_dev = np.sqrt(squares / evaluators)
        values = mean if chosen == "mean" else _median(cube)
        spread = high - low
    else:
        finite = ~np.isnan(cube)
        _first_out_of_range(cube, finite, alternatives, criteria)
        counts = finite.sum(axis=2, dtype=np.int64)
        if bool((counts == 0).any()):
            i, j = (int(x) for x in np.argwhere(counts == 0)[0])
            raise EngineInputError(
                f"No evaluator has scored {_cell_name(i, j, alternatives, criteria)}.",
                field=f"scores[{i}][{j}]",
                details={"row": i, "column": j},
            )
        values = np.nanmean(cube, axis=2) if chosen == "mean" else np.nanmedian(cube, axis=2)
        spread = np.nanmax(cube, axis=2) - np.nanmin(cube, axis=2)
        std_dev = np.nanstd(cube, axis=2)
    flags = spread >= limit - _SPREAD_TOLERANCE if limit is not None else None
    return AggregatedMatrix(
        method=chosen,
        value_array=values,
        spread_array=spread,
        std_dev_array=std_dev,
        count_array=counts,
        discussion_array=flags,
        threshold=limit,
    )


def _median(cube: FloatArray) -> FloatArray:
    """np.median over the evaluators (last axis): the middle value, or the mean of the two
    middle ones; a partial sort, as np.median does, without its NaN checks."""
    count = cube.shape[2]
    middle = count // 2
    if count % 2:
        result: FloatArray = np.partition(cube, middle, axis=2)[:, :, middle]
        return result
    parted = np.partition(cube, (middle - 1, middle), axis=2)
    result = (parted[:, :, middle - 1] + parted[:, :, middle]) / 2.0
    return result


def _first_out_of_range(
    cube: FloatArray,
    finite: BoolArray,
    alternatives: Sequence[str] | None,
    criteria: Sequence[str] | None,
) -> None:
    outside = finite & ((cube < SCORE_MIN) | (cube > SCORE_MAX))
    if bool(outside.any()):
        i, j, e = (int(x) for x in np.argwhere(outside)[0])
        where = f"The score of {_cell_name(i, j, alternatives, criteria)}, evaluator {e + 1}"
        _out_of_range(
            float(cube[i, j, e]),
            f"scores[{i}][{j}][{e}]",
            where,
            {"row": i, "column": j, "evaluator": e},
        )
