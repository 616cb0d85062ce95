"""The production topology, checked without a Docker engine: the compose file
and the Dockerfile must name things that exist in this project, and the
production settings must be safe."""

from __future__ import annotations

import importlib
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from celery import Celery
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
APP_SERVICES = ["migrate", "web", "worker", "beat"]


def resolve(dotted: str) -> object:
    module, _, attr = dotted.partition(":")
    imported = importlib.import_module(module)
    return getattr(imported, attr) if attr else imported


def test_compose_has_the_production_topology():
    assert set(SERVICES) == {"postgres", "redis", "migrate", "web", "worker", "beat"}
    assert SERVICES["postgres"]["image"].startswith("postgres:")
    assert SERVICES["redis"]["image"].startswith("redis:")
    assert "healthcheck" in SERVICES["postgres"] and "healthcheck" in SERVICES["redis"]


def test_app_services_share_one_image_and_one_environment_file():
    images = {SERVICES[name]["image"] for name in APP_SERVICES}
    env_files = {SERVICES[name]["env_file"] for name in APP_SERVICES}
    assert len(images) == 1 and len(env_files) == 1
    assert all(SERVICES[name]["build"] == "." for name in APP_SERVICES)
    example = ROOT / (env_files.pop() + ".example")
    assert example.exists(), f"{example.name} documents the environment file"
    keys = {
        line.split("=", 1)[0]
        for line in example.read_text().splitlines()
        if "=" in line and not line.startswith("#")
    }
    assert {
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "DATABASE_URL",
        "REDIS_URL",
        "EMAIL_URL",
        "MEDIA_ROOT",
    } <= keys
    assert "bpo_portal.settings.production" in example.read_text()


def test_web_runs_gunicorn_on_our_wsgi_application():
    command = SERVICES["web"]["command"]
    assert command[0] == "gunicorn"
    application = resolve(command[1])
    assert callable(application)
    assert "8000:8000" in SERVICES["web"]["ports"]
    assert "/healthz/" in " ".join(SERVICES["web"]["healthcheck"]["test"])


@pytest.mark.parametrize("service,role", [("worker", "worker"), ("beat", "beat")])
def test_celery_services_name_our_app(service, role):
    command = SERVICES[service]["command"]
    assert command[:4] == ["celery", "-A", "bpo_portal", role]

    assert isinstance(resolve("bpo_portal").celery_app, Celery)
    if role == "beat":
        scheduler = command[command.index("--scheduler") + 1]
        module, _, cls = scheduler.partition(":")
        assert hasattr(importlib.import_module(module), cls)


def test_migrate_runs_a_real_management_command():
    command = SERVICES["migrate"]["command"]
    assert command[:2] == ["python", "manage.py"]

    assert command[2] in get_commands()
    assert SERVICES["web"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_dockerfile_builds_what_compose_runs():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "FROM python:3.11" in dockerfile
    assert "requirements.txt" in dockerfile and "npm ci" in dockerfile
    assert "collectstatic" in dockerfile
    assert "bpo_portal.settings.production" in dockerfile
    cmd = re.search(r"^CMD \[(.*)\]", dockerfile, re.M).group(1)
    assert '"bpo_portal.wsgi:application"' in cmd
    for package in ("libpango-1.0-0", "libpangoft2-1.0-0"):
        assert package in dockerfile


def _django(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # Production never runs with the browser tests' async escape hatch.
    dropped = {"SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    base = {k: v for k, v in os.environ.items() if k not in dropped}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "bpo_portal.settings.production", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = _django(["check"], {"ALLOWED_HOSTS": "bpo.example.com"})
    assert result.returncode != 0
    assert "Set the SECRET_KEY environment variable" in result.stderr


def test_production_passes_check_deploy_without_warnings():
    result = _django(
        ["check", "--deploy", "--fail-level", "WARNING"],
        {"SECRET_KEY": secrets.token_urlsafe(64), "ALLOWED_HOSTS": "bpo.example.com"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
