"""The job page, the status partial htmx polls, retry and the private download."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.test import Client
from kombu.exceptions import OperationalError

from accounts.models import User
from jobs import services
from jobs.live import cache_set, progress_key
from jobs.models import Job, JobState
from jobs.tasks import run_job
from tests.jobs.conftest import make_job

HTMX = {"HTTP_HX_REQUEST": "true"}


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def status_url(job: Job) -> str:
    return f"/jobs/{job.pk}/status/"


def test_the_job_page_shows_a_queued_job_that_polls_for_its_status(buyer_admin, queued_job):
    response = client_for(buyer_admin).get(f"/jobs/{queued_job.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1" in html and "Test steps" in html
    assert 'hx-trigger="every 1s"' in html
    assert f'hx-get="/jobs/{queued_job.pk}/status/?seen=' in html
    assert "Waiting to start" in html
    assert 'role="status"' in html  # state changes are announced to screen readers
    assert "style=" not in html  # CSP: no inline styles


def test_a_running_job_shows_a_progress_bar_with_its_live_progress(buyer_admin, queued_job):
    job = services._claim(queued_job.pk, 0)
    cache_set(
        progress_key(job.pk),
        {"token": str(job.run_token), "percent": 35, "message": "Step 2 of 5", "at": time.time()},
    )
    response = client_for(buyer_admin).get(status_url(job), **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'hx-trigger="every 1s"' in html
    assert 'data-width="35"' in html
    assert 'aria-valuenow="35"' in html
    assert "Step 2 of 5" in html
    assert "35%" in html
    assert "<html" not in html  # a partial, not a page


def test_polling_answers_204_while_nothing_changed(buyer_admin, queued_job):
    client = client_for(buyer_admin)
    html = client.get(status_url(queued_job), **HTMX).content.decode()
    seen = html.split("?seen=")[1].split("&")[0]
    assert client.get(status_url(queued_job), {"seen": seen}, **HTMX).status_code == 204
    services._claim(queued_job.pk, 0)
    changed = client.get(status_url(queued_job), {"seen": seen, "state": "queued"}, **HTMX)
    assert changed.status_code == 200
    assert 'hx-swap-oob="innerHTML"' in changed.content.decode()  # "running" is announced


def test_a_done_job_stops_polling_and_offers_its_result(
    buyer_admin, django_capture_on_commit_callbacks
):
    job = make_job(buyer_admin, django_capture_on_commit_callbacks, file="the report")
    html = client_for(buyer_admin).get(status_url(job), **HTMX).content.decode()
    assert "hx-trigger" not in html
    assert "Done" in html and "3 steps done." in html
    assert f'href="/jobs/{job.pk}/download/"' in html
    assert "Download result.txt" in html


def test_a_page_that_shows_the_result_below_reloads_when_the_job_finishes(
    buyer_admin, django_capture_on_commit_callbacks
):
    job = make_job(buyer_admin, django_capture_on_commit_callbacks)
    response = client_for(buyer_admin).get(status_url(job), {"reload": "1"}, **HTMX)
    assert response["HX-Refresh"] == "true"


def test_a_failed_job_shows_the_reason_and_a_try_again_button(
    buyer_admin, django_capture_on_commit_callbacks
):
    job = make_job(buyer_admin, django_capture_on_commit_callbacks, fail="Row 4 has no country.")
    html = client_for(buyer_admin).get(f"/jobs/{job.pk}/").content.decode()
    assert "This job failed" in html
    assert "Row 4 has no country." in html
    assert f'action="/jobs/{job.pk}/retry/"' in html
    assert "Try again" in html
    assert "hx-trigger" not in html


def test_try_again_queues_the_job_and_shows_its_new_status(
    buyer_admin, django_capture_on_commit_callbacks
):
    job = make_job(buyer_admin, django_capture_on_commit_callbacks, fail="Not yet.")
    Job.objects.filter(pk=job.pk).update(params={"steps": 1})
    client = client_for(buyer_admin)
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(f"/jobs/{job.pk}/retry/", **HTMX)
    assert response.status_code == 200
    assert "Waiting to start" in response.content.decode()
    job.refresh_from_db()
    assert job.state == JobState.QUEUED

    Job.objects.filter(pk=job.pk).update(state=JobState.FAILED)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/jobs/{job.pk}/retry/", {"next": "/dashboard/"})
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"
    job.refresh_from_db()
    assert job.state == JobState.DONE


def test_try_again_ignores_a_next_address_on_another_site(
    buyer_admin, django_capture_on_commit_callbacks
):
    job = make_job(buyer_admin, django_capture_on_commit_callbacks, fail="Not yet.")
    with django_capture_on_commit_callbacks(execute=False):
        response = client_for(buyer_admin).post(
            f"/jobs/{job.pk}/retry/", {"next": "https://evil.example/"}
        )
    assert response["Location"] == f"/jobs/{job.pk}/"


@pytest.mark.django_db(transaction=True)  # the send happens at the real commit
def test_try_again_with_the_broker_down_says_so_with_a_503(
    buyer_admin, django_capture_on_commit_callbacks, monkeypatch
):
    job = make_job(buyer_admin, django_capture_on_commit_callbacks, fail="Not yet.")

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("Connection refused")

    monkeypatch.setattr(run_job, "apply_async", refuse)
    client = client_for(buyer_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/jobs/{job.pk}/retry/")
    assert response.status_code == 503
    assert "could not be queued" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        partial = client.post(f"/jobs/{job.pk}/retry/", **HTMX)
    assert partial.status_code == 200  # htmx swaps it in: the reason is shown in place
    assert "could not be queued" in partial.content.decode()


def test_the_private_download_is_served_to_the_organization_only(
    buyer_admin, viewer, other_buyer, vendor_a, django_capture_on_commit_callbacks
):
    job = make_job(buyer_admin, django_capture_on_commit_callbacks, file="secret numbers")
    response = client_for(viewer).get(f"/jobs/{job.pk}/download/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"secret numbers"
    assert response["Content-Type"] == "text/plain"
    assert 'filename="result.txt"' in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    for outsider in (other_buyer, vendor_a):
        assert client_for(outsider).get(f"/jobs/{job.pk}/download/").status_code == 404
    assert client_for(None).get(f"/jobs/{job.pk}/download/").status_code == 302  # log in


def test_a_job_without_a_file_has_nothing_to_download(buyer_admin, queued_job):
    assert client_for(buyer_admin).get(f"/jobs/{queued_job.pk}/download/").status_code == 404


@pytest.mark.parametrize("who", ["other_buyer", "vendor_a"])
def test_outsiders_get_404_for_every_job_page(request, who, queued_job):
    client = client_for(request.getfixturevalue(who))
    for url in (f"/jobs/{queued_job.pk}/", status_url(queued_job)):
        assert client.get(url).status_code == 404
    Job.objects.filter(pk=queued_job.pk).update(state=JobState.FAILED)
    assert client.post(f"/jobs/{queued_job.pk}/retry/").status_code == 404
    queued_job.refresh_from_db()
    assert queued_job.state == JobState.FAILED


def test_anonymous_visitors_are_sent_to_log_in(queued_job):
    response = client_for(None).get(f"/jobs/{queued_job.pk}/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_status_partial_needs_a_fixed_number_of_queries(
    buyer_admin, queued_job, django_assert_num_queries
):
    client = client_for(buyer_admin)
    client.get(status_url(queued_job), **HTMX)
    # the session, the user (with their membership), the job
    with django_assert_num_queries(3):
        client.get(status_url(queued_job), **HTMX)
