"""Uploaded and generated files on S3-compatible object storage (issue 16, item 6).

A real S3 API server (moto's, in a thread of this process, on a free port) stands in for
AWS S3 or MinIO. Each test gets its own bucket and the default storage that
`bpo_portal.settings.base.object_storage` builds for it, as production does when
AWS_STORAGE_BUCKET_NAME is set; MEDIA_ROOT points at a folder that must stay empty, so
nothing falls back to the local disk. The flows are the real ones: uploads through the
views and services, a report built by its job, a vendor list read by the import job, and
every download through its authorised view, which streams the object (no signed URL
reaches a browser). The objects are private: an unsigned GET is refused.
"""

from __future__ import annotations

import io
import runpy
import uuid
from typing import Any

import boto3
import openpyxl
import pytest
import requests
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from moto.server import ThreadedMotoServer

from bpo_portal.settings import base as base_settings
from bpo_portal.settings.base import object_storage
from bpo_portal.uploads import STORAGE_DOWN_MESSAGE
from jobs import services as job_services
from jobs.models import Job, JobState, StagedUpload
from proposals.models import ProposalAttachment
from reports import services as report_services
from rfp import services as rfp_services
from rfp.models import RFP, RFPAttachment
from tests.conftest import api_as, token_client
from tests.helpers import free_port
from tests.proposals.factories import equip_vendor, fill, pass_deadline, submit
from tests.rfp.conftest import company_of, make_ready_rfp, publish, reload
from tests.scoring.conftest import (  # noqa: F401  (the fixtures `scored` is built from)
    before_publication,
    evaluation,
    evaluator2,
    opened,
    published_rfp,
    scored,
    started,
)
from tests.test_access_log import body_of, logged_in
from tests.vendors.factories import PDF
from tests.vendors.test_import import GOOD_ROWS, csv_file
from vendors import imports as vendor_imports
from vendors import services as vendor_services
from vendors.models import Certification, VendorCompany

pytestmark = pytest.mark.django_db

REGION = "us-east-1"
# A second PDF, so that a download proves which object it read.
OTHER_PDF = PDF.replace(b"%%EOF", b"% another file\n%%EOF")


@pytest.fixture(scope="module")
def s3_endpoint() -> Any:
    """A real S3 API (moto's server) on a free port of this machine, for the module."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """boto3's usual chain reads these, as in production; no profile, no instance role."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test-key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")


class Bucket:
    """The test's bucket, read directly (not through our code) to check what is stored."""

    def __init__(self, endpoint: str, name: str) -> None:
        self.endpoint, self.name = endpoint, name
        self.client = boto3.client("s3", endpoint_url=endpoint, region_name=REGION)
        self.client.create_bucket(Bucket=name)

    def keys(self) -> set[str]:
        listing = self.client.list_objects_v2(Bucket=self.name)
        return {item["Key"] for item in listing.get("Contents", [])}

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()

    def unsigned_url(self, key: str) -> str:
        return f"{self.endpoint}/{self.name}/{key}"


@pytest.fixture
def bucket(s3_endpoint, s3_credentials, settings, tmp_path) -> Any:
    """A fresh bucket, and the default storage on it (what production settings build from
    AWS_STORAGE_BUCKET_NAME and AWS_S3_ENDPOINT_URL). MEDIA_ROOT must stay unused."""
    bucket = Bucket(s3_endpoint, f"bpo-{uuid.uuid4().hex[:12]}")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": object_storage(bucket.name, endpoint_url=s3_endpoint, region=REGION),
    }
    settings.MEDIA_ROOT = tmp_path / "media-must-stay-empty"
    yield bucket
    assert not settings.MEDIA_ROOT.exists(), "a file was written to the local disk"


def assert_private(bucket: Bucket, key: str) -> None:
    """Nobody reads the object without signing the request: S3 answers 403."""
    response = requests.get(bucket.unsigned_url(key), timeout=10)
    assert response.status_code == 403, response.status_code
    assert response.content != bucket.read(key)


# --- Settings ---------------------------------------------------------------------------------


