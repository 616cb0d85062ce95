"""Analytic Hierarchy Process: priorities and consistency of a pairwise comparison matrix."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from ._validate import FloatArray, as_float
from .errors import EngineInputError

__all__ = [
    "CONSISTENCY_THRESHOLD",
    "RANDOM_INDEX",
    "SAATY_SCALE",
    "AHPResult",
    "ahp_matrix_from_judgements",
    "ahp_priorities",
    "nearest_saaty_value",
]

#: Saaty's random consistency index for n = 1..15 (index 0 is n = 1).
RANDOM_INDEX: tuple[float, ...] = (
    0.0,
    0.0,
    0.58,
    0.90,
    1.12,
    1.24,
    1.32,
    1.41,
    1.45,
    1.49,
    1.51,
    1.48,
    1.56,
    1.57,
    1.59,
)
#: Judgements are acceptable when the consistency ratio is at most this value.
CONSISTENCY_THRESHOLD = 0.10
#: The values of Saaty's fundamental 1-9 scale and their reciprocals, ascending.
SAATY_SCALE: tuple[float, ...] = tuple(
    [1.0 / k for k in range(9, 1, -1)] + [float(k) for k in range(1, 10)]
)

_LOW = 1.0 / 9.0
_HIGH = 9.0
_RANGE_RTOL = 1e-6  # lets 0.1111111 stand for 1/9
_RECIPROCAL_RTOL = 1e-6
_DIAGONAL_ATOL = 1e-6

Number = float | int | Decimal


@dataclass(frozen=True)
class AHPResult:
    """Priorities and consistency measures of one pairwise comparison matrix.

    ``priorities`` is the principal right eigenvector normalised to sum to 1, in matrix
    order. ``consistency_index`` = (lambda_max - n) / (n - 1); ``consistency_ratio`` =
    CI / RI (0 for n <= 2). When the matrix is inconsistent (CR > 0.10),
    ``most_inconsistent`` is the 0-based cell (i, j), i < j, whose judgement deviates
    most from the ratio of the derived priorities, ``deviation`` is that factor
    (max of a_ij*w_j/w_i and its inverse, >= 1), and ``suggested_value`` is the
    consistent judgement w_i/w_j clamped to [1/9, 9]; ``suggested_scale_value`` is the
    nearest value of Saaty's 1-9 scale.
    """

    priorities: tuple[float, ...]
    lambda_max: float
    consistency_index: float
    consistency_ratio: float
    random_index: float
    is_consistent: bool
    most_inconsistent: tuple[int, int] | None
    suggested_value: float | None
    suggested_scale_value: float | None
    deviation: float | None

    @property
    def n(self) -> int:
        """Number of compared elements."""
        return len(self.priorities)

    def weights_for(self, ids: Sequence[str]) -> dict[str, float]:
        """Return the priorities keyed by ``ids`` (given in matrix order)."""
        if len(ids) != len(self.priorities):
            raise EngineInputError(
                f"{len(ids)} ids were given for {len(self.priorities)} priorities.",
                field="ids",
                details={"ids": len(ids), "expected": len(self.priorities)},
            )
        return dict(zip(ids, self.priorities, strict=True))

    def to_dict(self) -> dict[str, object]:
        """A JSON-serialisable representation."""
        return {
            "priorities": list(self.priorities),
            "lambda_max": self.lambda_max,
            "consistency_index": self.consistency_index,
            "consistency_ratio": self.consistency_ratio,
            "random_index": self.random_index,
            "is_consistent": self.is_consistent,
            "most_inconsistent": list(self.most_inconsistent) if self.most_inconsistent else None,
            "suggested_value": self.suggested_value,
            "suggested_scale_value": self.suggested_scale_value,
            "deviation": self.deviation,
        }


def _fmt_judgement(value: float) -> str:
    """Write a judgement as people do: 3, 1/3, or a decimal."""
    if value >= 1.0:
        if abs(value - round(value)) < 1e-9:
            return str(round(value))
    elif value > 0.0:
        inverse = 1.0 / value
        if abs(inverse - round(inverse)) < 1e-6 * inverse:
            return f"1/{round(inverse)}"
    return f"{value:.4g}"


def _check_judgement(value: float, field: str, where: str, details: dict[str, object]) -> None:
    if not (_LOW * (1 - _RANGE_RTOL) <= value <= _HIGH * (1 + _RANGE_RTOL)):
        raise EngineInputError(
            f"{where} is {_fmt_judgement(value)}; a pairwise judgement must lie between "
            "1/9 and 9 on Saaty's scale.",
            field=field,
            details={**details, "value": value, "minimum": _LOW, "maximum": _HIGH},
        )


def ahp_matrix_from_judgements(
    n: int, judgements: Mapping[tuple[int, int], Number]
) -> list[list[float]]:
    """Build a complete reciprocal comparison matrix from one judgement per pair.

    Method: positive reciprocal pairwise comparison matrix of the Analytic Hierarchy
    Process, a_ji = 1/a_ij and a_ii = 1 (Saaty, T. L., 1980, "The Analytic Hierarchy
    Process: Planning, Priority Setting, Resource Allocation", McGraw-Hill).

    ``judgements[(i, j)]`` (0-based, normally i < j) is how many times more important
    element i is than element j, on the 1/9..9 scale. A key with i > j is accepted and
    stored as its reciprocal; giving both (i, j) and (j, i) is an error, as is a missing
    pair (incomplete matrices are not supported).
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise EngineInputError(
            f"The matrix size must be a positive integer, got {n!r}.",
            field="n",
            details={"value": repr(n)},
        )
    if n > len(RANDOM_INDEX):
        raise EngineInputError(
            f"AHP supports at most {len(RANDOM_INDEX)} elements per comparison matrix, got {n}.",
            field="n",
            details={"value": n, "maximum": len(RANDOM_INDEX)},
        )
    if not isinstance(judgements, Mapping):
        raise EngineInputError(
            "Judgements must be a mapping of (i, j) pairs to values.", field="judgements"
        )
    matrix = [[1.0] * n for _ in range(n)]
    given: set[tuple[int, int]] = set()
    for key, raw in judgements.items():
        if (
            not isinstance(key, tuple)
            or len(key) != 2
            or not all(isinstance(k, int) and not isinstance(k, bool) for k in key)
        ):
            raise EngineInputError(
                f"Judgement keys must be (i, j) index pairs, got {key!r}.",
                field="judgements",
                details={"key": repr(key)},
            )
        i, j = key
        field = f"judgements[({i}, {j})]"
        if not (0 <= i < n and 0 <= j < n):
            raise EngineInputError(
                f"Judgement ({i}, {j}) refers to an element outside 0..{n - 1}.",
                field=field,
                details={"row": i, "column": j},
            )
        if i == j:
            raise EngineInputError(
                f"Judgement ({i}, {j}) compares an element with itself; the diagonal is always 1.",
                field=field,
                details={"row": i, "column": j},
            )
        pair = (min(i, j), max(i, j))
        if pair in given:
            raise EngineInputError(
                f"Elements {pair[0] + 1} and {pair[1] + 1} are judged twice; give one judgement "
                "per pair.",
                field=field,
                details={"row": pair[0], "column": pair[1]},
            )
        given.add(pair)
        where = f"The judgement of element {i + 1} against element {j + 1}"
        value = as_float(raw, field, where, {"row": i, "column": j})
        _check_judgement(value, field, where, {"row": i, "column": j})
        matrix[i][j] = value
        matrix[j][i] = 1.0 / value
    missing = [[i, j] for i in range(n) for j in range(i + 1, n) if (i, j) not in given]
    if missing:
        i, j = missing[0]
        raise EngineInputError(
            f"No judgement is given for elements {i + 1} and {j + 1}"
            + (f" (and {len(missing) - 1} more pairs)." if len(missing) > 1 else "."),
            field=f"judgements[({i}, {j})]",
            details={"missing": missing},
        )
    return matrix


def _validated_matrix(matrix: object) -> FloatArray:
    if isinstance(matrix, (str, bytes)) or not isinstance(matrix, (Sequence, np.ndarray)):
        raise EngineInputError("The comparison matrix must be a list of rows.", field="matrix")
    n = len(matrix)
    if n < 1:
        raise EngineInputError("The comparison matrix is empty.", field="matrix")
    if n > len(RANDOM_INDEX):
        raise EngineInputError(
            f"AHP supports at most {len(RANDOM_INDEX)} elements per comparison matrix, got {n}.",
            field="matrix",
            details={"size": n, "maximum": len(RANDOM_INDEX)},
        )
    array = np.empty((n, n), dtype=np.float64)
    for i, row in enumerate(matrix):
        if isinstance(row, (str, bytes)) or not isinstance(row, (Sequence, np.ndarray)):
            raise EngineInputError(
                f"Row {i + 1} of the comparison matrix must be a list.",
                field=f"matrix[{i}]",
                details={"row": i},
            )
        if len(row) != n:
            raise EngineInputError(
                f"The comparison matrix must be square: row {i + 1} has {len(row)} entries, "
                f"expected {n}.",
                field=f"matrix[{i}]",
                details={"row": i, "length": len(row), "expected": n},
            )
        for j, cell in enumerate(row):
            where = f"Row {i + 1}, column {j + 1}"
            field = f"matrix[{i}][{j}]"
            value = as_float(cell, field, where, {"row": i, "column": j})
            _check_judgement(value, field, where, {"row": i, "column": j})
            array[i, j] = value
    for i in range(n):
        if abs(array[i, i] - 1.0) > _DIAGONAL_ATOL:
            raise EngineInputError(
                f"Row {i + 1}, column {i + 1} is {_fmt_judgement(float(array[i, i]))}; the "
                "diagonal must be 1 (every element is as important as itself).",
                field=f"matrix[{i}][{i}]",
                details={"row": i, "column": i, "value": float(array[i, i])},
            )
    for i in range(n):
        for j in range(i + 1, n):
            upper, lower = float(array[i, j]), float(array[j, i])
            if abs(upper * lower - 1.0) > _RECIPROCAL_RTOL:
                raise EngineInputError(
                    f"Row {i + 1}, column {j + 1} is {_fmt_judgement(upper)} but row {j + 1}, "
                    f"column {i + 1} is {_fmt_judgement(lower)}; it must be the reciprocal "
                    f"{_fmt_judgement(1.0 / upper)} ({1.0 / upper:.6g}).",
                    field=f"matrix[{j}][{i}]",
                    details={"row": j, "column": i, "value": lower, "expected": 1.0 / upper},
                )
    return array


def nearest_saaty_value(value: Number) -> float:
    """Return the value of Saaty's 1-9 scale (or its reciprocal) closest to ``value``.

    Method: the fundamental scale of absolute numbers 1-9 and reciprocals (Saaty, T. L.,
    2008, "Decision making with the analytic hierarchy process", International Journal of
    Services Sciences 1(1), 83-98). Closeness is measured on a logarithmic scale, because
    judgements are ratios.
    """
    number = as_float(value, "value", "The judgement")
    if number <= 0:
        raise EngineInputError(
            "A judgement must be positive.", field="value", details={"value": number}
        )
    log_value = math.log(number)
    return min(SAATY_SCALE, key=lambda s: (abs(math.log(s) - log_value), s))


def ahp_priorities(matrix: Sequence[Sequence[Number]]) -> AHPResult:
    """Derive priorities and consistency measures from a pairwise comparison matrix.

    Method: principal right eigenvector of the positive reciprocal matrix, normalised to
    sum 1; consistency index CI = (lambda_max - n)/(n - 1) and consistency ratio
    CR = CI/RI with Saaty's random index table (Saaty, T. L., 1980, "The Analytic
    Hierarchy Process", McGraw-Hill; Saaty, T. L., 2008, "Decision making with the
    analytic hierarchy process", Int. J. Services Sciences 1(1), 83-98). CR is 0 for
    n <= 2; the matrix is acceptable when CR <= 0.10. The most inconsistent judgement is
    located with Saaty's deviation factor a_ij*w_j/w_i (Saaty, T. L., 2003,
    "Decision-making with the AHP: Why is the principal eigenvector necessary",
    European Journal of Operational Research 145(1), 85-91).

    Validation (each failure raises :class:`EngineInputError` naming the cell): square,
    1 <= n <= 15, every entry in [1/9, 9], diagonal 1, a_ji = 1/a_ij (relative
    tolerance 1e-6).
    """
    array = _validated_matrix(matrix)
    n = array.shape[0]
    if n == 1:
        return AHPResult((1.0,), 1.0, 0.0, 0.0, 0.0, True, None, None, None, None)
    eigenvalues, eigenvectors = np.linalg.eig(array)
    index = int(np.argmax(eigenvalues.real))
    lambda_max = float(eigenvalues.real[index])
    vector = np.abs(eigenvectors[:, index].real)
    weights: FloatArray = vector / vector.sum()
    # Polish with a few power iterations (the Perron vector is the power-method limit).
    for _ in range(3):
        product = array @ weights
        weights = product / product.sum()
    lambda_max = float(np.mean((array @ weights) / weights))
    lambda_max = max(lambda_max, float(n))  # lambda_max >= n for reciprocal matrices
    random_index = RANDOM_INDEX[n - 1]
    if n <= 2:
        consistency_index = 0.0
        consistency_ratio = 0.0
        lambda_max = float(n)  # every 2x2 reciprocal matrix is consistent
    else:
        consistency_index = (lambda_max - n) / (n - 1)
        consistency_ratio = consistency_index / random_index
    is_consistent = consistency_ratio <= CONSISTENCY_THRESHOLD
    most: tuple[int, int] | None = None
    suggested: float | None = None
    scale_value: float | None = None
    deviation: float | None = None
    if not is_consistent:
        ratio = array * weights[np.newaxis, :] / weights[:, np.newaxis]  # a_ij * w_j / w_i
        factor = np.maximum(ratio, 1.0 / ratio)
        upper = np.triu(factor, k=1)
        flat = int(np.argmax(upper))
        i, j = divmod(flat, n)
        most = (i, j)
        deviation = float(factor[i, j])
        suggested = float(min(max(weights[i] / weights[j], _LOW), _HIGH))
        scale_value = nearest_saaty_value(suggested)
    return AHPResult(
        priorities=tuple(float(w) for w in weights),
        lambda_max=lambda_max,
        consistency_index=consistency_index,
        consistency_ratio=consistency_ratio,
        random_index=random_index,
        is_consistent=is_consistent,
        most_inconsistent=most,
        suggested_value=suggested,
        suggested_scale_value=scale_value,
        deviation=deviation,
    )
