"""Private helpers: turning plain Python input into checked floats and numpy arrays."""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence, Sized
from decimal import Decimal
from typing import NoReturn

import numpy as np
import numpy.typing as npt

from .errors import EngineInputError

FloatArray = npt.NDArray[np.float64]
#: A rows x columns table of numbers: nested lists (plain Python) or a 2-D numeric array.
Matrix = Sequence[Sequence[float | int | Decimal]] | npt.NDArray[np.floating | np.integer]


def fmt_number(value: float, decimals: int = 2) -> str:
    """Format a number for a message: at most ``decimals`` places, no trailing zeros."""
    if not math.isfinite(value):
        return str(value)
    text = f"{value:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def fmt_percent(fraction: float, decimals: int = 1) -> str:
    """Format a fraction (0.305) as a percentage string ("30.5 %")."""
    return f"{fmt_number(fraction * 100.0, decimals)} %"


def as_float(
    value: object, field: str, what: str, details: Mapping[str, object] | None = None
) -> float:
    """Convert an int, float, Decimal or other real number to a finite float.

    ``what`` describes the value for the error message, e.g. ``"The weight of 'price'"``.
    """
    extra: dict[str, object] = dict(details) if details else {}
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, Decimal)):
        extra["value"] = repr(value)
        raise EngineInputError(
            f"{what} must be a number, got {value!r}.", field=field, details=extra
        )
    result = float(value)
    if not math.isfinite(result):
        extra["value"] = str(value)
        raise EngineInputError(
            f"{what} must be a finite number, got {value}.", field=field, details=extra
        )
    return result


def check_ids(ids: object, field: str, label: str) -> tuple[str, ...]:
    """Check a non-empty sequence of unique, non-empty string ids."""
    if isinstance(ids, (str, bytes)) or not isinstance(ids, Sequence):
        raise EngineInputError(f"The {label}s must be given as a list of ids.", field=field)
    if len(ids) == 0:
        raise EngineInputError(f"At least one {label} is required.", field=field)
    if set(map(type, ids)) == {str}:
        unique = set(ids)
        if len(unique) == len(ids) and "" not in unique:
            return tuple(ids)
    # Slow path: name the first bad or repeated id.
    seen: set[str] = set()
    for index, item in enumerate(ids):
        if not isinstance(item, str) or not item:
            raise EngineInputError(
                f"The id of {label} {index + 1} must be a non-empty string, got {item!r}.",
                field=f"{field}[{index}]",
                details={"index": index},
            )
        if item in seen:
            raise EngineInputError(
                f"The {label} id {item!r} appears more than once.",
                field=f"{field}[{index}]",
                details={"index": index, "id": item},
            )
        seen.add(item)
    return tuple(ids)


def _row_length_error(
    row: Sized,
    i: int,
    n_cols: int,
    field: str,
    row_ids: Sequence[str],
    row_label: str,
    col_label: str,
) -> NoReturn:
    raise EngineInputError(
        f"The row for {row_label} {row_ids[i]!r} has {len(row)} values but there are "
        f"{n_cols} {col_label}s.",
        field=f"{field}[{i}]",
        details={"row": i, row_label: row_ids[i], "length": len(row), "expected": n_cols},
    )


def as_matrix(
    values: object,
    n_rows: int,
    n_cols: int,
    field: str,
    row_ids: Sequence[str],
    col_ids: Sequence[str],
    row_label: str,
    col_label: str,
) -> FloatArray:
    """Convert a rows x columns nested sequence of numbers to a finite float64 array.

    Errors name the cell by 0-based index in ``field`` and by id in the message.
    """
    if isinstance(values, np.ndarray) and values.shape == (n_rows, n_cols):
        if values.dtype.kind in "fiu":
            array: FloatArray = np.array(
                values, dtype=np.float64
            )  # a copy the caller cannot change
            if bool(np.isfinite(array).all()):
                return array
        values = values.tolist()  # the slow path below names the bad cell
    if isinstance(values, (str, bytes)) or not isinstance(values, (Sequence, np.ndarray)):
        raise EngineInputError("The values must be a list of rows.", field=field)
    if len(values) != n_rows:
        raise EngineInputError(
            f"There are {len(values)} rows of values but {n_rows} {row_label}s; "
            f"give one row per {row_label}.",
            field=field,
            details={"rows": len(values), "expected": n_rows},
        )
    for i, row in enumerate(values):
        if type(row) is list or type(row) is tuple:  # the common case, without the ABC check
            if len(row) != n_cols:
                _row_length_error(row, i, n_cols, field, row_ids, row_label, col_label)
            continue
        if isinstance(row, (str, bytes)) or not isinstance(row, (Sequence, np.ndarray)):
            raise EngineInputError(
                f"The row for {row_label} {row_ids[i]!r} must be a list of numbers.",
                field=f"{field}[{i}]",
                details={"row": i, row_label: row_ids[i]},
            )
        if len(row) != n_cols:
            _row_length_error(row, i, n_cols, field, row_ids, row_label, col_label)
    try:
        array = np.array(values)
    except (TypeError, ValueError):
        array = np.empty((0,), dtype=object)
    if array.shape == (n_rows, n_cols) and array.dtype.kind in "fiu":
        result = array.astype(np.float64, copy=False)
        if bool(np.isfinite(result).all()):
            return result
    # Slow path: find and report the first bad cell (or convert Decimals one by one).
    result = np.empty((n_rows, n_cols), dtype=np.float64)
    for i, row in enumerate(values):
        for j, cell in enumerate(row):
            result[i, j] = as_float(
                cell,
                f"{field}[{i}][{j}]",
                f"The value of {row_label} {row_ids[i]!r} on {col_label} {col_ids[j]!r}",
                {"row": i, "column": j, row_label: row_ids[i], col_label: col_ids[j]},
            )
    return result
