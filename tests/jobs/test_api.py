"""GET /api/v1/jobs/{id}/ and POST /api/v1/jobs/{id}/retry/."""

from __future__ import annotations

import time
from typing import Any

import pytest
from kombu.exceptions import OperationalError
from rest_framework.test import APIRequestFactory

from jobs import services
from jobs.api.views import job_accepted_response
from jobs.live import cache_set, progress_key
from jobs.models import Job, JobState
from jobs.tasks import run_job
from tests.conftest import api_as, token_client
from tests.jobs.conftest import make_job


def test_a_queued_job(buyer_admin, queued_job):
    response = token_client(buyer_admin).get(f"/api/v1/jobs/{queued_job.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == queued_job.pk
    assert body["url"] == f"http://testserver/api/v1/jobs/{queued_job.pk}/"
    assert body["page_url"] == f"http://testserver/jobs/{queued_job.pk}/"
    assert body["kind"] == "test_steps"
    assert body["state"] == "queued"
    assert body["progress"] == 0
    assert body["download_url"] is None
    assert body["result"] == {}
    assert body["error"] == ""


def test_a_running_job_reports_its_live_progress(buyer_admin, queued_job):
    job = services._claim(queued_job.pk, 0)
    cache_set(
        progress_key(job.pk),
        {"token": str(job.run_token), "percent": 60, "message": "Step 3 of 5", "at": time.time()},
    )
    body = api_as(buyer_admin).get(f"/api/v1/jobs/{job.pk}/").json()
    assert (body["state"], body["progress"], body["message"]) == ("running", 60, "Step 3 of 5")
    assert body["attempts"] == 1
    assert body["started_at"] is not None


def test_a_done_job_gives_its_result_and_download_link(
    buyer_admin, django_capture_on_commit_callbacks
):
    job = make_job(buyer_admin, django_capture_on_commit_callbacks, file="data")
    body = api_as(buyer_admin).get(f"/api/v1/jobs/{job.pk}/").json()
    assert body["state"] == "done"
    assert body["progress"] == 100
    assert body["result"]["summary"] == "3 steps done."
    assert body["download_url"] == f"http://testserver/api/v1/jobs/{job.pk}/download/"
    download = token_client(buyer_admin).get(body["download_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"data"
    assert download["Content-Type"] == "text/plain"


def test_a_failed_job_gives_its_reason(buyer_admin, django_capture_on_commit_callbacks):
    job = make_job(buyer_admin, django_capture_on_commit_callbacks, fail="Row 2: unknown country.")
    body = api_as(buyer_admin).get(f"/api/v1/jobs/{job.pk}/").json()
    assert (body["state"], body["error"]) == ("failed", "Row 2: unknown country.")


@pytest.mark.parametrize("who", ["other_buyer", "vendor_a"])
def test_outsiders_get_404(request, who, queued_job):
    client = api_as(request.getfixturevalue(who))
    response = client.get(f"/api/v1/jobs/{queued_job.pk}/")
    assert response.status_code == 404
    assert set(response.json()) == {"message", "extra"}
    Job.objects.filter(pk=queued_job.pk).update(state=JobState.FAILED)
    assert client.post(f"/api/v1/jobs/{queued_job.pk}/retry/").status_code == 404
    assert client.get(f"/api/v1/jobs/{queued_job.pk}/download/").status_code == 404


def test_anonymous_requests_are_refused(queued_job):
    assert api_as(None).get(f"/api/v1/jobs/{queued_job.pk}/").status_code in (401, 403)


def test_there_is_no_list_or_write_endpoint(buyer_admin, queued_job):
    client = api_as(buyer_admin)
    assert client.get("/api/v1/jobs/").status_code == 404
    assert client.delete(f"/api/v1/jobs/{queued_job.pk}/").status_code == 405
    assert client.patch(f"/api/v1/jobs/{queued_job.pk}/", {"state": "done"}).status_code == 405


def test_retry_answers_202_with_the_job_and_its_url(
    buyer_admin, evaluator, django_capture_on_commit_callbacks
):
    job = make_job(buyer_admin, django_capture_on_commit_callbacks, fail="Not now.")
    with django_capture_on_commit_callbacks(execute=False):
        response = api_as(evaluator).post(f"/api/v1/jobs/{job.pk}/retry/")
    assert response.status_code == 202
    assert response["Location"] == f"http://testserver/api/v1/jobs/{job.pk}/"
    assert response.json()["state"] == "queued"


def test_retry_of_a_job_that_has_not_failed_is_a_conflict(buyer_admin, queued_job):
    response = api_as(buyer_admin).post(f"/api/v1/jobs/{queued_job.pk}/retry/")
    assert response.status_code == 409
    assert response.json()["message"] == "This job is already waiting to start."


@pytest.mark.django_db(transaction=True)  # the send happens at the real commit
def test_retry_with_the_broker_down_answers_503_and_the_job_stays_failed(buyer_admin, monkeypatch):
    job = Job.objects.create(
        kind="test_steps", created_by=buyer_admin, state=JobState.FAILED, error="Earlier."
    )

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("Connection refused")

    monkeypatch.setattr(run_job, "apply_async", refuse)
    response = api_as(buyer_admin).post(f"/api/v1/jobs/{job.pk}/retry/")
    assert response.status_code == 503
    assert "could not be queued" in response.json()["message"]
    job.refresh_from_db()
    assert job.state == JobState.FAILED
    assert "could not be queued" in job.error


def test_endpoints_that_start_a_job_answer_202_with_its_location(buyer_admin, queued_job):
    request = APIRequestFactory().post("/api/v1/somewhere/")
    response = job_accepted_response(queued_job, request)  # type: ignore[arg-type]
    assert response.status_code == 202
    assert response["Location"] == f"http://testserver/api/v1/jobs/{queued_job.pk}/"
    assert response.data["state"] == "queued"


def test_the_detail_endpoint_needs_a_fixed_number_of_queries(
    buyer_admin, django_capture_on_commit_callbacks, django_assert_num_queries
):
    job = make_job(buyer_admin, django_capture_on_commit_callbacks, file="x")
    client = token_client(buyer_admin)
    # the token with its user, the job: nothing per field or file
    with django_assert_num_queries(2):
        assert client.get(f"/api/v1/jobs/{job.pk}/").status_code == 200


def test_the_schema_documents_the_job_endpoints(buyer_admin):
    schema = api_as(buyer_admin).get("/api/schema/", {"format": "json"}).json()
    assert "/api/v1/jobs/{id}/" in schema["paths"]
    assert "202" in schema["paths"]["/api/v1/jobs/{id}/retry/"]["post"]["responses"]


def test_a_job_without_a_file_has_nothing_to_download(buyer_admin, queued_job):
    response = api_as(buyer_admin).get(f"/api/v1/jobs/{queued_job.pk}/download/")
    assert response.status_code == 404
    assert response.json()["message"] == "This job has no file to download."
