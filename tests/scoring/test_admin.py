"""The admin shows evaluations read-only: writes go through the services."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import User

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "model", ["evaluation", "evaluatorassignment", "conflictdeclaration", "awarddecision"]
)
def test_admin_is_read_only(scored, model):
    staff = User.objects.create_superuser(email="root@example.com", password="x-long-pass-123")
    client = Client()
    client.force_login(staff)
    assert client.get(f"/admin/scoring/{model}/").status_code == 200
    assert client.get(f"/admin/scoring/{model}/add/").status_code == 403
