"""Issue 15, finding 2: a small, highly compressed upload is refused before anything unpacks it,
in the web request (the upload) and in the worker (the check job that reads the file)."""

from __future__ import annotations

import io
import tracemalloc
import zipfile
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from bpo_portal.errors import ApplicationError
from bpo_portal.uploads import validate_upload, zip_archive_problem
from jobs.models import JobState, StagedUpload
from jobs.services import job_create, staged_upload_create
from jobs.tasks import run_job
from vendors.imports import (
    CHECK_KIND,
    MAX_CELL_LENGTH,
    ImportFileError,
    read_import_file,
    vendor_import_checked_preview,
    vendor_import_upload,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook_bytes(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)  # a test-only workbook, not an export
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def xlsx_bomb() -> bytes:
    """A real workbook whose first cell is ~90 MB of one letter: under 100 KB compressed."""
    source = zipfile.ZipFile(io.BytesIO(workbook_bytes([["Legal name"]])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bomb:
        for item in source.infolist():
            if item.filename == "xl/worksheets/sheet1.xml":
                with bomb.open(item.filename, "w", force_zip64=True) as member:
                    member.write(
                        b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://'
                        b'schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
                        b'<row r="1"><c r="A1" t="inlineStr"><is><t>'
                    )
                    chunk = b"x" * 1_048_576
                    for _ in range(90):
                        member.write(chunk)
                    member.write(b"</t></is></c></row></sheetData></worksheet>")
            else:
                bomb.writestr(item, source.read(item.filename))
    return out.getvalue()


def peak_mb_while(call: Any) -> float:
    """The most memory Python held at once during `call()` (tracemalloc's peak, which
    counts the bytes zlib and openpyxl allocate): the process's maximum RSS would not
    show growth in a test process that was already larger."""
    tracemalloc.start()
    try:
        call()
        return tracemalloc.get_traced_memory()[1] / 1_048_576
    finally:
        tracemalloc.stop()


def test_probe_a_tiny_xlsx_bomb_is_refused_without_the_memory_growing():
    data = xlsx_bomb()
    assert len(data) < 100_000
    upload = SimpleUploadedFile("vendors.xlsx", data, content_type=XLSX)
    refusals: list[Exception] = []

    def upload_and_import() -> None:
        for call in (
            lambda: validate_upload(upload, field="file", kinds=("xlsx",), max_size=5 * 1_048_576),
            lambda: read_import_file(io.BytesIO(data), content_type=XLSX),
        ):
            try:
                call()
            except (ApplicationError, ImportFileError) as exc:
                refusals.append(exc)

    assert peak_mb_while(upload_and_import) < 50
    assert len(refusals) == 2, "the upload and the import must both refuse the bomb"
    assert isinstance(refusals[0], ApplicationError)
    assert "unpacks to more than 50 MB" in refusals[0].fields["file"][0]


def test_the_bomb_is_refused_in_the_request_and_in_the_worker_within_the_memory_bound(
    buyer_admin,
):
    data = xlsx_bomb()
    organization = buyer_admin.buyer_membership.organization

    # The request: the upload refuses it beside the field, and stores nothing.
    refusals: list[ApplicationError] = []

    def upload() -> None:
        try:
            vendor_import_upload(actor=buyer_admin, file=SimpleUploadedFile("vendors.xlsx", data))
        except ApplicationError as exc:
            refusals.append(exc)

    assert peak_mb_while(upload) < 50
    assert "unpacks to more than 50 MB" in refusals[0].fields["file"][0]
    assert not StagedUpload.objects.exists()

    # The worker: a bomb stored without passing the upload's guard (an older upload, another
    # door) is refused by the check job, which reads the file, with the same bound.
    stored = staged_upload_create(
        kind="vendor_import",
        organization=organization,
        uploaded_by=buyer_admin,
        content=SimpleUploadedFile("vendors.xlsx", data),
        filename="vendors.xlsx",
        content_type=XLSX,
        size=len(data),
        sha256="0" * 64,
    )
    stored.check_job = job_create(
        kind=CHECK_KIND,
        params={"upload_id": stored.pk},
        organization=organization,
        created_by=buyer_admin,
    )
    stored.save(update_fields=["check_job"])
    assert peak_mb_while(lambda: run_job.apply(kwargs={"job_id": stored.check_job.pk})) < 50
    stored.refresh_from_db()
    assert stored.check_job.state == JobState.DONE
    preview = vendor_import_checked_preview(upload=stored)
    assert preview is not None and "unpacks to more than 50 MB" in preview.refused


def test_a_high_ratio_member_is_refused_and_a_normal_workbook_passes():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/big.xml", b"0" * 5_000_000)
    assert "compressed" in (zip_archive_problem(io.BytesIO(out.getvalue())) or "")
    assert zip_archive_problem(io.BytesIO(workbook_bytes([["a", 1]]))) is None


def test_an_over_long_cell_is_refused_with_a_clear_message():
    data = workbook_bytes([["x" * (MAX_CELL_LENGTH + 1)]])
    with pytest.raises(ImportFileError, match="more than 2000 characters"):
        read_import_file(io.BytesIO(data), content_type=XLSX)
