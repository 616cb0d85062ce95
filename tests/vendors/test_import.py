"""Bulk import of vendors: reading the file, the preview's row errors, the all-or-nothing job."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from typing import Any

import openpyxl
import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import BuyerRole, Invitation, OutgoingEmail, VendorRole
from accounts.services import invitation_accept_new_user, membership_change_role
from bpo_portal.errors import ApplicationError, ConflictError, PermissionDeniedError
from jobs.models import Job, JobState, StagedUpload
from jobs.tasks import run_job
from tests.conftest import make_user
from vendors import imports
from vendors.imports import (
    COLUMNS,
    MAX_ROWS,
    check_import_rows,
    import_template,
    read_import_file,
    resolve_country,
    vendor_import_checked_preview,
    vendor_import_confirm,
    vendor_import_preview,
    vendor_import_upload,
)
from vendors.models import ServiceFunction, VendorCompany
from vendors.services import vendor_claim_invitation_send, vendor_company_create

GOOD_ROWS = [
    ["Cebu Digital Support Inc.", "cebudigital.example", "PH", "ana@cebudigital.example",
     "Customer support by chat; customer-support-by-e-mail"],
    ["Cali Contact Center SAS", "https://www.calicontact.example/", "Colombia",
     "Compras@CaliContact.example", "Sales and telemarketing"],
    ["Hanoi Data Services", "", "Vietnam", "lan@hanoidata.example", ""],
]  # fmt: skip


def csv_file(
    rows: list[list[Any]],
    *,
    header: list[str] = COLUMNS,
    name: str = "vendors.csv",
    encoding: str = "utf-8",
    delimiter: str = ",",
) -> SimpleUploadedFile:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode(encoding), content_type="text/csv")


def xlsx_file(
    rows: list[list[Any]],
    *,
    header: list[str] = COLUMNS,
    name: str = "vendors.xlsx",
    first_sheet: str = "",
) -> SimpleUploadedFile:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    if first_sheet:
        sheet.title = first_sheet
        sheet.append(["Notes for the team"])
        sheet = workbook.create_sheet("Vendors")
    else:
        sheet.title = "Vendors"
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/octet-stream")


def preview_of(upload: SimpleUploadedFile) -> imports.ImportPreview:
    content_type = "text/csv" if upload.name.endswith(".csv") else imports.XLSX_CONTENT_TYPE
    upload.seek(0)
    return check_import_rows(read_import_file(upload, content_type=content_type))


def errors_by_row(preview: imports.ImportPreview) -> dict[int, list[str]]:
    return {row.number: row.errors for row in preview.rows if row.errors}


def refused(actor: Any, upload: SimpleUploadedFile) -> str:
    """Refused by the request's cheap checks (size, type, zip guard), beside the field."""
    with pytest.raises(ApplicationError) as error:
        vendor_import_upload(actor=actor, file=upload)
    assert not StagedUpload.objects.exists()  # nothing stored
    assert not Job.objects.exists()  # nothing to check
    return error.value.fields["file"][0]


def run_check(upload: StagedUpload) -> StagedUpload:
    """Run the upload's check job as a worker would (the upload queued it; a test with real
    commits has run it already)."""
    assert upload.check_job is not None
    run_job.apply(kwargs={"job_id": upload.check_job.pk}).get()
    upload.refresh_from_db()
    assert upload.check_job.state == JobState.DONE, upload.check_job.error
    return upload


def upload_checked(*, actor: Any, file: SimpleUploadedFile) -> StagedUpload:
    """Upload a file, then let the worker check it."""
    return run_check(vendor_import_upload(actor=actor, file=file))


def refused_by_the_check(actor: Any, file: SimpleUploadedFile) -> str:
    """Accepted by the request, refused as a whole by the check job: the reason is stored
    for the page, and the file cannot be confirmed."""
    upload = upload_checked(actor=actor, file=file)
    assert upload.check_job.result["refused"] is True
    preview = vendor_import_checked_preview(upload=upload)
    assert preview is not None and preview.rows == [] and not preview.valid
    with pytest.raises(ApplicationError) as error:
        vendor_import_confirm(actor=actor, upload=upload)
    assert error.value.message == f"This file cannot be imported: {preview.refused}"
    assert upload.check_job.result["summary"] == error.value.message
    assert not Job.objects.filter(kind="vendor_import").exists()
    return preview.refused


