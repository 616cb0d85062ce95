"""Ranking input and result types, input preparation and the deterministic tie rule."""

from __future__ import annotations

import operator
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import pairwise
from typing import Literal, overload

import numpy as np
import numpy.typing as npt

from ._validate import FloatArray, Matrix, as_matrix, check_ids, fmt_number, fmt_percent
from .errors import EngineInputError
from .normalise import BoolArray, CriterionKind, check_domain, linear_matrix
from .weights import weight_vector

__all__ = [
    "TIE_BREAK_RULE",
    "TIE_TOLERANCE",
    "Criterion",
    "Method",
    "RankedAlternative",
    "Ranking",
    "TieBreak",
]

Method = Literal["weighted_sum", "topsis"]
Number = float | int | Decimal
IntArray = npt.NDArray[np.intp]

#: Scores that differ by at most this much are treated as tied.
TIE_TOLERANCE = 1e-9

TIE_BREAK_RULE = (
    "Alternatives whose scores differ by at most 1e-9 are tied. A tie is broken by the "
    "higher linearly normalised value (benefit: x/max, cost: min/x) on the criterion with "
    "the largest weight, then on the criterion with the next largest weight, and so on "
    "(equal weights in the order the criteria were given; zero-weight criteria are "
    "ignored). Alternatives that are equal on all of these are ordered by id, ascending."
)


@dataclass(frozen=True)
class Criterion:
    """A decision criterion: ``kind`` 'benefit' (more is better) or 'cost' (less is better)."""

    id: str
    kind: CriterionKind = "benefit"

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise EngineInputError(
                f"A criterion id must be a non-empty string, got {self.id!r}.",
                field="criteria",
                details={"id": repr(self.id)},
            )
        if self.kind not in ("benefit", "cost"):
            raise EngineInputError(
                f"Criterion {self.id!r} has kind {self.kind!r}; it must be 'benefit' or 'cost'.",
                field=f"criteria.{self.id}",
                details={"criterion": self.id, "kind": repr(self.kind)},
            )


class CriterionValues(Mapping[str, float]):
    """One alternative's values keyed by criterion id, read from a row of an array.

    A read-only mapping that gives plain floats; nothing is copied until a value is read,
    so a ranking of many alternatives costs nothing per criterion until it is displayed.
    Equal to any mapping with the same items (a dict included).
    """

    __slots__ = ("_columns", "_row")

    def __init__(self, columns: Mapping[str, int], row: FloatArray) -> None:
        self._columns = columns
        self._row = row

    def __getitem__(self, key: str) -> float:
        return float(self._row[self._columns[key]])

    def __iter__(self) -> Iterator[str]:
        return iter(self._columns)

    def __len__(self) -> int:
        return len(self._columns)

    def __repr__(self) -> str:
        return repr(dict(self))

    def to_dict(self) -> dict[str, float]:
        """A plain dict, in criterion order."""
        return dict(zip(self._columns, self._row.tolist(), strict=True))


@dataclass(frozen=True)
class RankedAlternative:
    """One alternative's place in a :class:`Ranking`.

    ``contributions`` per criterion id: weight x normalised value for the weighted sum
    (they add up to ``score``), the weighted normalised value v_ij for TOPSIS.
    ``normalised`` holds the normalised values (linear for the weighted sum, vector for
    TOPSIS). ``separation_ideal`` / ``separation_anti_ideal`` are TOPSIS's S+ and S-
    (None for the weighted sum).
    """

    id: str
    rank: int
    score: float
    contributions: Mapping[str, float]
    normalised: Mapping[str, float]
    separation_ideal: float | None = None
    separation_anti_ideal: float | None = None

    def to_dict(self) -> dict[str, object]:
        """A JSON-serialisable representation."""
        return {
            "id": self.id,
            "rank": self.rank,
            "score": self.score,
            "contributions": _plain(self.contributions),
            "normalised": _plain(self.normalised),
            "separation_ideal": self.separation_ideal,
            "separation_anti_ideal": self.separation_anti_ideal,
        }


