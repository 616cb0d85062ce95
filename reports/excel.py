"""The Excel export of an evaluation (openpyxl): the same numbers as the report."""

from __future__ import annotations

import io
import re
import zoneinfo
from typing import Any

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from bpo_portal.exports import set_cell
from bpo_portal.money import currency_decimals
from reports.audit import audit_trail
from rfp.models import RFP

HEADER_FILL = PatternFill("solid", fgColor="1D3557")
HEADER_FONT = Font(bold=True, color="FFFFFF")
GROUP_FONT = Font(bold=True)
TOTAL_FILL = PatternFill("solid", fgColor="EAF4EA")
THIN = Side(style="thin", color="CFD5DC")
POINTS = "0.0"
SEALED = "Sealed"
SEALED_FONT = Font(italic=True, color="6C757D")
PERCENT = '0.0" %"'
WRAP = Alignment(wrap_text=True, vertical="top")


def money_format(currency: str) -> str:
    decimals = currency_decimals(currency)
    places = "." + "0" * decimals if decimals else ""
    return f'#,##0{places} "{currency}"'


def _sheet_title(text: str, used: set[str]) -> str:
    title = re.sub(r"[\[\]:*?/\\]", " ", text).strip()[:31] or "Sheet"
    candidate, n = title, 2
    while candidate in used:
        suffix = f" ({n})"
        candidate = title[: 31 - len(suffix)] + suffix
        n += 1
    used.add(candidate)
    return candidate


def _header(sheet: Any, row: int, values: list[Any]) -> None:
    for column, value in enumerate(values, start=1):
        cell = set_cell(sheet, row=row, column=column, value=value)
        cell.fill = HEADER_FILL
        cell.font = HEADER_FONT
        cell.alignment = Alignment(vertical="center", wrap_text=True)


def _widths(sheet: Any, widths: list[int]) -> None:
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width


def _leaf_rows(criteria: Any) -> list[tuple[Any, int]]:
    """(criterion node, depth) for every node of the tree, in order."""
    rows: list[tuple[Any, int]] = []

    def visit(nodes: Any, depth: int) -> None:
        for node in nodes:
            rows.append((node, depth))
            visit(node.children, depth + 1)

    visit(criteria, 0)
    return rows