def confirm_and_run(actor: Any, upload: StagedUpload, capture: Any) -> Job:
    with capture(execute=True):
        job = vendor_import_confirm(actor=actor, upload=upload)
    job.refresh_from_db()
    return job


# --- Reading the file and the preview ------------------------------------------------------------


def test_a_good_file_is_stored_privately_and_previewed_with_nothing_saved(procurement_manager):
    vendors_before = VendorCompany.objects.count()
    upload = upload_checked(actor=procurement_manager, file=csv_file(GOOD_ROWS))

    assert upload.file.name.startswith("private/jobs/") and upload.file.name.endswith(".csv")
    assert "vendors" not in upload.file.name  # a random name, not the user's
    assert (upload.filename, upload.content_type, upload.kind) == (
        "vendors.csv",
        "text/csv",
        "vendor_import",
    )
    assert upload.organization == procurement_manager.buyer_membership.organization
    assert len(upload.sha256) == 64
    # The worker's check stored every row for the page, as a fresh reading finds them.
    preview = vendor_import_checked_preview(upload=upload)
    assert preview is not None
    assert preview.to_json() == vendor_import_preview(upload=upload).to_json()
    assert upload.check_job.title == "Check of vendors.csv"
    assert upload.check_job.result == {
        "summary": "All 3 rows are ready to import.",
        "refused": False,
        "rows": 3,
        "problems": 0,
        "warnings": 0,
    }
    assert preview.valid
    assert [row.number for row in preview.rows] == [2, 3, 4]
    cebu, cali, hanoi = preview.rows
    assert cebu.country_code == "PH" and cebu.country_label == "Philippines"
    assert cebu.website == "https://cebudigital.example"
    assert cebu.function_names == ["Customer support by chat", "Customer support by e-mail"]
    assert cali.country_code == "CO"
    assert cali.contact_email == "compras@calicontact.example"
    assert hanoi.country_code == "VN" and hanoi.function_ids == []
    # Nothing saved before confirmation.
    assert VendorCompany.objects.count() == vendors_before
    assert not Invitation.objects.filter(vendor_company__isnull=False).exists()
    assert list(Job.objects.values_list("kind", flat=True)) == ["vendor_import_check"]


@pytest.mark.parametrize(
    ("text", "code"),
    [("PH", "PH"), ("ph", "PH"), ("PHL", "PH"), ("Philippines", "PH"),
     ("the Philippines", "PH"), ("Viet Nam", "VN"), ("Vietnam", "VN"), ("UK", "GB"),
     ("United States", "US"), ("USA", "US"), ("Russia", "RU"), ("Ivory Coast", "CI"),
     ("  mexico ", "MX"), ("Narnia", None), ("XX", None), ("EU", None)],
)  # fmt: skip
def test_countries_are_read_from_codes_and_english_names(text, code):
    assert resolve_country(text) == code


