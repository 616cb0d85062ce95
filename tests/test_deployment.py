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
import requests
import yaml
from celery import Celery
from django.conf import settings
from django.core.management import get_commands

from tests.helpers import database_url_for_subprocess, free_port, wait_until

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
    # Liveness, answered before host validation; /healthz/ is readiness (see below for the
    # probe run against a real gunicorn).
    assert "/livez/" in " ".join(SERVICES["web"]["healthcheck"]["test"])


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


def _env_file(path: Path) -> dict[str, str]:
    return {
        key: value
        for key, _, value in (
            line.partition("=")
            for line in path.read_text().splitlines()
            if "=" in line and not line.lstrip().startswith("#")
        )
    }


@pytest.fixture
def production_gunicorn(tmp_path):
    """gunicorn as the web container runs it: production settings with the values of
    .env.production.example, overriding only what must be local (the secret the example
    leaves blank, PostgreSQL/Redis here instead of the compose services, the media folder,
    a free port)."""
    port = free_port()
    env_file = SERVICES["web"]["env_file"]
    dropped = {"CACHE_REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "PYTEST_XDIST_WORKER"}
    env = {
        **{k: v for k, v in os.environ.items() if k not in dropped},
        **_env_file(ROOT / f"{env_file}.example"),
        "SECRET_KEY": secrets.token_urlsafe(64),
        "DATABASE_URL": database_url_for_subprocess(),
        "REDIS_URL": settings.REDIS_URL or "redis://127.0.0.1:6379/0",
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    assert env["DJANGO_SETTINGS_MODULE"] == "bpo_portal.settings.production"
    command = SERVICES["web"]["command"]
    bind = command.index("--bind") + 1
    command = [sys.executable, "-m", *command[:bind], f"127.0.0.1:{port}", *command[bind + 1 :]]
    command[command.index("--workers") + 1] = "1"  # two cores, shared
    log_path = tmp_path / "gunicorn.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"

    def listening() -> bool:
        if process.poll() is not None:
            raise AssertionError("gunicorn stopped:\n" + log_path.read_text())
        try:
            requests.get(url + "/", timeout=5, allow_redirects=False)
        except requests.ConnectionError:
            return False
        return True

    try:
        wait_until(listening, 60, lambda: "gunicorn did not start:\n" + log_path.read_text())
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.mark.integration
@pytest.mark.django_db
def test_the_web_containers_probe_passes_against_production_gunicorn(production_gunicorn, tmp_path):
    port = production_gunicorn
    probe = SERVICES["web"]["healthcheck"]["test"]
    assert probe[:3] == ["CMD", "python", "-c"]
    code = probe[3]
    assert code.count("127.0.0.1:8000") == 1  # the container's port, bound by `web`
    code = code.replace("127.0.0.1:8000", f"127.0.0.1:{port}")
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stderr

    # Liveness does not care which host is asked for, nor about the HTTPS redirect.
    url = f"http://127.0.0.1:{port}/livez/"
    response = requests.get(url, headers={"Host": "evil.example"}, allow_redirects=False)
    assert response.status_code == 200 and response.text == "ok\n"
    # Everything else keeps production's host validation (why the old probe failed).
    old = requests.get(f"http://127.0.0.1:{port}/healthz/", allow_redirects=False, timeout=30)
    assert old.status_code != 200
    assert "DisallowedHost" in (tmp_path / "gunicorn.log").read_text()
