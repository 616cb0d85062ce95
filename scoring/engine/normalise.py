"""Normalisation of raw criterion values to comparable, dimensionless numbers."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Literal

import numpy as np
import numpy.typing as npt

from ._validate import FloatArray, as_float, fmt_number
from .errors import EngineInputError

__all__ = [
    "CriterionKind",
    "normalise_benefit",
    "normalise_cost",
    "normalise_linear",
    "normalise_vector",
]

CriterionKind = Literal["benefit", "cost"]
Number = float | int | Decimal
BoolArray = npt.NDArray[np.bool_]


def _column(values: Sequence[Number], field: str) -> FloatArray:
    if isinstance(values, (str, bytes)) or not isinstance(values, (Sequence, np.ndarray)):
        raise EngineInputError("Values must be given as a list of numbers.", field=field)
    if len(values) == 0:
        raise EngineInputError("At least one value is required.", field=field)
    return np.array(
        [
            as_float(v, f"{field}[{i}]", f"Value {i + 1}", {"index": i})
            for i, v in enumerate(values)
        ],
        dtype=np.float64,
    )


def check_domain(
    matrix: FloatArray,
    is_cost: BoolArray,
    row_ids: Sequence[str],
    col_ids: Sequence[str],
    field: str = "values",
) -> None:
    """Benefit values must be >= 0 and cost values > 0; report the first offending cell."""
    bad = np.where(is_cost[np.newaxis, :], matrix <= 0.0, matrix < 0.0)
    if bool(bad.any()):
        i, j = (int(k) for k in np.argwhere(bad)[0])
        value = float(matrix[i, j])
        details: dict[str, object] = {
            "row": i,
            "column": j,
            "alternative": row_ids[i],
            "criterion": col_ids[j],
            "value": value,
        }
        if is_cost[j]:
            raise EngineInputError(
                f"The cost of {row_ids[i]!r} on {col_ids[j]!r} is {fmt_number(value, 6)}; "
                "cost values must be greater than zero.",
                field=f"{field}[{i}][{j}]",
                details=details,
            )
        raise EngineInputError(
            f"The value of {row_ids[i]!r} on {col_ids[j]!r} is {fmt_number(value, 6)}; "
            "benefit values cannot be negative.",
            field=f"{field}[{i}][{j}]",
            details=details,
        )


def linear_matrix(matrix: FloatArray, is_cost: BoolArray) -> FloatArray:
    """Column-wise linear normalisation: benefit x/max, cost min/x (domain already checked)."""
    result = np.zeros_like(matrix)
    benefit = ~is_cost
    if bool(benefit.any()):
        block = matrix[:, benefit]
        top = block.max(axis=0)
        safe = np.where(top > 0.0, top, 1.0)
        result[:, benefit] = np.where(top > 0.0, block / safe, 0.0)
    if bool(is_cost.any()):
        block = matrix[:, is_cost]
        result[:, is_cost] = block.min(axis=0) / block
    return result


def vector_matrix(matrix: FloatArray) -> FloatArray:
    """Column-wise vector normalisation x / sqrt(sum x^2); an all-zero column stays zero."""
    norms = np.sqrt(np.einsum("ij,ij->j", matrix, matrix))
    safe = np.where(norms > 0.0, norms, 1.0)
    result: FloatArray = matrix / safe
    return result


def normalise_benefit(values: Sequence[Number]) -> list[float]:
    """Normalise a benefit criterion so the best (largest) value becomes 1.0.

    Method: linear scale transformation r_ij = x_ij / max_i x_ij (Hwang, C.-L. & Yoon, K.,
    1981, "Multiple Attribute Decision Making: Methods and Applications", Springer,
    section on normalisation). Values must be non-negative; an all-zero column gives
    zeros.
    """
    column = _column(values, "values")
    if bool((column < 0).any()):
        index = int(np.argmax(column < 0))
        raise EngineInputError(
            f"Value {index + 1} is {fmt_number(float(column[index]), 6)}; benefit values cannot "
            "be negative.",
            field=f"values[{index}]",
            details={"index": index, "value": float(column[index])},
        )
    result: list[float] = linear_matrix(column[:, np.newaxis], np.array([False]))[:, 0].tolist()
    return result


def normalise_cost(values: Sequence[Number]) -> list[float]:
    """Normalise a cost criterion so the lowest cost becomes 1.0 and others min/x.

    Method: linear scale transformation for cost attributes r_ij = min_i x_ij / x_ij
    (Hwang, C.-L. & Yoon, K., 1981, "Multiple Attribute Decision Making: Methods and
    Applications", Springer). A zero or negative cost is an input error.
    """
    column = _column(values, "values")
    if bool((column <= 0).any()):
        index = int(np.argmax(column <= 0))
        raise EngineInputError(
            f"Cost value {index + 1} is {fmt_number(float(column[index]), 6)}; cost values must "
            "be greater than zero.",
            field=f"values[{index}]",
            details={"index": index, "value": float(column[index])},
        )
    result: list[float] = linear_matrix(column[:, np.newaxis], np.array([True]))[:, 0].tolist()
    return result


def normalise_linear(values: Sequence[Number], kind: CriterionKind) -> list[float]:
    """Normalise one criterion column according to its kind ('benefit' or 'cost').

    Method: linear scale transformation (Hwang, C.-L. & Yoon, K., 1981, "Multiple
    Attribute Decision Making: Methods and Applications", Springer); see
    :func:`normalise_benefit` and :func:`normalise_cost`.
    """
    if kind == "benefit":
        return normalise_benefit(values)
    if kind == "cost":
        return normalise_cost(values)
    raise EngineInputError(
        f"The criterion kind must be 'benefit' or 'cost', got {kind!r}.",
        field="kind",
        details={"value": repr(kind)},
    )


def normalise_vector(values: Sequence[Number]) -> list[float]:
    """Vector-normalise one criterion column: r_ij = x_ij / sqrt(sum_i x_ij^2).

    Method: vector normalisation used by TOPSIS (Hwang, C.-L. & Yoon, K., 1981,
    "Multiple Attribute Decision Making: Methods and Applications", Springer). The
    direction (benefit/cost) is not applied here; TOPSIS handles it through the ideal
    and anti-ideal solutions. An all-zero column gives zeros.
    """
    column = _column(values, "values")
    result: list[float] = vector_matrix(column[:, np.newaxis])[:, 0].tolist()
    return result