def test_the_preview_shows_each_row_with_its_errors(vendor_a_company, buyer_admin):
    vendor_company_create(
        user=make_user("o@acme.example"),
        legal_name="Acme Outsourcing",
        headquarters_country="IN",
        website="https://acme-bpo.example",
    )
    rows = [
        ["", "", "PH", "a@no-name.example", ""],  # 2: no name
        ["Narnia Services", "", "Narnia", "b@narnia.example", ""],  # 3: unknown country
        ["Bad Mail Ltd", "", "IN", "bob@", ""],  # 4: malformed e-mail
        ["Plumbers Inc", "", "IN", "c@plumbers.example", "Plumbing; Payroll"],  # 5
        ["Good Co", "good.example", "MX", "d@good.example", "Payroll"],  # 6: fine
        ["good co", "", "Mexico", "e@good2.example", ""],  # 7: same as row 6
        ["Other Name", "https://www.good.example/about", "MX", "f@x.example", ""],  # 8
        ["Third Co", "", "MX", "D@good.example", ""],  # 9: same contact as row 6
        ["Manila Contact Co", "", "PH", "g@manila.example", ""],  # 10: registered (name)
        ["Acme BPO", "acme-bpo.example", "PH", "h@acme.example", ""],  # 11: registered (site)
        ["Web Co", "not a website", "PH", "i@web.example", ""],  # 12: bad website
        ["Commas, Inc", "", "PH", "j@commas.example", "Payroll, Recruitment"],  # 13
        ["Nobody", "", "", "", ""],  # 14: no country, no e-mail
    ]
    preview = preview_of(csv_file(rows))
    errors = errors_by_row(preview)

    assert errors[2] == ["Enter the vendor's name."]
    assert errors[3] == [
        "“Narnia” is not a country we recognise. Use a two-letter code such as PH, "
        "or the country's English name."
    ]
    assert errors[4] == ["“bob@” is not a valid e-mail address."]
    assert errors[5] == [
        "“Plumbing” is not a service function we know: use the names on the Functions "
        "sheet of the template."
    ]
    assert 6 not in errors
    assert errors[7] == ["Same company as row 6 (same name and country)."]
    assert errors[8] == ["Same website as row 6 (good.example)."]
    assert errors[9] == [
        "The same contact e-mail is on row 6: a person can claim only one company."
    ]
    assert errors[10] == [
        "Already on BPO Portal as Manila Contact Co: remove this row and find the vendor "
        "in the directory."
    ]
    assert errors[11][0].startswith("Already on BPO Portal as Acme Outsourcing")
    assert errors[12] == [
        "“not a website” is not a website address (for example https://example.com)."
    ]
    assert errors[13][0] == (
        "“Payroll, Recruitment” is not a service function we know: use the names on the "
        "Functions sheet of the template. Separate functions with “;”."
    )
    assert errors[14] == [
        "Enter the country: a two-letter code such as PH, or its English name.",
        "Enter the contact's e-mail address: they are invited to claim the profile.",
    ]
    assert not preview.valid
    assert preview.error_count == 12 and preview.ready_count == 1


def test_a_name_that_differs_only_by_legal_form_is_a_warning_not_an_error(vendor_a_company):
    preview = preview_of(
        csv_file(
            [
                ["Manila Contact Company, Ltd.", "", "PH", "a@manila.example", ""],
                ["Manila Contact", "", "IN", "b@manila.example", ""],  # another country
            ]
        )
    )
    assert preview.valid  # a warning does not stop the import
    assert preview.rows[0].warnings == [
        "Looks like Manila Contact Co, already on BPO Portal. If it is the same company, "
        "remove this row."
    ]
    assert preview.rows[1].warnings == []
    assert preview.warning_count == 1


def test_a_row_with_more_cells_than_columns_is_pointed_out(db):
    upload = SimpleUploadedFile(
        "vendors.csv",
        b"name,website,country,contact e-mail,functions\n"
        b"Acme, Inc,acme.example,US,a@acme.example,Payroll\nFine Co,,US,b@fine.example,\n",
    )
    errors = errors_by_row(preview_of(upload))
    assert list(errors) == [2]
    assert "more cells than there are columns" in errors[2][0]


def test_headers_are_matched_loosely_and_unknown_columns_ignored_with_a_notice(db):
    upload = csv_file(
        [["Acme", "PH", "a@acme.example", "x"]],
        header=["Company name", "Country", "Contact Email", "Notes"],
    )
    preview = preview_of(upload)
    assert preview.valid
    assert preview.notices == ["These columns are not imported: Notes."]


def test_a_semicolon_separated_csv_from_european_excel_is_read(db):
    upload = csv_file(
        [["Warsaw Shared Services", "", "Poland", "a@waw.example", "Payroll; Recruitment"]],
        delimiter=";",
    )
    preview = preview_of(upload)
    assert preview.valid
    assert preview.rows[0].function_names == ["Payroll", "Recruitment"]


