"""/healthz/ names what is down, and only that: the reason goes to the server log, not to
the anonymous caller (issue 15, finding 8). /livez/ answers whatever the Host header."""

from __future__ import annotations

import logging

import pytest
from django.test import Client

from bpo_portal.celery import app as celery_app

pytestmark = pytest.mark.django_db


def test_healthz_is_503_naming_the_worker_when_no_worker_runs(caplog):
    with caplog.at_level(logging.ERROR, logger="bpo_portal.health"):
        response = Client().get("/healthz/")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["down"] == ["worker"]
    assert body["components"]["database"]["ok"] is True
    assert body["components"]["broker"]["ok"] is True
    assert body["components"]["worker"] == {"ok": False, "ms": body["components"]["worker"]["ms"]}
    assert "no Celery worker answered" not in response.content.decode()
    assert "no Celery worker answered" in caplog.text  # the reason, for the operators


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
    assert body["components"]["worker"] == {"ok": False}
    text = response.content.decode()
    assert "127.0.0.1" not in text and "Error" not in text and "error" not in text


def test_livez_answers_200_to_any_host_without_touching_the_database(django_assert_num_queries):
    # The test settings allow only 127.0.0.1, localhost and testserver: any other host
    # would be refused with 400 by host validation, which /livez/ comes before.
    with django_assert_num_queries(0):
        response = Client(HTTP_HOST="bpo.attacker.example").get("/livez/")
    assert response.status_code == 200
    assert response.content == b"ok\n"


def test_other_paths_still_validate_the_host():
    assert Client(HTTP_HOST="bpo.attacker.example").get("/healthz/").status_code == 400