def _plain(values: Mapping[str, float]) -> dict[str, float]:
    return values.to_dict() if isinstance(values, CriterionValues) else dict(values)


class RankedAlternatives(Sequence[RankedAlternative]):
    """The alternatives of a :class:`Ranking` in rank order, held as arrays.

    Behaves as a tuple of :class:`RankedAlternative` (indexing, slicing, iteration,
    equality with a tuple); an entry is built only when it is read, so ranking 10,000
    alternatives costs array arithmetic, not 10,000 objects and 20,000 dicts. The arrays
    (input order) are ``scores``, ``contributions`` and ``normalised``; ``order`` holds
    the input indices best first.
    """

    __slots__ = (
        "_cache",
        "_columns",
        "_ids",
        "_minus",
        "_plus",
        "_position",
        "contributions",
        "normalised",
        "order",
        "scores",
    )

    def __init__(
        self,
        ids: tuple[str, ...],
        criterion_ids: tuple[str, ...],
        order: IntArray,
        scores: FloatArray,
        contributions: FloatArray,
        normalised: FloatArray,
        separation: tuple[FloatArray, FloatArray] | None = None,
    ) -> None:
        self._ids = ids
        self._columns = {cid: j for j, cid in enumerate(criterion_ids)}
        self.order = order
        self.scores = scores
        self.contributions = contributions
        self.normalised = normalised
        self._plus = separation[0] if separation else None
        self._minus = separation[1] if separation else None
        self._cache: dict[int, RankedAlternative] = {}
        self._position: dict[str, int] | None = None

    def __len__(self) -> int:
        return len(self.order)

    @overload
    def __getitem__(self, index: int) -> RankedAlternative: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[RankedAlternative, ...]: ...

    def __getitem__(self, index: int | slice) -> RankedAlternative | tuple[RankedAlternative, ...]:
        if isinstance(index, slice):
            return tuple(self._entry(p) for p in range(*index.indices(len(self.order))))
        position = operator.index(index)
        if position < 0:
            position += len(self.order)
        if not 0 <= position < len(self.order):
            raise IndexError("ranking index out of range")
        return self._entry(position)

    def __iter__(self) -> Iterator[RankedAlternative]:
        return (self._entry(p) for p in range(len(self.order)))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (RankedAlternatives, tuple)):
            return tuple(self) == tuple(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"RankedAlternatives({len(self.order)} alternatives, best {self.ids[:3]!r}...)"

    def _entry(self, position: int) -> RankedAlternative:
        entry = self._cache.get(position)
        if entry is None:
            i = int(self.order[position])
            entry = RankedAlternative(
                id=self._ids[i],
                rank=position + 1,
                score=float(self.scores[i]),
                contributions=CriterionValues(self._columns, self.contributions[i]),
                normalised=CriterionValues(self._columns, self.normalised[i]),
                separation_ideal=float(self._plus[i]) if self._plus is not None else None,
                separation_anti_ideal=float(self._minus[i]) if self._minus is not None else None,
            )
            self._cache[position] = entry
        return entry

    @property
    def ids(self) -> tuple[str, ...]:
        """Alternative ids in rank order."""
        ids = self._ids
        return tuple(ids[i] for i in self.order.tolist())

    def score_by_id(self) -> dict[str, float]:
        """Score per alternative id, in rank order."""
        ids = self._ids
        order = self.order.tolist()
        return dict(zip((ids[i] for i in order), self.scores[self.order].tolist(), strict=True))

    def position(self, alternative_id: str) -> int:
        """0-based place of an alternative in the ranking; KeyError if unknown."""
        if self._position is None:
            ids = self._ids
            self._position = {ids[i]: p for p, i in enumerate(self.order.tolist())}
        return self._position[alternative_id]


@dataclass(frozen=True)
class TieBreak:
    """A group of tied alternatives (in the order they were placed) and why."""

    alternatives: tuple[str, ...]
    score: float
    explanation: str

    def to_dict(self) -> dict[str, object]:
        """A JSON-serialisable representation."""
        return {
            "alternatives": list(self.alternatives),
            "score": self.score,
            "explanation": self.explanation,
        }


@dataclass(frozen=True)
class Ranking:
    """The result of ranking alternatives, best first.

    ``ties`` lists each group of alternatives whose scores are equal within 1e-9, in the
    order the tie rule placed them; ``tie_breaks`` explains each group (same order).
    ``ideal`` / ``anti_ideal`` are TOPSIS's ideal and anti-ideal weighted normalised
    values per criterion (None for the weighted sum).
    """

    method: Method
    alternatives: RankedAlternatives
    weights: Mapping[str, float]
    ties: tuple[tuple[str, ...], ...] = ()
    tie_breaks: tuple[TieBreak, ...] = ()
    tie_break_rule: str = TIE_BREAK_RULE
    ideal: Mapping[str, float] | None = None
    anti_ideal: Mapping[str, float] | None = None

    @property
    def winner(self) -> str:
        """Id of the alternative ranked first."""
        return self.alternatives[0].id

    @property
    def order(self) -> tuple[str, ...]:
        """Alternative ids in rank order."""
        return self.alternatives.ids

    @property
    def scores(self) -> dict[str, float]:
        """Score per alternative id (in rank order)."""
        return self.alternatives.score_by_id()

    def get(self, alternative_id: str) -> RankedAlternative:
        """The entry of one alternative; raises KeyError if unknown."""
        return self.alternatives[self.alternatives.position(alternative_id)]

    def to_dict(self) -> dict[str, object]:
        """A JSON-serialisable representation."""
        return {
            "method": self.method,
            "alternatives": [a.to_dict() for a in self.alternatives],
            "weights": dict(self.weights),
            "ties": [list(group) for group in self.ties],
            "tie_breaks": [t.to_dict() for t in self.tie_breaks],
            "tie_break_rule": self.tie_break_rule,
            "ideal": dict(self.ideal) if self.ideal is not None else None,
            "anti_ideal": dict(self.anti_ideal) if self.anti_ideal is not None else None,
        }


@dataclass(frozen=True)
class Prepared:
    """Validated ranking input as arrays (private)."""

    alternative_ids: tuple[str, ...]
    criterion_ids: tuple[str, ...]
    is_cost: BoolArray
    raw: FloatArray
    weights: FloatArray
    goodness: FloatArray  # linear normalisation, direction-aware; used by the tie rule


def prepare(
    alternatives: Sequence[str],
    criteria: Sequence[Criterion],
    values: Matrix,
    weights: Mapping[str, Number],
) -> Prepared:
    """Validate the common ranking input (see rank_weighted_sum)."""
    alternative_ids = check_ids(alternatives, "alternatives", "alternative")
    if isinstance(criteria, (str, bytes)) or not isinstance(criteria, Sequence) or not criteria:
        raise EngineInputError("At least one criterion is required.", field="criteria")
    for index, criterion in enumerate(criteria):
        if not isinstance(criterion, Criterion):
            raise EngineInputError(
                f"Criterion {index + 1} must be a Criterion(id, kind), got {criterion!r}.",
                field=f"criteria[{index}]",
                details={"index": index},
            )
    criterion_ids = check_ids([c.id for c in criteria], "criteria", "criterion")
    is_cost = np.array([c.kind == "cost" for c in criteria], dtype=np.bool_)
    raw = as_matrix(
        values,
        len(alternative_ids),
        len(criterion_ids),
        "values",
        alternative_ids,
        criterion_ids,
        "alternative",
        "criterion",
    )
    check_domain(raw, is_cost, alternative_ids, criterion_ids)
    weight_array = weight_vector(weights, criterion_ids)
    return Prepared(
        alternative_ids, criterion_ids, is_cost, raw, weight_array, linear_matrix(raw, is_cost)
    )


def criterion_priority(weights: FloatArray) -> list[int]:
    """Criteria used by the tie rule: positive weight, heaviest first, then input order."""
    values = weights.tolist()
    return sorted((j for j, w in enumerate(values) if w > 0.0), key=lambda j: (-values[j], j))


def tie_key(
    goodness: FloatArray, index: int, priority: list[int], ids: Sequence[str]
) -> tuple[object, ...]:
    row = goodness[index]
    return (*(-round(float(row[j]), 12) for j in priority), ids[index])


def _explain(
    group: list[int],
    goodness: FloatArray,
    priority: list[int],
    weights: FloatArray,
    alternative_ids: Sequence[str],
    criterion_ids: Sequence[str],
) -> str:
    parts: list[str] = []
    for first, second in pairwise(group):
        reason = "equal on every weighted criterion, so by id"
        for j in priority:
            a = round(float(goodness[first, j]), 12)
            b = round(float(goodness[second, j]), 12)
            if a != b:
                reason = (
                    f"higher normalised value on {criterion_ids[j]!r} "
                    f"(weight {fmt_percent(float(weights[j]))}: {fmt_number(a, 4)} vs "
                    f"{fmt_number(b, 4)})"
                )
                break
        parts.append(f"{alternative_ids[first]!r} before {alternative_ids[second]!r}: {reason}")
    return "; ".join(parts) + "."


def order_alternatives(
    scores: FloatArray, prepared: Prepared, weights: FloatArray
) -> tuple[IntArray, list[TieBreak]]:
    """Full deterministic order (indices, best first) and an explanation of each tie.

    A group of tied alternatives starts where a score is within 1e-9 of the next one in
    score order, so only those places are visited in Python; the rest is one argsort.
    """
    ids = prepared.alternative_ids
    by_score: IntArray = np.argsort(-scores, kind="stable")
    ordered = scores[by_score]
    starts = np.flatnonzero(ordered[:-1] - ordered[1:] <= TIE_TOLERANCE).tolist()
    if not starts:
        return by_score, []
    order = by_score.copy()
    values = ordered.tolist()
    priority = criterion_priority(weights)
    tie_breaks: list[TieBreak] = []
    count = len(values)
    covered = 0
    for start in starts:
        if start < covered:
            continue  # inside the group found last
        top = values[start]
        end = start + 1
        while end < count and top - values[end] <= TIE_TOLERANCE:
            end += 1
        group = by_score[start:end].tolist()
        group.sort(key=lambda i: tie_key(prepared.goodness, i, priority, ids))
        tie_breaks.append(
            TieBreak(
                alternatives=tuple(ids[i] for i in group),
                score=top,
                explanation=_explain(
                    group, prepared.goodness, priority, weights, ids, prepared.criterion_ids
                ),
            )
        )
        order[start:end] = group
        covered = end
    return order, tie_breaks


def winner_index(scores: FloatArray, prepared: Prepared, weights: FloatArray) -> int:
    """Index of the alternative the tie rule puts first (same result as order_alternatives)."""
    top = float(scores.max())
    group = np.flatnonzero((top - scores) <= TIE_TOLERANCE).tolist()
    if len(group) == 1:
        return int(group[0])
    priority = criterion_priority(weights)
    return min(
        group, key=lambda i: tie_key(prepared.goodness, i, priority, prepared.alternative_ids)
    )


def build_ranking(
    method: Method,
    prepared: Prepared,
    scores: FloatArray,
    contributions: FloatArray,
    normalised: FloatArray,
    separation: tuple[FloatArray, FloatArray] | None = None,
    ideal: tuple[FloatArray, FloatArray] | None = None,
) -> Ranking:
    """Assemble a Ranking from per-alternative arrays (private); nothing per alternative
    is turned into Python objects until it is read."""
    order, tie_breaks = order_alternatives(scores, prepared, prepared.weights)
    crit = prepared.criterion_ids
    return Ranking(
        method=method,
        alternatives=RankedAlternatives(
            prepared.alternative_ids, crit, order, scores, contributions, normalised, separation
        ),
        weights=dict(zip(crit, prepared.weights.tolist(), strict=True)),
        ties=tuple(t.alternatives for t in tie_breaks),
        tie_breaks=tuple(tie_breaks),
        ideal=dict(zip(crit, ideal[0].tolist(), strict=True)) if ideal else None,
        anti_ideal=dict(zip(crit, ideal[1].tolist(), strict=True)) if ideal else None,
    )