def test_a_windows_encoded_csv_is_read_with_a_notice(db):
    upload = csv_file([["Société Générale d'Appels", "", "FR", "a@sga.example", ""]],
                      encoding="cp1252")  # fmt: skip
    preview = preview_of(upload)
    assert preview.rows[0].name == "Société Générale d'Appels"
    assert "not in UTF-8" in preview.notices[0]


def test_a_utf8_csv_with_a_byte_order_mark_is_read(db):
    upload = csv_file([["Łódź Contact", "", "PL", "a@lodz.example", ""]], encoding="utf-8-sig")
    preview = preview_of(upload)
    assert preview.valid and preview.rows[0].name == "Łódź Contact"
    assert preview.notices == []


# --- The check job: reads the file in a worker -------------------------------------------------


def test_the_upload_queues_a_check_and_stores_no_preview_until_it_has_run(buyer_admin):
    upload = vendor_import_upload(actor=buyer_admin, file=csv_file(GOOD_ROWS))
    check = upload.check_job
    assert (check.kind, check.state, check.params) == (
        "vendor_import_check",
        JobState.QUEUED,
        {"upload_id": upload.pk},
    )
    assert upload.preview is None
    assert vendor_import_checked_preview(upload=upload) is None
    with pytest.raises(ConflictError, match="The file is still being checked"):
        vendor_import_confirm(actor=buyer_admin, upload=upload)

    run_check(upload)
    assert vendor_import_checked_preview(upload=upload).valid
    assert vendor_import_confirm(actor=buyer_admin, upload=upload).kind == "vendor_import"


@pytest.mark.parametrize("make_file", [csv_file, xlsx_file], ids=["csv", "xlsx"])
def test_the_check_reports_how_far_it_has_read(buyer_admin, make_file):
    rows = [[f"Vendor {n}", "", "PH", f"v{n}@example.com", ""] for n in range(1000)]
    upload = vendor_import_upload(actor=buyer_admin, file=make_file(rows))
    seen: list[tuple[int, str]] = []
    imports.vendor_import_check(
        job=upload.check_job, progress=lambda p, m="": seen.append((int(p), m))
    )
    messages = [message for _, message in seen]
    assert messages == [
        "Reading the file",
        "Reading row 250 of 1,001",
        "Reading row 500 of 1,001",
        "Reading row 750 of 1,001",
        "Reading row 1,000 of 1,001",
        "Checking 1,000 rows",
    ]
    assert [p for p, _ in seen] == sorted(p for p, _ in seen)
    assert seen[-1][0] == 85


def test_the_check_can_run_again_from_the_start_with_the_same_result(buyer_admin):
    upload = vendor_import_upload(
        actor=buyer_admin, file=csv_file([*GOOD_ROWS, ["", "", "Narnia", "x@", ""]])
    )
    # A first worker checked the whole file, then died before recording the job as done:
    # the page shows no preview yet, and nothing can be confirmed.
    first = imports.vendor_import_check(job=upload.check_job, progress=lambda p, m="": None)
    upload.refresh_from_db()
    stored = upload.preview
    assert stored is not None and vendor_import_checked_preview(upload=upload) is None
    # The next worker starts again from the top and finds the same.
    run_check(upload)
    assert upload.preview == stored
    assert upload.check_job.result == first
    assert first["problems"] == 1 and first["summary"] == "1 of 4 rows have problems."
    preview = vendor_import_checked_preview(upload=upload)
    assert errors_by_row(preview) == {
        5: [
            "Enter the vendor's name.",
            "“Narnia” is not a country we recognise. Use a two-letter code such as PH, or the "
            "country's English name.",
            "“x@” is not a valid e-mail address.",
        ]
    }


def test_a_check_whose_file_has_gone_fails_with_the_reason(buyer_admin):
    upload = vendor_import_upload(actor=buyer_admin, file=csv_file(GOOD_ROWS))
    upload.file.storage.delete(upload.file.name)
    run_job.apply(kwargs={"job_id": upload.check_job.pk}).get()
    upload.refresh_from_db()
    assert upload.check_job.state == JobState.FAILED
    assert upload.check_job.error == (
        "The uploaded file is no longer available. Upload it again to import it."
    )
    with pytest.raises(ConflictError, match="The file could not be checked"):
        vendor_import_confirm(actor=buyer_admin, upload=upload)


