"""/healthz/ names what is down."""

from __future__ import annotations

import pytest
from django.test import Client

from bpo_portal.celery import app as celery_app

pytestmark = pytest.mark.django_db


def test_healthz_is_503_naming_the_worker_when_no_worker_runs():
    response = Client().get("/healthz/")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["down"] == ["worker"]
    assert body["components"]["database"]["ok"] is True
    assert body["components"]["broker"]["ok"] is True
    assert "no Celery worker answered" in body["components"]["worker"]["error"]


def test_healthz_names_the_broker_when_it_is_down():
    original = celery_app.conf.broker_url
    celery_app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens there
    try:
        response = Client().get("/healthz/")
    finally:
        celery_app.conf.broker_url = original
    assert response.status_code == 503
    body = response.json()
    assert set(body["down"]) == {"broker", "worker"}
    assert body["components"]["worker"]["error"] == "unknown: the broker is down"
