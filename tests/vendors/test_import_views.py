"""The import pages: upload, check every row, confirm, follow the job; who may do it."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.urls import include, path
from kombu.exceptions import OperationalError

import bpo_portal.urls
from accounts.models import User
from jobs.models import Job, JobState, StagedUpload
from jobs.tasks import run_job
from tests.vendors.test_import import GOOD_ROWS, csv_file
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
    return vendor_import_upload(actor=user, file=csv_file(rows))


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

    html = client.get(response["Location"]).content.decode()
    assert "Check the vendors to import" in html
    assert "All 3 rows are ready to import" in html
    assert "Cebu Digital Support Inc." in html
    assert "Philippines" in html and "Customer support by chat" in html
    assert f'action="/vendors/import/{upload.pk}/confirm/"' in html
    assert "Import 3 vendors and send invitations" in html
    assert not VendorCompany.objects.filter(is_claimed=False).exists()  # nothing saved yet
    assert "vendors.csv" in client.get(START).content.decode()  # listed under recent imports


def test_a_file_that_cannot_be_imported_is_refused_on_the_form(buyer_admin):
    response = client_for(buyer_admin).post(
        START, {"file": csv_file([["A", "PH"]], header=["vendor", "where"])}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html  # the error summary...
    assert 'href="#id_file"' in html
    assert "The file has no “country” or “contact e-mail” column." in html  # ...and the reason
    assert not StagedUpload.objects.exists()


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
    # session, user with membership, the upload with its job, functions, candidate names,
    # similar names
    with django_assert_num_queries(6):
        client.get(f"/vendors/import/{small.pk}/")
    with django_assert_num_queries(6):
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
    assert Job.objects.count() == 1
    assert VendorCompany.objects.filter(is_claimed=False).count() == 3


def test_confirming_a_file_with_errors_says_why(buyer_admin):
    upload = upload_for(buyer_admin, [["", "", "PH", "a@b.example", ""]])
    client = client_for(buyer_admin)
    response = client.post(f"/vendors/import/{upload.pk}/confirm/", follow=True)
    assert "1 of 1 rows have problems." in response.content.decode()
    assert not Job.objects.exists()


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

    monkeypatch.setattr(run_job, "apply_async", refuse)
    # No functions: an earlier transactional test may have flushed the taxonomy.
    upload = upload_for(buyer_admin, [[*row[:4], ""] for row in GOOD_ROWS])
    client = client_for(buyer_admin)
    response = client.post(f"/vendors/import/{upload.pk}/confirm/")
    assert response.status_code == 503
    assert "The job could not be queued" in response.content.decode()
    job = Job.objects.get()
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
    assert not Job.objects.exists()
    assert StagedUpload.objects.count() == 1


def test_another_organization_cannot_see_or_confirm_an_import(buyer_admin, other_buyer):
    upload = upload_for(buyer_admin)
    client = client_for(other_buyer)
    assert client.get(f"/vendors/import/{upload.pk}/").status_code == 404
    assert client.post(f"/vendors/import/{upload.pk}/confirm/").status_code == 404
    assert "vendors.csv" not in client.get(START).content.decode()
    assert not Job.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in(buyer_admin):
    upload = upload_for(buyer_admin)
    for url in (START, f"/vendors/import/{upload.pk}/"):
        response = client_for(None).get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