# --- Files refused as a whole: by the check job, or at upload when it is cheap to tell ----------


def test_a_file_without_the_required_columns_is_refused_by_the_check(buyer_admin):
    message = refused_by_the_check(
        buyer_admin, csv_file([["Acme", "PH"]], header=["vendor", "where"])
    )
    assert message.startswith("The file has no “country” or “contact e-mail” column.")
    assert "name, website, country, contact e-mail, functions" in message


def test_a_file_with_a_column_twice_is_refused_by_the_check(buyer_admin):
    header = ["name", "country", "contact e-mail", "e-mail"]
    message = refused_by_the_check(
        buyer_admin, csv_file([["A", "PH", "a@a.example", "b@a.example"]], header=header)
    )
    assert message == (
        "Two columns are called “contact e-mail”. Keep one of them and upload the file again."
    )


def test_a_file_with_only_its_header_is_refused_by_the_check(buyer_admin):
    assert refused_by_the_check(buyer_admin, csv_file([])) == (
        "There are no vendors in the file: it has only the header row."
    )


def test_a_file_with_too_many_rows_is_refused_by_the_check_with_the_limit(buyer_admin):
    rows = [[f"Vendor {n}", "", "PH", f"v{n}@example.com", ""] for n in range(MAX_ROWS + 1)]
    assert refused_by_the_check(buyer_admin, csv_file(rows)) == (
        "The file has more than 5,000 vendors. Split it into files of at most 5,000 rows and "
        "import them one after the other."
    )


def test_a_broken_excel_file_is_refused_by_the_check(buyer_admin):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<not really a workbook")
    upload = SimpleUploadedFile("vendors.xlsx", buffer.getvalue())
    assert refused_by_the_check(buyer_admin, upload).startswith(
        "This Excel file could not be read."
    )


def test_a_file_whose_content_does_not_match_its_name_is_refused(buyer_admin):
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
    assert refused(buyer_admin, SimpleUploadedFile("vendors.csv", png)) == (
        "Upload a CSV file or Excel workbook (.xlsx). Its name says text/csv, but its content "
        "does not match."
    )
    csv_named_excel = csv_file(GOOD_ROWS, name="vendors.xlsx")
    assert refused(buyer_admin, csv_named_excel) == (
        "Upload a CSV file or Excel workbook (.xlsx). Its name says "
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet, but its content "
        "does not match."
    )


def test_an_oversized_file_is_refused(buyer_admin):
    upload = SimpleUploadedFile("vendors.csv", b"a" * (imports.MAX_FILE_SIZE + 1))
    assert refused(buyer_admin, upload) == "The file is 5.0 MB; the limit is 5 MB."


@pytest.mark.parametrize("role", ["evaluator", "viewer", "vendor_a", "other_buyer"])
def test_only_admins_and_procurement_managers_can_import(request, role, procurement_manager):
    user = request.getfixturevalue(role)
    if role == "other_buyer":
        upload = upload_checked(actor=procurement_manager, file=csv_file(GOOD_ROWS))
        with pytest.raises(PermissionDeniedError):
            vendor_import_confirm(actor=user, upload=upload)
        return
    with pytest.raises(PermissionDeniedError):
        vendor_import_upload(actor=user, file=csv_file(GOOD_ROWS))


# --- Excel ---------------------------------------------------------------------------------------


def test_an_excel_workbook_named_csv_is_read_as_the_excel_it_is(buyer_admin):
    upload = upload_checked(actor=buyer_admin, file=xlsx_file(GOOD_ROWS, name="list.csv"))
    assert upload.content_type == imports.XLSX_CONTENT_TYPE
    assert vendor_import_checked_preview(upload=upload).valid


