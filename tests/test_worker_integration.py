"""A real Celery worker process, on the configured broker (Redis in CI), runs a
task end to end against the test database."""

from __future__ import annotations

import time
import uuid

import pytest
from django.conf import settings
from django.test import Client

from accounts.models import OutgoingEmail
from accounts.tasks import deliver_email
from bpo_portal.celery import app as celery_app
from tests.helpers import RealWorker


@pytest.fixture
def real_worker():
    queue = f"test-{uuid.uuid4().hex[:8]}"
    worker = RealWorker(queue)
    worker.wait_ready()
    celery_app.conf.task_always_eager = False
    try:
        yield worker
    finally:
        celery_app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER
        worker.stop()


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_real_worker_delivers_an_outbox_email_and_health_is_green(real_worker):
    email = OutgoingEmail.objects.create(to=["someone@example.com"], subject="Hello", text="Body")
    deliver_email.apply_async(kwargs={"email_id": email.pk}, queue=real_worker.queue)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        email.refresh_from_db()
        if email.sent_at is not None:
            break
        time.sleep(0.3)
    assert email.sent_at is not None, real_worker.log_path.read_text()
    assert email.attempts == 1
    assert "Subject: Hello" in real_worker.log_path.read_text()

    # The worker answers pings once its control consumer is up; allow it a moment.
    deadline = time.monotonic() + 20
    while True:
        response = Client().get("/healthz/")
        if response.status_code == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert response.status_code == 200, response.json()
    assert response.json()["down"] == []
