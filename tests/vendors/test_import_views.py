"""The import pages: upload, follow the check, see every row, confirm, follow the job; who may
do it."""

from __future__ import annotations

import io
import os
import sys
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.urls import include, path
from kombu.exceptions import OperationalError

import bpo_portal.urls
from accounts.models import User
from jobs import services as job_services
from jobs.models import Job, JobState, StagedUpload
from jobs.services import QUEUE_DOWN_MESSAGE, ProgressRecorder
from jobs.tasks import run_job
from tests.vendors.test_import import GOOD_ROWS, csv_file, run_check, xlsx_file
from vendors import imports
from vendors.imports import vendor_import_upload
from vendors.models import VendorCompany

# The lead mounts vendors.import_urls at vendors/import/; until then, mount it here.
urlpatterns = [
    path("vendors/import/", include("vendors.import_urls")),
    *bpo_portal.urls.urlpatterns,
]
handler404 = bpo_portal.urls.handler404
pytestmark = pytest.mark.urls(__name__)

START = "/vendors/import/"


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def upload_for(user: User, rows: list[list[Any]] = GOOD_ROWS) -> StagedUpload:
    """An upload its check job has read."""
    return run_check(vendor_import_upload(actor=user, file=csv_file(rows)))


# --- Upload --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["buyer_admin", "procurement_manager"])
def test_the_start_page_explains_the_columns_and_offers_the_templates(request, role):
    response = client_for(request.getfixturevalue(role)).get(START)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1" in html and "Import vendors" in html
    assert 'href="/vendors/import/template.xlsx"' in html
    assert 'href="/vendors/import/template.csv"' in html
    assert 'enctype="multipart/form-data"' in html
    assert "Upload and check" in html
    assert "No imports yet." in html


def test_uploading_a_good_file_leads_to_its_preview(procurement_manager):
    client = client_for(procurement_manager)
    response = client.post(START, {"file": csv_file(GOOD_ROWS)})
    upload = StagedUpload.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/vendors/import/{upload.pk}/"

    run_check(upload)  # as the worker does
    html = client.get(response["Location"]).content.decode()
    assert "Check the vendors to import" in html
    assert "All 3 rows are ready to import" in html
    assert "Rows checked on" in html and "the import checks them again" in html
    assert "Cebu Digital Support Inc." in html
    assert "Philippines" in html and "Customer support by chat" in html
    assert f'action="/vendors/import/{upload.pk}/confirm/"' in html
    assert "Import 3 vendors and send invitations" in html
    assert not VendorCompany.objects.filter(is_claimed=False).exists()  # nothing saved yet
    assert "vendors.csv" in client.get(START).content.decode()  # listed under recent imports