def test_an_excel_workbook_is_read_from_its_vendors_sheet(buyer_admin):
    rows = [
        ["Monterrey Back Office", "mbo.example", "MX", "a@mbo.example", "Payroll"],
        [None, None, None, None, None],
        ["Bogotá Contact", None, "Colombia", "b@bogota.example", None],
        [12345, None, "PH", "c@numbers.example", None],
    ]
    upload = upload_checked(actor=buyer_admin, file=xlsx_file(rows, first_sheet="Notes"))
    assert upload.content_type == imports.XLSX_CONTENT_TYPE
    preview = vendor_import_checked_preview(upload=upload)
    assert preview.valid
    assert [(row.number, row.name) for row in preview.rows] == [
        (2, "Monterrey Back Office"),
        (4, "Bogotá Contact"),
        (5, "12345"),
    ]


# --- Confirming: the job -------------------------------------------------------------------------


def test_confirming_creates_unclaimed_vendors_and_invites_their_contacts(
    procurement_manager, django_capture_on_commit_callbacks
):
    organization = procurement_manager.buyer_membership.organization
    upload = upload_checked(actor=procurement_manager, file=csv_file(GOOD_ROWS))
    job = confirm_and_run(procurement_manager, upload, django_capture_on_commit_callbacks)

    assert job.state == JobState.DONE, job.error
    assert job.kind == "vendor_import"
    assert job.title == "Import of 3 vendors from vendors.csv"
    assert job.organization == organization
    assert job.result["summary"] == (
        "3 vendors were added to the directory, and their contacts were invited to claim "
        "their profiles."
    )
    created = VendorCompany.objects.filter(pk__in=job.result["vendor_ids"])
    assert created.count() == 3
    cebu = created.get(legal_name="Cebu Digital Support Inc.")
    assert not cebu.is_claimed
    assert cebu.imported_by == organization
    assert cebu.claim_email == "ana@cebudigital.example"
    assert cebu.website_domain == "cebudigital.example"
    assert str(cebu.headquarters_country) == "PH"
    assert set(cebu.service_functions.values_list("slug", flat=True)) == {
        "customer-support-by-chat",
        "customer-support-by-e-mail",
    }
    invitations = Invitation.objects.filter(vendor_company__in=created)
    assert sorted(invitations.values_list("email", flat=True)) == [
        "ana@cebudigital.example",
        "compras@calicontact.example",
        "lan@hanoidata.example",
    ]
    assert set(invitations.values_list("role", flat=True)) == {VendorRole.OWNER}
    claim = next(m for m in mail.outbox if m.to == ["ana@cebudigital.example"])
    assert claim.subject == (
        "Northwind Health added Cebu Digital Support Inc. to BPO Portal: "
        "claim your company's profile"
    )
    assert "Northwind Health" in claim.body and "/invitations/" in claim.body


def test_the_contact_claims_the_imported_profile_from_the_e_mail(
    buyer_admin, django_capture_on_commit_callbacks
):
    upload = upload_checked(actor=buyer_admin, file=csv_file(GOOD_ROWS[:1]))
    confirm_and_run(buyer_admin, upload, django_capture_on_commit_callbacks)
    body = OutgoingEmail.objects.get(to=["ana@cebudigital.example"]).text
    token = re.search(r"/invitations/([^/\s]+)/", body).group(1)

    user = invitation_accept_new_user(token=token, full_name="Ana Reyes", password="a-long-pass-77")

    company = VendorCompany.objects.get(legal_name="Cebu Digital Support Inc.")
    assert company.is_claimed
    assert user.vendor_membership.company == company
    assert user.vendor_membership.role == VendorRole.OWNER


def test_confirming_again_or_running_the_job_again_creates_no_duplicates(
    buyer_admin, django_capture_on_commit_callbacks
):
    upload = upload_checked(actor=buyer_admin, file=csv_file(GOOD_ROWS))
    job = confirm_and_run(buyer_admin, upload, django_capture_on_commit_callbacks)
    vendors = VendorCompany.objects.count()
    emails = OutgoingEmail.objects.count()

    again = confirm_and_run(buyer_admin, upload, django_capture_on_commit_callbacks)
    assert again.pk == job.pk
    assert run_job.apply(kwargs={"job_id": job.pk}).get() == "skipped"
    assert VendorCompany.objects.count() == vendors
    assert OutgoingEmail.objects.count() == emails
    assert Job.objects.filter(kind="vendor_import").count() == 1

    # The same file uploaded again: every row is now already on BPO Portal.
    second = upload_checked(actor=buyer_admin, file=csv_file(GOOD_ROWS))
    preview = vendor_import_checked_preview(upload=second)
    assert preview.error_count == 3
    assert all(row.errors[0].startswith("Already on BPO Portal") for row in preview.rows)
    with pytest.raises(ApplicationError, match="3 of 3 rows have problems"):
        vendor_import_confirm(actor=buyer_admin, upload=second)