def build_workbook(*, rfp: RFP, results: Any) -> bytes:
    workbook = Workbook()
    used: set[str] = set()
    summary = workbook.active
    summary.title = _sheet_title("Summary", used)
    zone = zoneinfo.ZoneInfo(str(rfp.organization.time_zone))
    rows = [
        ("RFP", f"{rfp.reference} {rfp.title}"),
        ("Buyer", str(rfp.organization)),
        (
            "Generated",
            timezone.localtime(timezone.now(), zone).strftime("%Y-%m-%d %H:%M %Z"),
        ),
        ("Time zone", str(zone)),
        ("Method", results.method_label),
        ("Evaluator scores combined by", results.aggregation_label),
        (
            "Criteria",
            "Set after publication (once; see the audit log)"
            if results.criteria_set_after_publication
            else "Fixed at publication; changes before the deadline were addenda",
        ),
        ("Currency", results.currency),
        (
            "Cost included",
            "No: the commercial envelope is closed" if results.cost_excluded else "Yes",
        ),
    ]
    rows.append(("Status", results.provisional_note or "Complete: every assigned item is scored"))
    rows.append(("Budget", results.budget_check))
    for lot in results.lots:
        winner = lot.winner
        rows.append(("", ""))
        rows.append((f"Lot: {lot.lot_name}", ""))
        rows.append(
            (
                "Recommended vendor",
                f"{winner.vendor}, {winner.total_points:.1f} points" if winner else "None yet",
            )
        )
        if lot.why_summary:
            rows.append(("Why", lot.why_summary))
        rows.extend(("", row.message) for row in lot.why)
        for flag in lot.bid_flags:
            rows.append(("Price to question", flag.message))
        if lot.bid_flags_note:
            rows.append(("Prices compared", lot.bid_flags_note))
        for proposal in lot.not_ranked:
            rows.append(("Not ranked", f"{proposal.vendor}: {proposal.not_ranked_reason}"))
        if lot.most_critical:
            rows.append(("Most critical criterion", lot.sensitivity[0].message))
    for index, (label, value) in enumerate(rows, start=1):
        set_cell(summary, row=index, column=1, value=label).font = GROUP_FONT
        set_cell(summary, row=index, column=2, value=value).alignment = WRAP
    _widths(summary, [30, 110])

    money = money_format(results.currency)
    tree = _leaf_rows(results.criteria)
    for lot in results.lots:
        proposals = list(lot.ranking) + list(lot.not_ranked)
        sheet = workbook.create_sheet(_sheet_title(f"Scores {lot.lot_name}", used))
        _header(sheet, 1, ["Criterion", "Weight of the total"] + [p.vendor for p in proposals])
        sheet.freeze_panes = "C2"
        row = 2
        for node, depth in tree:
            label = set_cell(sheet, row=row, column=1, value=("    " * depth) + node.name)
            if depth == 0:
                label.font = GROUP_FONT
            if node.excluded:
                # Prices still sealed: the criterion is set aside, not scored 0.
                for column in range(2, 3 + len(proposals)):
                    set_cell(sheet, row=row, column=column, value=SEALED).font = SEALED_FONT
                row += 1
                continue
            weight = set_cell(sheet, row=row, column=2, value=node.global_percent)
            weight.number_format = PERCENT
            for column, proposal in enumerate(proposals, start=3):
                value = None
                if depth == 0:
                    item = next((c for c in proposal.criteria if c.criterion_id == node.id), None)
                    value = item.contribution if item else None
                else:
                    leaf = proposal.leaf(node.id)
                    value = leaf.contribution if leaf else None
                cell = set_cell(sheet, row=row, column=column, value=value)
                cell.number_format = POINTS
            row += 1
        for label_text, getter, number_format in (
            ("Total (points of 100)", lambda p: p.total_points, POINTS),
            ("Rank", lambda p: p.rank, "0"),
        ):
            set_cell(sheet, row=row, column=1, value=label_text).font = GROUP_FONT
            for column, proposal in enumerate(proposals, start=3):
                cell = set_cell(sheet, row=row, column=column, value=getter(proposal))
                cell.number_format = number_format
                cell.fill = TOTAL_FILL
                cell.font = GROUP_FONT
            row += 1
        set_cell(sheet, row=row, column=1, value="Compliance").font = GROUP_FONT
        for column, proposal in enumerate(proposals, start=3):
            set_cell(sheet, row=row, column=column, value=proposal.compliance_label)
        _widths(sheet, [46, 12] + [22] * len(proposals))
        for cells in sheet.iter_rows(min_row=1, max_row=row, max_col=2 + len(proposals)):
            for cell in cells:
                cell.border = Border(bottom=THIN)

    if not results.cost_excluded:
        sheet = workbook.create_sheet(_sheet_title("Cost", used))
        _header(
            sheet,
            1,
            [
                "Lot",
                "Vendor",
                "Pricing line",
                "Charge",
                "Multiplied by",
                "Unit price",
                "Price currency",
                "Quantity",
                "Months",
                f"Line total ({results.currency})",
            ],
        )
        sheet.freeze_panes = "A2"
        row = 2
        for lot in results.lots:
            for proposal in list(lot.ranking) + list(lot.not_ranked):
                tco = proposal.tco
                if tco is None:
                    continue
                for line in tco.lines:
                    values = [
                        lot.lot_name,
                        proposal.vendor,
                        line.description,
                        line.charge_type,
                        line.basis,
                        line.unit_price,
                        tco.bid_currency,
                        line.quantity,
                        line.months,
                        line.total,
                    ]
                    for column, value in enumerate(values, start=1):
                        cell = set_cell(sheet, row=row, column=column, value=value)
                        if column == 6:
                            cell.number_format = money_format(tco.bid_currency)
                        elif column == 10:
                            cell.number_format = money
                        elif column == 8:
                            cell.number_format = "#,##0.##"
                    row += 1
                total = set_cell(
                    sheet, row=row, column=3, value=f"Total cost of ownership, {proposal.vendor}"
                )
                total.font = GROUP_FONT
                value = set_cell(sheet, row=row, column=10, value=tco.total)
                value.number_format = money
                value.font = GROUP_FONT
                for column in range(1, 11):
                    set_cell(sheet, row=row, column=column).fill = TOTAL_FILL
                row += 1
        _widths(sheet, [20, 26, 40, 22, 22, 14, 10, 12, 8, 20])
        sheet.auto_filter.ref = f"A1:J{max(row - 1, 1)}"

    trail, zone_name = audit_trail(rfp)
    sheet = workbook.create_sheet(_sheet_title("Audit trail", used))
    _header(sheet, 1, [f"When ({zone_name})", "What", "Who", "Comment"])
    sheet.freeze_panes = "A2"
    for row, entry in enumerate(trail, start=2):
        set_cell(
            sheet, row=row, column=1, value=entry.at.replace(tzinfo=None)
        ).number_format = "yyyy-mm-dd hh:mm"
        set_cell(sheet, row=row, column=2, value=entry.title)
        set_cell(sheet, row=row, column=3, value=entry.actor)
        set_cell(sheet, row=row, column=4, value=entry.comment)
    _widths(sheet, [18, 50, 24, 90])

    # Text is text: a vendor name or comment starting with "=" must never run as a
    # formula in the reader's spreadsheet (this export writes no formula of its own).
    for worksheet in workbook.worksheets:
        for cells in worksheet.iter_rows():
            for cell in cells:
                if cell.data_type == "f":
                    cell.data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
