"""`manage.py seed_demo`, as `make run` calls it: the log-ins it prints point at this
server (SITE_URL follows WEB_PORT), not at a fixed port."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_seed_demo_prints_the_log_ins_at_the_site_url(settings):
    settings.SITE_URL = "http://127.0.0.1:8056"
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    printed = out.getvalue()
    assert "Demo data is ready. Log in at http://127.0.0.1:8056/" in printed
    assert "127.0.0.1:8000" not in printed
    assert "admin@northwind.example" in printed