def test_a_file_the_check_refuses_is_explained_with_a_way_forward(buyer_admin):
    client = client_for(buyer_admin)
    response = client.post(START, {"file": csv_file([["A", "PH"]], header=["vendor", "where"])})
    upload = StagedUpload.objects.get()
    assert response.status_code == 302  # accepted: reading it is the worker's job
    run_check(upload)

    response = client.get(f"/vendors/import/{upload.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>This file cannot be imported" in html
    assert "The file was not read" in html
    assert "The file has no “country” or “contact e-mail” column." in html  # the reason
    assert f'href="{START}"' in html and "Upload a corrected file" in html
    assert "<table" not in html and "confirm/" not in html
    assert "Cannot be imported" in client.get(START).content.decode()  # in the list, too
    # Confirming anyway (an old tab) says why not.
    response = client.post(f"/vendors/import/{upload.pk}/confirm/", follow=True)
    assert "This file cannot be imported: The file has no" in response.content.decode()
    assert not Job.objects.filter(kind="vendor_import").exists()


def test_the_upload_request_never_runs_openpyxl(buyer_admin):
    """Issue 15, finding 2: a spreadsheet is opened by the worker's check, never in a web
    request. Every Python function the request calls is watched: none is openpyxl's."""
    client = client_for(buyer_admin)
    client.get(START)  # the session and the first page, before watching
    seen: set[str] = set()
    package = f"{os.sep}openpyxl{os.sep}"

    def watch(frame: Any, event: str, arg: Any) -> None:
        if event == "call" and package in frame.f_code.co_filename:
            seen.add(frame.f_code.co_name)

    file = xlsx_file(GOOD_ROWS)
    sys.setprofile(watch)
    try:
        response = client.post(START, {"file": file})
    finally:
        sys.setprofile(None)
    assert response.status_code == 302
    assert seen == set()
    upload = StagedUpload.objects.get()
    assert upload.content_type == imports.XLSX_CONTENT_TYPE
    assert upload.check_job.state == JobState.QUEUED and upload.preview is None

    # The watch does see openpyxl where it runs: in the check job.
    sys.setprofile(watch)
    try:
        run_check(upload)
    finally:
        sys.setprofile(None)
    assert "load_workbook" in seen
    assert upload.preview is not None and len(upload.preview["rows"]) == 3


def test_the_list_of_recent_imports_needs_the_same_queries_for_2_and_10(
    buyer_admin, django_assert_num_queries
):
    client = client_for(buyer_admin)
    client.get(START)
    counts = []
    for total in (2, 10):
        while StagedUpload.objects.count() < total:
            upload = vendor_import_upload(actor=buyer_admin, file=csv_file(GOOD_ROWS))
            if StagedUpload.objects.count() % 2:
                run_check(upload)  # some checked, some still queued
        # session, user with membership, the uploads with their uploader and jobs
        with django_assert_num_queries(3) as captured:
            html = client.get(START).content.decode()
        counts.append(len(captured))
        assert html.count("vendors.csv</a>") == total
        assert "Checking</span>" in html and "Not confirmed</span>" in html
        assert '"preview"' not in " ".join(q["sql"] for q in captured.captured_queries)
    assert counts == [3, 3]


def test_while_the_file_is_checked_its_page_shows_the_progress(
    buyer_admin, django_assert_num_queries
):
    client = client_for(buyer_admin)
    client.post(START, {"file": csv_file(GOOD_ROWS)})
    upload = StagedUpload.objects.get()
    page = f"/vendors/import/{upload.pk}/"

    # session, user with membership, the upload with its check (the progress is in the cache)
    with django_assert_num_queries(3):
        html = client.get(page).content.decode()
    assert "<title>Checking the file" in html
    assert "Every row is being read and checked." in html
    assert "Waiting to start" in html
    assert 'hx-trigger="every 1s"' in html and "reload=1" in html  # reloads when checked
    assert "<table" not in html and "confirm/" not in html
    assert "Checking</span>" in client.get(START).content.decode()

    job = job_services._claim(upload.check_job.pk, 0)  # a worker takes it...
    ProgressRecorder(job)(40, "Reading row 1,250 of 5,001")  # ...and reads
    html = client.get(page).content.decode()
    assert "Reading row 1,250 of 5,001" in html and 'aria-valuenow="40"' in html

    # Confirming from an old tab says to wait.
    response = client.post(f"{page}confirm/", follow=True)
    assert "The file is still being checked." in response.content.decode()
    assert not Job.objects.filter(kind="vendor_import").exists()


def test_a_check_that_failed_can_be_tried_again_from_the_page(
    buyer_admin, django_capture_on_commit_callbacks
):
    upload = vendor_import_upload(actor=buyer_admin, file=csv_file(GOOD_ROWS))
    name, content = upload.file.name, upload.file.read()
    upload.file.close()
    upload.file.storage.delete(name)  # the storage lost the file for a while
    run_job.apply(kwargs={"job_id": upload.check_job.pk}).get()
    client = client_for(buyer_admin)
    page = f"/vendors/import/{upload.pk}/"

    response = client.get(page)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>The file could not be checked" in html
    assert "The uploaded file is no longer available." in html
    assert "Try again" in html and f'href="{START}"' in html
    assert "being read and checked" not in html
    assert "Check failed" in client.get(START).content.decode()

    upload.file.storage.save(name, io.BytesIO(content))  # back again
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/jobs/{upload.check_job.pk}/retry/", {"next": page})
    assert response.status_code == 302 and response["Location"] == page
    html = client.get(page).content.decode()
    assert "All 3 rows are ready to import" in html


def test_a_file_uploaded_before_the_check_existed_asks_to_be_uploaded_again(buyer_admin):
    upload = job_services.staged_upload_create(  # as the upload stored files until now
        kind="vendor_import",
        organization=buyer_admin.buyer_membership.organization,
        uploaded_by=buyer_admin,
        content=csv_file(GOOD_ROWS),
        filename="old.csv",
        content_type="text/csv",
        size=100,
        sha256="0" * 64,
    )
    client = client_for(buyer_admin)
    page = f"/vendors/import/{upload.pk}/"
    response = client.get(page)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>This file has not been checked" in html
    assert f'href="{START}">Upload it again</a>' in html
    assert "Not checked" in client.get(START).content.decode()
    response = client.post(f"{page}confirm/", follow=True)
    assert "This file has not been checked. Upload it again to import it." in (
        response.content.decode()
    )
    assert not Job.objects.exists()


@pytest.mark.django_db(transaction=True)  # the send happens at the real commit
def test_an_upload_while_the_broker_is_down_keeps_the_file_and_offers_to_check_it_again(
    buyer_admin, monkeypatch
):
    real_apply_async = run_job.apply_async

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("Connection refused")

    monkeypatch.setattr(run_job, "apply_async", refuse)
    client = client_for(buyer_admin)
    # No functions: an earlier transactional test may have flushed the taxonomy.
    response = client.post(START, {"file": csv_file([[*row[:4], ""] for row in GOOD_ROWS])})
    upload = StagedUpload.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/vendors/import/{upload.pk}/"
    assert upload.check_job.state == JobState.FAILED
    html = client.get(response["Location"]).content.decode()
    assert QUEUE_DOWN_MESSAGE.split(":")[0] in html and "Try again" in html

    monkeypatch.setattr(run_job, "apply_async", real_apply_async)
    client.post(f"/jobs/{upload.check_job.pk}/retry/")
    html = client.get(response["Location"]).content.decode()
    assert "All 3 rows are ready to import" in html


def test_a_file_of_the_wrong_type_or_none_is_refused_on_the_form(buyer_admin):
    client = client_for(buyer_admin)
    response = client.post(START, {"file": csv_file(GOOD_ROWS, name="vendors.pdf")})
    assert response.status_code == 400
    assert "Upload a CSV file or Excel workbook (.xlsx)." in response.content.decode()
    response = client.post(START, {})
    assert response.status_code == 400
    assert "Choose a CSV or Excel file to upload." in response.content.decode()
    assert not StagedUpload.objects.exists()


def test_the_templates_download(buyer_admin):
    client = client_for(buyer_admin)
    response = client.get(f"{START}template.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv"
    assert response["Content-Disposition"] == 'attachment; filename="vendor-import.csv"'
    response = client.get(f"{START}template.xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="vendor-import.xlsx"'

    assert openpyxl.load_workbook(io.BytesIO(response.content)).sheetnames == [
        "Vendors",
        "Functions",
    ]
    assert client.get(f"{START}template.pdf").status_code == 404


# --- The preview ---------------------------------------------------------------------------------


def test_the_preview_lists_the_rows_with_problems_first_with_a_summary(buyer_admin):
    upload = upload_for(
        buyer_admin,
        [*GOOD_ROWS, ["", "", "Narnia", "bob@", ""]],
    )
    response = client_for(buyer_admin).get(f"/vendors/import/{upload.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "1 of 4 rows has a problem" in html
    assert 'href="?show=problems#row-5"' in html
    assert "Row 5: Enter the vendor&#x27;s name." in html
    assert "“Narnia” is not a country we recognise." in html
    assert "“bob@” is not a valid e-mail address." in html
    assert 'id="row-5"' in html
    assert "Cebu Digital" not in html.split("<tbody>")[1]  # only rows with problems by default
    assert "confirm" not in html  # nothing to confirm...
    assert "Upload a corrected file" in html  # ...but a way forward

    everything = client_for(buyer_admin).get(f"/vendors/import/{upload.pk}/", {"show": "all"})
    assert "Cebu Digital" in everything.content.decode()


def test_the_preview_of_a_large_file_is_paginated(buyer_admin):
    rows = [[f"Vendor {n}", "", "PH", f"v{n}@example.com", ""] for n in range(250)]
    upload = upload_for(buyer_admin, rows)
    html = client_for(buyer_admin).get(f"/vendors/import/{upload.pk}/").content.decode()
    assert "All 250 rows are ready to import" in html
    assert "Page 1 of 3" in html
    assert html.count('<tr id="row-') == 100
    page3 = client_for(buyer_admin).get(f"/vendors/import/{upload.pk}/", {"show": "all", "page": 3})
    assert page3.content.decode().count('<tr id="row-') == 50


def test_the_preview_needs_the_same_number_of_queries_for_5_and_50_rows(
    buyer_admin, django_assert_num_queries
):
    client = client_for(buyer_admin)
    small = upload_for(buyer_admin, [[f"V{n}", "", "PH", f"a{n}@x.example", ""] for n in range(5)])
    large = upload_for(buyer_admin, [[f"W{n}", "", "PH", f"b{n}@x.example", ""] for n in range(50)])
    client.get(f"/vendors/import/{small.pk}/")
    # session, user with membership, the upload with its check and its job: the rows were
    # checked by the worker, and are not checked again on each page
    with django_assert_num_queries(3):
        client.get(f"/vendors/import/{small.pk}/")
    with django_assert_num_queries(3):
        client.get(f"/vendors/import/{large.pk}/")


# --- Confirming and following the job ------------------------------------------------------------


def test_confirming_imports_and_shows_the_imported_vendors(
    procurement_manager, django_capture_on_commit_callbacks
):
    upload = upload_for(procurement_manager)
    client = client_for(procurement_manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/vendors/import/{upload.pk}/confirm/")
    assert response.status_code == 302
    assert response["Location"] == f"/vendors/import/{upload.pk}/"

    html = client.get(response["Location"]).content.decode()
    assert "Vendors imported" in html
    assert "3 vendors were added to the directory" in html
    cebu = VendorCompany.objects.get(legal_name="Cebu Digital Support Inc.")
    assert f'href="/vendors/{cebu.pk}/"' in html
    assert "ana@cebudigital.example" in html
    assert "Waiting for the contact" in html
    assert "hx-trigger" not in html


def test_while_the_import_runs_its_page_polls_and_reloads_when_it_ends(
    buyer_admin, django_capture_on_commit_callbacks
):
    upload = upload_for(buyer_admin)
    with django_capture_on_commit_callbacks(execute=False):
        client_for(buyer_admin).post(f"/vendors/import/{upload.pk}/confirm/")
    html = client_for(buyer_admin).get(f"/vendors/import/{upload.pk}/").content.decode()
    assert "Importing vendors" in html
    assert 'hx-trigger="every 1s"' in html
    assert "reload=1" in html
    assert "Import 3 vendors" not in html  # no second confirmation


def test_confirming_twice_imports_once(buyer_admin, django_capture_on_commit_callbacks):
    upload = upload_for(buyer_admin)
    client = client_for(buyer_admin)
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(f"/vendors/import/{upload.pk}/confirm/")
    assert Job.objects.filter(kind="vendor_import").count() == 1
    assert VendorCompany.objects.filter(is_claimed=False).count() == 3


def test_confirming_a_file_with_errors_says_why(buyer_admin):
    upload = upload_for(buyer_admin, [["", "", "PH", "a@b.example", ""]])
    client = client_for(buyer_admin)
    response = client.post(f"/vendors/import/{upload.pk}/confirm/", follow=True)
    assert "1 of 1 rows have problems." in response.content.decode()
    assert not Job.objects.filter(kind="vendor_import").exists()


def test_a_failed_import_shows_the_reason_and_ways_forward(
    buyer_admin, django_capture_on_commit_callbacks, monkeypatch
):
    def boom(**kwargs: Any) -> None:
        raise imports.ApplicationError("The vendor's website is refused.")

    monkeypatch.setattr(imports, "vendor_company_create_unclaimed", boom)
    upload = upload_for(buyer_admin)
    with django_capture_on_commit_callbacks(execute=True):
        client_for(buyer_admin).post(f"/vendors/import/{upload.pk}/confirm/")
    html = client_for(buyer_admin).get(f"/vendors/import/{upload.pk}/").content.decode()
    assert "The import failed" in html
    assert (
        "Row 2 (Cebu Digital Support Inc.): The vendor&#x27;s website is refused. "
        "Nothing was imported."
    ) in html
    assert "Try again" in html
    assert "upload a corrected file" in html


@pytest.mark.django_db(transaction=True)  # the send happens at the real commit
def test_confirming_while_the_broker_is_down_answers_503_and_imports_nothing(
    buyer_admin, monkeypatch
):
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("Connection refused")

    # No functions: an earlier transactional test may have flushed the taxonomy.
    upload = upload_for(buyer_admin, [[*row[:4], ""] for row in GOOD_ROWS])
    monkeypatch.setattr(run_job, "apply_async", refuse)
    client = client_for(buyer_admin)
    response = client.post(f"/vendors/import/{upload.pk}/confirm/")
    assert response.status_code == 503
    assert "The job could not be queued" in response.content.decode()
    job = Job.objects.get(kind="vendor_import")
    assert job.state == JobState.FAILED
    assert not VendorCompany.objects.filter(is_claimed=False).exists()
    html = client.get(f"/vendors/import/{upload.pk}/").content.decode()
    assert "could not be queued" in html and "Try again" in html


# --- Who may do it -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["evaluator", "viewer", "vendor_a"])
def test_other_roles_cannot_import(request, role, buyer_admin):
    upload = upload_for(buyer_admin)
    client = client_for(request.getfixturevalue(role))
    for url in (START, f"{START}template.csv", f"/vendors/import/{upload.pk}/"):
        assert client.get(url).status_code == 403, url
    assert client.post(START, {"file": csv_file(GOOD_ROWS)}).status_code == 403
    assert client.post(f"/vendors/import/{upload.pk}/confirm/").status_code == 403
    assert not Job.objects.filter(kind="vendor_import").exists()
    assert StagedUpload.objects.count() == 1


def test_another_organization_cannot_see_or_confirm_an_import(buyer_admin, other_buyer):
    upload = upload_for(buyer_admin)
    client = client_for(other_buyer)
    assert client.get(f"/vendors/import/{upload.pk}/").status_code == 404
    assert client.post(f"/vendors/import/{upload.pk}/confirm/").status_code == 404
    assert "vendors.csv" not in client.get(START).content.decode()
    assert not Job.objects.filter(kind="vendor_import").exists()


def test_anonymous_visitors_are_sent_to_log_in(buyer_admin):
    upload = upload_for(buyer_admin)
    for url in (START, f"/vendors/import/{upload.pk}/"):
        response = client_for(None).get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