def test_a_file_with_errors_cannot_be_confirmed(buyer_admin):
    upload = upload_checked(
        actor=buyer_admin, file=csv_file([*GOOD_ROWS, ["", "", "PH", "x@y.example", ""]])
    )
    with pytest.raises(ApplicationError) as error:
        vendor_import_confirm(actor=buyer_admin, upload=upload)
    assert error.value.message.startswith("1 of 4 rows have problems.")
    assert not Job.objects.filter(kind="vendor_import").exists()


def _nothing_imported(job: Job) -> None:
    assert not VendorCompany.objects.filter(is_claimed=False).exists()
    assert not Invitation.objects.filter(vendor_company__isnull=False).exists()
    assert not OutgoingEmail.objects.exists()
    assert mail.outbox == []
    assert job.result == {}


def test_a_vendor_registered_between_preview_and_import_fails_the_whole_import(
    buyer_admin, django_capture_on_commit_callbacks
):
    upload = upload_checked(actor=buyer_admin, file=csv_file(GOOD_ROWS))
    assert vendor_import_preview(upload=upload).valid
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = vendor_import_confirm(actor=buyer_admin, upload=upload)
    # Meanwhile, the third vendor registers itself.
    owner = make_user("lan@hanoidata.example")
    vendor_company_create(user=owner, legal_name="Hanoi Data Services", headquarters_country="VN")
    OutgoingEmail.objects.all().delete()
    mail.outbox.clear()
    for callback in callbacks:
        callback()
    job.refresh_from_db()

    assert job.state == JobState.FAILED
    assert job.error.startswith("Nothing was imported: 1 rows have problems now")
    assert "row 4: Already on BPO Portal as Hanoi Data Services" in job.error
    assert VendorCompany.objects.filter(legal_name__startswith="Cebu").count() == 0
    _nothing_imported(job)


def test_a_failure_half_way_through_leaves_nothing_imported_and_nobody_e_mailed(
    buyer_admin, django_capture_on_commit_callbacks, monkeypatch
):
    calls: list[str] = []
    real_send = vendor_claim_invitation_send

    def fail_on_third(*, actor: Any, company: VendorCompany) -> Any:
        calls.append(company.legal_name)
        if len(calls) == 3:
            raise ConflictError(f"{company.display_name} has no contact waiting to claim it.")
        return real_send(actor=actor, company=company)

    monkeypatch.setattr(imports, "vendor_claim_invitation_send", fail_on_third)
    upload = upload_checked(actor=buyer_admin, file=csv_file(GOOD_ROWS))
    job = confirm_and_run(buyer_admin, upload, django_capture_on_commit_callbacks)

    assert job.state == JobState.FAILED
    assert job.error == (
        "Row 4 (Hanoi Data Services): Hanoi Data Services has no contact waiting to claim "
        "it. Nothing was imported."
    )
    assert len(calls) == 3  # two vendors were created and invited before the failure...
    _nothing_imported(job)  # ...and rolled back with it


def test_a_crash_half_way_through_leaves_nothing_imported(
    buyer_admin, django_capture_on_commit_callbacks, monkeypatch
):
    real_create = imports.vendor_company_create_unclaimed
    calls: list[int] = []

    def crash_on_second(**kwargs: Any) -> VendorCompany:
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real_create(**kwargs)

    monkeypatch.setattr(imports, "vendor_company_create_unclaimed", crash_on_second)
    upload = upload_checked(actor=buyer_admin, file=csv_file(GOOD_ROWS))
    job = confirm_and_run(buyer_admin, upload, django_capture_on_commit_callbacks)
    assert job.state == JobState.FAILED
    assert "Something went wrong on our side" in job.error
    _nothing_imported(job)


