"""Faults, against real services and a real server process (gunicorn, as in production).

- Redis stops while a user asks for a report (a request that enqueues a job): the user
  is told plainly (page message, API 503 in the error shape), /healthz/ names the broker
  and the cache, ordinary pages and log-in keep working, and nothing is lost: once Redis
  is back, the failed job is tried again and the outbox e-mails go out, without
  restarting the server.
- PostgreSQL restarts between two requests: the server's persistent connection is dead;
  the next request reconnects (CONN_HEALTH_CHECKS) and succeeds, without a restart.

(The Celery worker killed during a report: tests/reports/test_worker_crash.py.)

Each test starts its own redis-server or PostgreSQL cluster on a free port: the shared
ones on 6379 and 5432 are never stopped.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import OutgoingEmail, User
from accounts.services import api_token_create
from jobs.models import Job, JobState
from jobs.services import QUEUE_DOWN_MESSAGE
from reports.models import Report
from tests.conftest import PASSWORD
from tests.helpers import (
    ROOT,
    LiveServer,
    PrivatePostgres,
    PrivateRedis,
    RealWorker,
    subprocess_env,
    wait_until,
)
from tests.scoring.conftest import (  # noqa: F401
    before_publication,
    evaluation,
    evaluator2,
    opened,
    published_rfp,
    scored,
    started,
)

pytestmark = [
    pytest.mark.integration,
    # Transactional: the server and the worker are other processes and must see the rows.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def stop_afterwards() -> Iterator[list[Any]]:
    """Processes the test starts (servers, workers, databases): stopped in reverse order."""
    processes: list[Any] = []
    yield processes
    for process in reversed(processes):
        process.stop()


def browser_for(server: LiveServer, user: User) -> requests.Session:
    """A browser session of `user` on the live server (the session row is in the database)."""
    client = Client()
    client.force_login(user)
    browser = requests.Session()
    browser.cookies.set(
        settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value
    )
    return browser


def post_form(
    browser: requests.Session, url: str, data: dict[str, str], *, form_page: str = ""
) -> requests.Response:
    """Open the page with the form, then submit it with its CSRF token, as a browser does."""
    page = browser.get(form_page or url, timeout=30)
    assert page.status_code == 200, page.text[:2000]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert token, "no CSRF token on " + (form_page or url)
    return browser.post(url, data={**data, "csrfmiddlewaretoken": token.group(1)}, timeout=60)


def messages_in(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# --- Redis stops -----------------------------------------------------------------------------


@pytest.mark.skipif(
    not settings.REDIS_URL or not shutil.which("redis-server"),
    reason="needs Redis (set REDIS_URL; redis-server on the PATH for a private instance)",
)
def test_redis_stopped_while_a_report_is_asked_for(
    scored,  # noqa: F811
    procurement_manager,
    buyer_admin,
    tmp_path,
    stop_afterwards,
):
    rfp = scored.rfp
    redis = PrivateRedis(tmp_path)
    redis.start()
    stop_afterwards.append(redis)
    server = LiveServer({"REDIS_URL": redis.url}, name="faults-redis")
    stop_afterwards.append(server)
    server.wait_ready()
    reports_page = server.url + reverse("report_list", args=[rfp.pk])
    browser = browser_for(server, procurement_manager)
    _, key = api_token_create(user=procurement_manager, name="ERP integration")
    api = requests.Session()
    api.headers["Authorization"] = f"Token {key}"
    assert browser.get(reports_page, timeout=30).status_code == 200

    redis.stop()

    # The page that asks for a report says the job could not be queued.
    response = post_form(browser, reports_page, {"kind": "xlsx"})
    assert response.status_code == 200 and response.url == reports_page
    assert QUEUE_DOWN_MESSAGE in messages_in(response.text)
    html_report = Report.objects.get(rfp=rfp, kind="xlsx")
    assert html_report.job.state == JobState.FAILED and html_report.job.error == QUEUE_DOWN_MESSAGE

    # The API answers 503 in the one error shape.
    response = api.post(server.url + f"/api/v1/rfps/{rfp.pk}/reports/", json={"kind": "pdf"})
    assert response.status_code == 503, response.text
    body = response.json()
    assert body["message"] == QUEUE_DOWN_MESSAGE and body["extra"]["fields"] == {}
    api_report = Report.objects.get(rfp=rfp, kind="pdf")
    assert body["extra"]["job_id"] == api_report.job_id

    # /healthz/ names what is down.
    health = requests.get(server.url + "/healthz/", timeout=30)
    assert health.status_code == 503
    assert {"broker", "cache"} <= set(health.json()["down"])
    assert health.json()["components"]["database"]["ok"] is True

    # The cache is down too, yet pages, the API, log-in and e-mail still work (no 500).
    for path in ("/", reverse("dashboard"), reverse("rfp_detail", args=[rfp.pk])):
        assert browser.get(server.url + path, timeout=30).status_code == 200, path
    assert api.get(server.url + "/api/v1/me/", timeout=30).status_code == 200
    visitor = requests.Session()
    response = post_form(
        visitor,
        server.url + reverse("account_login"),
        {"login": buyer_admin.email, "password": PASSWORD},
    )
    assert response.status_code == 200 and response.url.endswith(reverse("dashboard"))
    response = post_form(
        requests.Session(),
        server.url + reverse("account_reset_password"),
        {"email": procurement_manager.email},
    )
    assert response.status_code == 200
    reset_email = OutgoingEmail.objects.get(
        to=[procurement_manager.email], subject__icontains="password"
    )
    assert reset_email.sent_at is None  # kept in the outbox: the broker never got it

    # Redis is back and a worker runs. The server was not restarted.
    redis.start()
    worker = RealWorker(
        "celery",
        extra_env={"REDIS_URL": redis.url, "MEDIA_ROOT": str(settings.MEDIA_ROOT)},
        name=f"faults-redis-worker-{redis.port}",
    )
    stop_afterwards.append(worker)
    worker.wait_ready()

    def healthy() -> bool:
        return requests.get(server.url + "/healthz/", timeout=30).status_code == 200

    wait_until(healthy, 30, lambda: requests.get(server.url + "/healthz/").text)

    # Nothing was lost: both failed jobs are tried again, one from its page, one by the API.
    job_page = server.url + reverse("job_detail", args=[html_report.job_id])
    response = post_form(
        browser,
        server.url + reverse("job_retry", args=[html_report.job_id]),
        {"next": job_page},
        form_page=job_page,
    )
    assert response.status_code == 200 and "queued again" in response.text
    response = api.post(server.url + f"/api/v1/jobs/{api_report.job_id}/retry/", timeout=30)
    assert response.status_code in (200, 202), response.text

    def jobs_done() -> bool:
        states = set(Job.objects.filter(report__rfp=rfp).values_list("state", flat=True))
        assert JobState.FAILED not in states, Job.objects.filter(report__rfp=rfp).values("error")
        return states == {JobState.DONE}

    wait_until(jobs_done, 120, lambda: f"not done:\n{worker.output()}\n{server.output()}")

    # ...and the e-mail the broker never got goes out with the outbox sweep (Celery beat
    # runs it every five minutes; here `celery call` asks the worker to run it now).
    OutgoingEmail.objects.filter(sent_at__isnull=True).update(
        created_at=timezone.now() - dt.timedelta(minutes=10)
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "bpo_portal",
            "call",
            "bpo_portal.tasks.resend_stalled_emails",
        ],
        cwd=ROOT,
        env=subprocess_env(
            {"DJANGO_SETTINGS_MODULE": "bpo_portal.settings.base"}, {"REDIS_URL": redis.url}
        ),
        check=True,
        capture_output=True,
        timeout=60,
    )
    wait_until(
        lambda: not OutgoingEmail.objects.filter(sent_at__isnull=True).exists(),
        60,
        lambda: f"e-mails not sent:\n{worker.output()}",
    )
    reset_email.refresh_from_db()
    assert reset_email.attempts == 1  # sent once
    assert server.process.poll() is None
    assert server.output().count("Booting worker") == 1  # the same server process throughout


# --- PostgreSQL restarts ---------------------------------------------------------------------


@pytest.mark.skipif(
    not settings.IS_POSTGRES,
    reason="needs PostgreSQL (set DATABASE_URL=postgres://...): SQLite has no server to restart",
)
def test_postgresql_restarted_between_requests(buyer_admin, stop_afterwards):
    folder = Path(tempfile.mkdtemp(prefix="bpo-faults-pg-"))  # the postgres user must reach it
    stop_afterwards.append(_RemoveFolder(folder))
    postgres = PrivatePostgres(folder)
    if postgres.bindir is None:
        pytest.skip("PostgreSQL's server programs (initdb, pg_ctl) are not installed")
    postgres.init_and_start()
    stop_afterwards.append(postgres)
    browser_session = Client()
    browser_session.force_login(buyer_admin)  # the session row is copied with the rest
    postgres.copy_database(connection.settings_dict, "bpo_portal")

    server = LiveServer(
        {"DATABASE_URL": postgres.url("bpo_portal"), "CONN_MAX_AGE": "600"}, name="faults-pg"
    )
    stop_afterwards.append(server)
    server.wait_ready()
    browser = requests.Session()
    browser.cookies.set(
        settings.SESSION_COOKIE_NAME, browser_session.cookies[settings.SESSION_COOKIE_NAME].value
    )
    dashboard = server.url + reverse("dashboard")

    def backends() -> set[str]:
        """The server's connections to its database, as PostgreSQL sees them."""
        query = (
            "SELECT pid FROM pg_stat_activity WHERE datname = 'bpo_portal' "
            "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
        )
        result = subprocess.run(
            [
                "psql",
                "-h",
                "127.0.0.1",
                "-p",
                str(postgres.port),
                "-U",
                "postgres",
                "-d",
                "postgres",
                "-Atc",
                query,
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        return set(result.stdout.split())

    first = browser.get(dashboard, timeout=30)
    assert first.status_code == 200 and "Northwind Health" in first.text
    again = browser.get(dashboard, timeout=30)
    assert again.status_code == 200
    before = backends()
    assert len(before) == 1  # one persistent connection, kept between requests

    postgres.restart()  # every connection is cut

    after_restart = browser.get(dashboard, timeout=30)
    assert after_restart.status_code == 200, server.output()[-3000:]
    assert "Northwind Health" in after_restart.text
    assert browser.get(dashboard, timeout=30).status_code == 200
    after = backends()
    assert len(after) == 1 and after != before  # a new connection, made by the same server
    assert server.process.poll() is None
    assert server.output().count("Booting worker") == 1


class _RemoveFolder:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def stop(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
