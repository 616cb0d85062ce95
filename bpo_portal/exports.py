"""The one way to write spreadsheet cells and CSV rows (OWASP CSV injection).

Text that a spreadsheet program would read as a formula (starting with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return) is prefixed with a single quote, so a vendor's trading name
or a user's full name can never become a live formula in an export. Numbers, Decimals, dates and
booleans stay typed values. Every openpyxl writer and every CSV export goes through here
(tests/test_exports_safety.py fails on a writer that bypasses it).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """The value to write: formula-like text neutralised, everything else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def set_cell(sheet: Any, *, row: int, column: int, value: Any = None) -> Any:
    """``sheet.cell(row, column, value)`` with the value made safe; returns the cell."""
    return sheet.cell(row=row, column=column, value=safe_cell(value))


def append_row(sheet: Any, values: Iterable[Any]) -> None:
    """``sheet.append(values)`` with every value made safe."""
    sheet.append([safe_cell(value) for value in values])


class SafeCsvWriter:
    """A ``csv.writer`` whose rows go through :func:`safe_cell`."""

    def __init__(self, stream: Any, **options: Any) -> None:
        self._writer = csv.writer(stream, **options)

    def writerow(self, values: Iterable[Any]) -> Any:
        return self._writer.writerow([safe_cell(value) for value in values])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(stream: Any, **options: Any) -> SafeCsvWriter:
    """The CSV writer every export uses."""
    return SafeCsvWriter(stream, **options)