def _storage_backend(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> dict[str, Any]:
    """STORAGES["default"] as the settings module builds it from this environment."""
    for name in ("AWS_STORAGE_BUCKET_NAME", "AWS_S3_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(base_settings.__file__)["STORAGES"]["default"]


def test_the_local_folder_is_the_default_and_a_bucket_name_switches_to_s3(monkeypatch):
    local = _storage_backend(monkeypatch, {})
    assert local == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    configured = _storage_backend(
        monkeypatch,
        {
            "AWS_STORAGE_BUCKET_NAME": "bpo-files",
            "AWS_S3_ENDPOINT_URL": "http://minio:9000",
            "AWS_S3_REGION_NAME": "eu-west-3",
            "AWS_S3_ADDRESSING_STYLE": "path",
        },
    )
    assert configured["BACKEND"] == "storages.backends.s3.S3Storage"
    options = configured["OPTIONS"]
    assert options["bucket_name"] == "bpo-files"
    assert options["endpoint_url"] == "http://minio:9000"
    assert (options["region_name"], options["addressing_style"]) == ("eu-west-3", "path")
    # Private: no ACL of its own (the bucket's private default), no public domain, any
    # URL the storage makes is signed and short-lived, and no file is ever overwritten.
    assert options["default_acl"] is None and options["custom_domain"] is None
    assert options["querystring_auth"] is True and options["querystring_expire"] == 60
    assert options["file_overwrite"] is False and options["signature_version"] == "s3v4"
    assert not any("secret" in key or "access_key" in key for key in options)


def test_urls_the_storage_makes_are_signed_and_expire_within_a_minute(bucket):
    name = default_storage.save("private/probe.txt", io.BytesIO(b"probe"))
    url = default_storage.url(name)
    assert "X-Amz-Signature=" in url and "X-Amz-Expires=60" in url
    assert requests.get(url, timeout=10).content == b"probe"
    assert_private(bucket, name)


# --- Proposal attachments -----------------------------------------------------------------------


@pytest.fixture
def published(buyer_admin, procurement_manager, vendor_a, vendor_b) -> RFP:
    equip_vendor(vendor_a)
    equip_vendor(vendor_b, country="IN")
    rfp = make_ready_rfp(procurement_manager, invite=(company_of(vendor_a), company_of(vendor_b)))
    return publish(rfp, buyer_admin)


def test_a_proposal_attachment_is_uploaded_to_the_bucket_and_downloaded_by_those_allowed(
    bucket, published, vendor_a, vendor_b, procurement_manager, other_buyer
):
    proposal = fill(vendor_a, published)
    upload = api_as(vendor_a).post(
        f"/api/v1/proposals/{proposal.pk}/attachments/",
        {"file": SimpleUploadedFile("plan.pdf", OTHER_PDF, content_type="application/pdf")},
        format="multipart",
    )
    assert upload.status_code == 201, upload.content
    attachment = ProposalAttachment.objects.get(proposal=proposal)
    key = attachment.file.name
    assert key.startswith("private/proposals/") and "plan" not in key
    assert bucket.keys() == {key} and bucket.read(key) == OTHER_PDF
    assert_private(bucket, key)

    page = reverse("proposal_attachment_download", args=[proposal.pk, attachment.pk])
    api = f"/api/v1/proposals/{proposal.pk}/attachments/{attachment.pk}/"
    own = logged_in(vendor_a).get(page)
    assert own.status_code == 200 and body_of(own) == OTHER_PDF
    assert own["Content-Length"] == str(len(OTHER_PDF))
    assert own["Content-Disposition"] == 'attachment; filename="plan.pdf"'
    assert own["Cache-Control"] == "private, no-store"
    # Other tenants: another vendor, another buyer; the buyer itself while the bid is sealed.
    submit(vendor_a, proposal)
    assert logged_in(vendor_b).get(page).status_code == 404
    assert api_as(vendor_b).get(api).status_code == 404
    assert logged_in(other_buyer).get(page).status_code == 404
    assert logged_in(procurement_manager).get(page).status_code == 403

    pass_deadline(reload(published))
    buyer = token_client(procurement_manager).get(api)
    assert buyer.status_code == 200 and body_of(buyer) == OTHER_PDF


def test_a_refused_upload_stores_nothing_and_a_lost_object_is_no_longer_available(
    bucket, published, vendor_a, settings
):
    proposal = fill(vendor_a, published)
    url = f"/api/v1/proposals/{proposal.pk}/attachments/"
    client = api_as(vendor_a)
    fake = client.post(
        url,
        {"file": SimpleUploadedFile("plan.pdf", b"just text", content_type="application/pdf")},
        format="multipart",
    )
    assert fake.status_code == 400 and "content does not match" in fake.json()["message"]
    assert bucket.keys() == set()

    stored = client.post(url, {"file": SimpleUploadedFile("plan.pdf", PDF)}, format="multipart")
    assert stored.status_code == 201
    attachment = ProposalAttachment.objects.get(proposal=proposal)
    bucket.client.delete_object(Bucket=bucket.name, Key=attachment.file.name)
    gone = client.get(f"/api/v1/proposals/{proposal.pk}/attachments/{attachment.pk}/")
    assert gone.status_code == 404
    assert gone.json()["message"] == "This file is no longer available."


# --- RFP documents and certificate evidence ------------------------------------------------------


def test_rfp_documents_live_in_the_bucket_until_deleted(
    bucket, procurement_manager, vendor_a, vendor_b, django_capture_on_commit_callbacks
):
    equip_vendor(vendor_a)
    pm = procurement_manager
    rfp = make_ready_rfp(pm, invite=(company_of(vendor_a),))
    rfp_services.rfp_attachment_add(
        actor=pm,
        rfp=rfp,
        version=rfp.version,
        upload=SimpleUploadedFile("scope.pdf", OTHER_PDF),
    )
    document = RFPAttachment.objects.get(rfp=rfp)
    assert bucket.keys() == {document.file.name}
    assert_private(bucket, document.file.name)
    url = reverse("rfp_attachment_download", args=[rfp.pk, document.pk])
    response = logged_in(pm).get(url)
    assert response.status_code == 200 and body_of(response) == OTHER_PDF

    with django_capture_on_commit_callbacks(execute=True):
        rfp_services.rfp_attachment_delete(
            actor=pm, attachment=document, version=reload(rfp).version
        )
    assert bucket.keys() == set()


def test_certificate_evidence_is_stored_replaced_and_served_from_the_bucket(
    bucket, vendor_a, vendor_b, procurement_manager, django_capture_on_commit_callbacks
):
    equip_vendor(vendor_a)
    company = company_of(vendor_a)
    certification = Certification.objects.get(
        company=company, certification_type__slug="iso-iec-27001"
    )
    for content in (PDF, OTHER_PDF):
        with django_capture_on_commit_callbacks(execute=True):
            certification = vendor_services.certification_save(
                actor=vendor_a,
                company=company,
                certification=certification,
                evidence=SimpleUploadedFile("iso-27001.pdf", content),
            )
    # The replaced file was deleted once the new one was saved.
    assert bucket.keys() == {certification.evidence.name}
    assert_private(bucket, certification.evidence.name)
    url = reverse("vendor_certification_evidence", args=[certification.pk])
    buyer = logged_in(procurement_manager).get(url)
    assert buyer.status_code == 200 and body_of(buyer) == OTHER_PDF
    assert logged_in(vendor_b).get(url).status_code == 404


# --- Generated files: a report built by its job ---------------------------------------------------


@pytest.fixture
def scored_rfp(request: pytest.FixtureRequest) -> RFP:
    """The RFP of the scoring tests' scored evaluation (fixtures imported above)."""
    return RFP.objects.get(pk=request.getfixturevalue("scored").rfp_id)


def test_a_report_is_stored_in_the_bucket_by_its_job_and_downloaded_by_its_readers(
    scored_rfp, bucket, procurement_manager, other_buyer, django_capture_on_commit_callbacks
):
    """`scored_rfp` comes first: the scored world is built (once, for the other modules as
    well) on the local storage, before this test's bucket replaces it."""
    with django_capture_on_commit_callbacks(execute=True):
        report = report_services.report_request(
            actor=procurement_manager, rfp=scored_rfp, kind="xlsx"
        )
    job = report.job
    job.refresh_from_db()
    assert job.state == JobState.DONE, job.error
    key = job.result_file.name
    assert key.startswith("private/jobs/") and key.endswith(".xlsx")
    assert bucket.keys() == {key}
    assert_private(bucket, key)
    stored = bucket.read(key)

    page = logged_in(procurement_manager).get(reverse("job_download", args=[job.pk]))
    assert page.status_code == 200 and body_of(page) == stored
    assert page["Content-Length"] == str(len(stored))
    workbook = openpyxl.load_workbook(io.BytesIO(stored))
    assert workbook.sheetnames  # a real workbook, whole
    api = token_client(procurement_manager).get(f"/api/v1/jobs/{job.pk}/download/")
    assert api.status_code == 200 and body_of(api) == stored
    assert logged_in(other_buyer).get(reverse("job_download", args=[job.pk])).status_code == 404
    assert token_client(other_buyer).get(f"/api/v1/jobs/{job.pk}/download/").status_code == 404


# --- Uploaded inputs: a vendor list read by the import job ----------------------------------------


def test_a_staged_upload_is_read_from_the_bucket_by_the_import_job_and_deleted_later(
    bucket, procurement_manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the worker checks it
        upload = vendor_imports.vendor_import_upload(
            actor=procurement_manager, file=csv_file(GOOD_ROWS)
        )
    upload.refresh_from_db()
    key = upload.file.name
    assert key.startswith("private/jobs/") and key.endswith(".csv")
    assert bucket.keys() == {key}
    assert_private(bucket, key)
    assert upload.check_job is not None and upload.check_job.state == JobState.DONE
    checked = vendor_imports.vendor_import_checked_preview(upload=upload)  # read from S3
    assert checked is not None and checked.valid

    with django_capture_on_commit_callbacks(execute=True):
        job = vendor_imports.vendor_import_confirm(actor=procurement_manager, upload=upload)
    job.refresh_from_db()
    assert job.state == JobState.DONE, job.error
    names = set(
        VendorCompany.objects.filter(pk__in=job.result["vendor_ids"]).values_list(
            "legal_name", flat=True
        )
    )
    assert names == {row[0] for row in GOOD_ROWS}

    StagedUpload.objects.filter(pk=upload.pk).update(
        created_at=upload.created_at.replace(year=2000)
    )
    assert job_services.staged_uploads_delete_old() == 1
    assert bucket.keys() == set()


# --- When the file store does not answer ----------------------------------------------------------


def unreachable(bucket: Bucket, settings: Any) -> None:
    """The same bucket, but nothing listens where the storage looks for it any more."""
    endpoint = f"http://127.0.0.1:{free_port()}"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": object_storage(bucket.name, endpoint_url=endpoint, region=REGION),
    }


def test_a_file_store_that_does_not_answer_is_a_503_with_a_message_and_nothing_half_saved(
    bucket, published, vendor_a, settings
):
    proposal = fill(vendor_a, published)
    client = api_as(vendor_a)
    url = f"/api/v1/proposals/{proposal.pk}/attachments/"
    stored = client.post(url, {"file": SimpleUploadedFile("a.pdf", PDF)}, format="multipart")
    assert stored.status_code == 201
    attachment = ProposalAttachment.objects.get(proposal=proposal)
    unreachable(bucket, settings)
    refused = client.post(url, {"file": SimpleUploadedFile("b.pdf", PDF)}, format="multipart")
    assert refused.status_code == 503
    assert refused.json()["message"] == STORAGE_DOWN_MESSAGE
    assert list(ProposalAttachment.objects.filter(proposal=proposal)) == [attachment]

    page = logged_in(vendor_a).get(
        reverse("proposal_attachment_download", args=[proposal.pk, attachment.pk])
    )
    assert page.status_code == 503
    assert "the file store is not answering" in page.content.decode()
    api = client.get(f"{url}{attachment.pk}/")
    assert api.status_code == 503 and api.json()["message"] == STORAGE_DOWN_MESSAGE


def test_a_report_job_waits_for_the_file_store_and_finishes_once_it_answers(
    scored_rfp, bucket, procurement_manager, settings, django_capture_on_commit_callbacks
):
    working = settings.STORAGES
    with django_capture_on_commit_callbacks(execute=False):
        report = report_services.report_request(
            actor=procurement_manager, rfp=scored_rfp, kind="xlsx"
        )
    unreachable(bucket, settings)
    with pytest.raises(job_services.RetryLater) as later:
        job_services.job_run(job_id=report.job_id)
    assert later.value.transient_retries == 1
    job = Job.objects.get(pk=report.job_id)
    assert job.state == JobState.QUEUED and "Trying again in" in job.progress_message
    assert not job.result_file and bucket.keys() == set()

    settings.STORAGES = working
    job = job_services.job_run(job_id=job.pk, transient_retries=1)
    assert job is not None and job.state == JobState.DONE, job and job.error
    assert bucket.keys() == {job.result_file.name}
