"""On-scale normalisation: scores keep their meaning whoever else takes part.

The linear normalisation of :mod:`scoring.engine.normalise` (benefit x/max, cost min/x)
is *local*: each column is divided by the best value among the alternatives being
compared, so 3/10 becomes 1.0 when nobody scored more, and adding or removing an
alternative rescales whole columns and can swap the order of two others (rank reversal).
This module normalises *absolute* criteria on their own, fixed scale instead (a *global*
scale in the sense of Belton & Stewart, 2002): an evaluator score is divided by the top of
its 0-10 scale and automatic points by the top of their 0-100 scale, so 3/10 stays 0.3.
Cost stays *relative*: the lowest total cost of ownership gets 1.0 and every other cost
min/x, so a new lowest bid rescales the whole cost column (and only that column).

Kinds, one per criterion: ``("scale", maximum)`` (values must lie in [0, maximum]) or
``("cost_relative",)`` (values must be greater than zero). :data:`EVALUATOR_SCALE`,
:data:`POINTS_SCALE` and :data:`COST_RELATIVE` are the three kinds the portal uses.

What can and cannot change when a proposal is added or removed:

* Weighted sum. The score of a proposal is S_i = sum_j w_j r_ij. On a scale criterion
  r_ij = x_ij / maximum_j depends on that proposal alone, so when every criterion is on a
  scale the scores of the others do not move at all, and neither does their relative
  order (the tie rule compares the two tied proposals' own normalised values, so it does
  not depend on the others either; the one limit is two unequal scores at most 1e-9
  apart, which the tie tolerance, counted from the best score of each tied group, may
  treat as tied in one company and not in another). With a relative cost criterion,
  only a change of the lowest cost changes anything: it multiplies every cost value r_ic
  by the same factor, which shifts the balance between cost and the other criteria, so
  two others can swap when a new lowest bid arrives or the lowest bid leaves; the method
  section must say so.
* TOPSIS (Hwang & Yoon, 1981). Its vector normalisation r_ij = x_ij / sqrt(sum_i x_ij^2)
  divides each column by a norm taken over *every* alternative, and each column's norm
  changes by a different factor when one is added or removed, which re-weights the
  criteria against one another; the ideal and anti-ideal points (best and worst value
  per criterion) are also taken from the alternatives present. So even when every
  criterion is absolute, adding or removing a proposal can swap the order of two others
  (the issue's example, A = (10, 5) and B = (6, 10) with C = (5, 20) added, does), and
  on-scale input would not prevent it, because the ideal and anti-ideal would still move.
  What cannot change: a proposal that dominates another (at least as good on every
  criterion and better on one with a positive weight) stays ahead of it in any company,
  and when a single criterion carries all the weight the order of the others never
  changes. TOPSIS closeness is therefore a measure relative to the proposals compared,
  not a score on a fixed scale (García-Cascales, M. S. & Lamata, M. T., 2012, "On rank
  reversal and TOPSIS method", Mathematical and Computer Modelling 56).

This module changes none of the existing normalisation or ranking functions.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

import numpy as np

from ._validate import FloatArray, Matrix, as_float, fmt_number
from .aggregate import SCORE_MAX
from .errors import EngineInputError
from .normalise import _column
from .results import Criterion, Prepared, Ranking, build_ranking, prepare

__all__ = [
    "COST_RELATIVE",
    "EVALUATOR_SCALE",
    "ONSCALE_TIE_BREAK_RULE",
    "POINTS_MAX",
    "POINTS_SCALE",
    "OnScaleKind",
    "ScaledCriterion",
    "normalise_on_scale",
    "rank_weighted_sum_on_scale",
]

Number = float | int | Decimal
OnScaleKind = tuple[Literal["scale"], Number] | tuple[Literal["cost_relative"]]

#: Top of the automatic points scale (0-100).
POINTS_MAX = 100.0

#: Evaluator scores: 0-10, normalised score / 10.
EVALUATOR_SCALE: OnScaleKind = ("scale", SCORE_MAX)
#: Automatic points: 0-100, normalised points / 100.
POINTS_SCALE: OnScaleKind = ("scale", POINTS_MAX)
#: Cost relative to the lowest total cost of ownership: min / x.
COST_RELATIVE: OnScaleKind = ("cost_relative",)

ONSCALE_TIE_BREAK_RULE = (
    "Alternatives whose scores differ by at most 1e-9 are tied. A tie is broken by the "
    "higher normalised value (scale criteria: value / top of the scale; cost: lowest "
    "cost / cost) on the criterion with the largest weight, then on the criterion with the "
    "next largest weight, and so on (equal weights in the order the criteria were given; "
    "zero-weight criteria are ignored). Alternatives that are equal on all of these are "
    "ordered by id, ascending."
)


def _kind_error(kind: object, field: str, label: str) -> EngineInputError:
    return EngineInputError(
        f"{label} must be ('scale', maximum) or ('cost_relative',), got {kind!r}.",
        field=field,
        details={"kind": repr(kind)},
    )


def _check_kind(kind: object, field: str, label: str) -> float | None:
    """Validate a kind; the scale maximum as a float, or None for a relative cost."""
    if not isinstance(kind, tuple) or not kind:
        raise _kind_error(kind, field, label)
    if kind[0] == "cost_relative" and len(kind) == 1:
        return None
    if kind[0] != "scale" or len(kind) != 2:
        raise _kind_error(kind, field, label)
    maximum = as_float(kind[1], field, f"The top of the scale of {label.lower()}")
    if maximum <= 0.0:
        raise EngineInputError(
            f"The top of the scale of {label.lower()} is {fmt_number(maximum, 6)}; "
            "it must be greater than zero.",
            field=field,
            details={"maximum": maximum},
        )
    return maximum


@dataclass(frozen=True)
class ScaledCriterion:
    """A criterion with its on-scale kind: ``("scale", maximum)`` or ``("cost_relative",)``."""

    id: str
    kind: OnScaleKind = EVALUATOR_SCALE

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise EngineInputError(
                f"A criterion id must be a non-empty string, got {self.id!r}.",
                field="criteria",
                details={"id": repr(self.id)},
            )
        _check_kind(self.kind, f"criteria.{self.id}", f"The kind of criterion {self.id!r}")

    @property
    def maximum(self) -> float | None:
        """Top of the scale, or None for a relative cost criterion."""
        return _check_kind(self.kind, f"criteria.{self.id}", f"The kind of criterion {self.id!r}")


def _scale_error(
    value: float, maximum: float, field: str, what: str, details: Mapping[str, object]
) -> EngineInputError:
    return EngineInputError(
        f"{what} is {fmt_number(value, 6)}; it must be between 0 and "
        f"{fmt_number(maximum, 6)}, the top of its scale.",
        field=field,
        details={**details, "value": value, "minimum": 0.0, "maximum": maximum},
    )


def normalise_on_scale(values: Sequence[Number], kind: OnScaleKind) -> list[float]:
    """Normalise one criterion column on its own scale, or cost relative to the lowest.

    ``("scale", maximum)``: r_i = x_i / maximum, values in [0, maximum] (evaluator scores
    0-10, automatic points 0-100); the result does not depend on the other values.
    ``("cost_relative",)``: r_i = min_i x_i / x_i, values > 0; a new lowest cost rescales
    the column. Method: linear scale transformation on a global (fixed) scale rather than
    a local one (Belton, V. & Stewart, T. J., 2002, "Multiple Criteria Decision Analysis:
    An Integrated Approach", Kluwer, on local and global scales; Hwang, C.-L. & Yoon, K.,
    1981, "Multiple Attribute Decision Making: Methods and Applications", Springer, for
    min/x). Values outside the scale are an :class:`EngineInputError`.
    """
    maximum = _check_kind(kind, "kind", "The criterion kind")
    column = _column(values, "values")
    if maximum is None:
        if bool((column <= 0).any()):
            index = int(np.argmax(column <= 0))
            raise EngineInputError(
                f"Cost value {index + 1} is {fmt_number(float(column[index]), 6)}; cost "
                "values must be greater than zero.",
                field=f"values[{index}]",
                details={"index": index, "value": float(column[index])},
            )
        relative: list[float] = (column.min() / column).tolist()
        return relative
    outside = (column < 0.0) | (column > maximum)
    if bool(outside.any()):
        index = int(np.argmax(outside))
        raise _scale_error(
            float(column[index]),
            maximum,
            f"values[{index}]",
            f"Value {index + 1}",
            {"index": index},
        )
    result: list[float] = (column / maximum).tolist()
    return result


def _on_scale_matrix(
    prepared: Prepared, maxima: Sequence[float | None], field: str = "values"
) -> FloatArray:
    """Column-wise on-scale normalisation of prepared (domain-checked) values."""
    raw = prepared.raw
    result = np.empty_like(raw)
    for j, maximum in enumerate(maxima):
        column = raw[:, j]
        if maximum is None:
            result[:, j] = column.min() / column
            continue
        outside = (column < 0.0) | (column > maximum)
        if bool(outside.any()):
            i = int(np.argmax(outside))
            alternative = prepared.alternative_ids[i]
            criterion = prepared.criterion_ids[j]
            raise _scale_error(
                float(column[i]),
                maximum,
                f"{field}[{i}][{j}]",
                f"The value of {alternative!r} on {criterion!r}",
                {"row": i, "column": j, "alternative": alternative, "criterion": criterion},
            )
        result[:, j] = column / maximum
    return result


def rank_weighted_sum_on_scale(
    alternatives: Sequence[str],
    criteria: Sequence[ScaledCriterion],
    values: Matrix,
    weights: Mapping[str, Number],
) -> Ranking:
    """Rank by weighted sum of on-scale normalised values (see :func:`normalise_on_scale`).

    Method: simple additive weighting, S_i = sum_j w_j r_ij (Fishburn, P. C., 1967,
    "Additive utilities with incomplete product sets", ORSA; Hwang, C.-L. & Yoon, K.,
    1981, "Multiple Attribute Decision Making: Methods and Applications", Springer), with
    r_ij = x_ij / maximum_j on scale criteria and r_ij = min_i x_ij / x_ij on relative
    cost criteria (Belton, V. & Stewart, T. J., 2002, "Multiple Criteria Decision
    Analysis: An Integrated Approach", Kluwer, global scales). When every criterion is on a
    scale, adding or removing an alternative changes neither the scores nor the relative
    order of the others; a new lowest cost rescales the cost column only.

    Input as for :func:`scoring.engine.ranking.rank_weighted_sum`, except that
    ``criteria`` are :class:`ScaledCriterion` objects and scale values must lie within
    [0, maximum]. ``normalised`` holds r_ij, ``contributions`` w_j r_ij (they add up to
    the score). Ties (within 1e-9) use the same rule as the other rankings, applied to
    these normalised values (``Ranking.tie_break_rule``).
    """
    if isinstance(criteria, (str, bytes)) or not isinstance(criteria, Sequence) or not criteria:
        raise EngineInputError("At least one criterion is required.", field="criteria")
    for index, criterion in enumerate(criteria):
        if not isinstance(criterion, ScaledCriterion):
            raise EngineInputError(
                f"Criterion {index + 1} must be a ScaledCriterion(id, kind), got {criterion!r}.",
                field=f"criteria[{index}]",
                details={"index": index},
            )
    maxima = [criterion.maximum for criterion in criteria]
    plain = [
        Criterion(criterion.id, "cost" if maximum is None else "benefit")
        for criterion, maximum in zip(criteria, maxima, strict=True)
    ]
    prepared = prepare(alternatives, plain, values, weights)
    normalised = _on_scale_matrix(prepared, maxima)
    # The tie rule reads ``goodness``: give it the on-scale values, which for each pair of
    # alternatives do not depend on who else takes part.
    prepared = dataclasses.replace(prepared, goodness=normalised)
    contributions = normalised * prepared.weights
    scores = normalised @ prepared.weights
    ranking = build_ranking("weighted_sum", prepared, scores, contributions, normalised)
    return dataclasses.replace(ranking, tie_break_rule=ONSCALE_TIE_BREAK_RULE)