def test_an_import_started_by_someone_who_lost_the_right_fails_clearly(
    buyer_admin, procurement_manager, django_capture_on_commit_callbacks
):
    upload = upload_checked(actor=procurement_manager, file=csv_file(GOOD_ROWS))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = vendor_import_confirm(actor=procurement_manager, upload=upload)
    membership_change_role(
        actor=buyer_admin,
        membership=procurement_manager.buyer_membership,
        role=BuyerRole.VIEWER,
    )
    procurement_manager.refresh_from_db()
    OutgoingEmail.objects.all().delete()  # the notice of the role change
    mail.outbox.clear()
    for callback in callbacks:
        callback()
    job.refresh_from_db()
    assert job.state == JobState.FAILED
    assert "may no longer manage vendors, so nothing was imported" in job.error
    _nothing_imported(job)


def test_the_job_reports_progress_as_it_goes(buyer_admin, django_capture_on_commit_callbacks):
    seen: list[tuple[int, str]] = []
    rows = [[f"Vendor {n}", "", "PH", f"v{n}@example.com", ""] for n in range(40)]
    upload = upload_checked(actor=buyer_admin, file=csv_file(rows))
    with django_capture_on_commit_callbacks(execute=False):
        job = vendor_import_confirm(actor=buyer_admin, upload=upload)
    job.refresh_from_db()
    imports.vendor_import_execute(job=job, progress=lambda p, m="": seen.append((int(p), m)))
    assert seen[0] == (1, "Reading the file")
    assert seen[1] == (5, "Adding 40 vendors")
    assert seen[-1] == (100, "Added 40 of 40 vendors")
    assert [p for p, _ in seen] == sorted(p for p, _ in seen)


def test_a_large_file_is_previewed_with_few_queries(buyer_admin, django_assert_max_num_queries):
    rows = [[f"Vendor {n}", f"v{n}.example", "PH", f"v{n}@example.com", "Payroll"]
            for n in range(MAX_ROWS)]  # fmt: skip
    upload = upload_checked(actor=buyer_admin, file=csv_file(rows))
    # functions, candidate names and websites in batches of 500, similar names
    with django_assert_max_num_queries(1 + 10 + 10 + 1):
        preview = vendor_import_preview(upload=upload)
    assert preview.valid and len(preview.rows) == MAX_ROWS


# --- The template --------------------------------------------------------------------------------


def test_the_csv_template_is_the_header_row(buyer_admin):
    content, filename, content_type = import_template(file_format="csv")
    assert (filename, content_type) == ("vendor-import.csv", "text/csv")
    assert content.decode("utf-8-sig").strip() == "name,website,country,contact e-mail,functions"
    assert refused_by_the_check(buyer_admin, SimpleUploadedFile(filename, content)) == (
        "There are no vendors in the file: it has only the header row."
    )


def test_the_excel_template_lists_the_service_functions(db):
    content, filename, _ = import_template(file_format="xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    assert workbook.sheetnames == ["Vendors", "Functions"]
    assert [c.value for c in workbook["Vendors"][1]] == COLUMNS
    listed = {row[1] for row in workbook["Functions"].iter_rows(min_row=2, values_only=True)}
    assert listed == set(ServiceFunction.objects.values_list("name", flat=True))
    assert "Payroll" in listed


# --- Claim invitations ---------------------------------------------------------------------------


def test_only_the_importing_organization_can_invite_an_unclaimed_vendors_contact(
    buyer_admin, other_buyer, django_capture_on_commit_callbacks
):
    upload = upload_checked(actor=buyer_admin, file=csv_file(GOOD_ROWS[:1]))
    job = confirm_and_run(buyer_admin, upload, django_capture_on_commit_callbacks)
    company = VendorCompany.objects.get(pk=job.result["vendor_ids"][0])
    with pytest.raises(PermissionDeniedError):
        vendor_claim_invitation_send(actor=other_buyer, company=company)
