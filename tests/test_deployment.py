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

import boto3
import pytest
import requests
import yaml
from celery import Celery
from django.conf import settings
from django.core.management import get_commands
from moto.server import ThreadedMotoServer

from tests.helpers import database_url_for_subprocess, free_port, wait_until

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
WEB_NODES = ["web", "web2"]
APP_SERVICES = ["migrate", *WEB_NODES, "worker", "beat"]


def resolve(dotted: str) -> object:
    module, _, attr = dotted.partition(":")
    imported = importlib.import_module(module)
    return getattr(imported, attr) if attr else imported


def test_compose_has_the_production_topology():
    assert set(SERVICES) == {
        "postgres",
        "redis",
        "minio",
        "minio-setup",
        "migrate",
        *WEB_NODES,
        "worker",
        "beat",
    }
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
        "AWS_STORAGE_BUCKET_NAME",
        "AWS_S3_ENDPOINT_URL",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
    } <= keys
    assert "bpo_portal.settings.production" in example.read_text()


def _example_env() -> dict[str, str]:
    return _env_file(ROOT / (SERVICES["web"]["env_file"] + ".example"))


def test_two_web_nodes_run_alike_on_their_own_host_ports():
    first, second = (SERVICES[name] for name in WEB_NODES)
    assert {k: v for k, v in first.items() if k != "ports"} == {
        k: v for k, v in second.items() if k != "ports"
    }
    assert first["ports"] != second["ports"]
    assert [port.split(":")[1] for port in (*first["ports"], *second["ports"])] == ["8000"] * 2
    for name, service in SERVICES.items():
        if name not in WEB_NODES:
            assert "gunicorn" not in service.get("command", []), name
            assert "ports" not in service, f"{name} publishes a port"


def test_beat_runs_exactly_once_and_workers_scale():
    """Two beats would send every periodic task (sweeps, reminders, envelope openings)
    twice; workers are many, and the job code copes with that (run_token, acks_late)."""
    beats = [name for name, svc in SERVICES.items() if "beat" in svc.get("command", [])]
    assert beats == ["beat"]
    assert SERVICES["beat"].get("deploy", {}).get("replicas", 1) == 1
    workers = [name for name, svc in SERVICES.items() if "worker" in svc.get("command", [])]
    assert workers == ["worker"]
    assert SERVICES["worker"]["deploy"]["replicas"] >= 2


def test_the_nodes_share_one_bucket_and_keep_nothing_on_their_own_disk():
    """Every app service reads the same environment file, which names the bucket: what one
    node or worker stores, another reads. No app service mounts a volume, so nothing that
    a user uploaded or a job made can stay on one container's disk."""
    example = _example_env()
    bucket = example["AWS_STORAGE_BUCKET_NAME"]
    assert bucket
    for name in APP_SERVICES:
        assert "volumes" not in SERVICES[name], f"{name} keeps files on its own disk"
        assert SERVICES[name]["env_file"] == SERVICES["web"]["env_file"]
    # The bundled MinIO (optional: a profile) is what the example points at, and its
    # one-shot setup makes that bucket, private.
    assert SERVICES["minio"]["profiles"] == SERVICES["minio-setup"]["profiles"] == ["minio"]
    assert example["AWS_S3_ENDPOINT_URL"] == "http://minio:9000"
    setup = " ".join(SERVICES["minio-setup"]["command"])
    assert f"mc mb --ignore-existing local/{bucket}" in setup
    assert f"mc anonymous set none local/{bucket}" in setup
    assert "ports" not in SERVICES["minio"]
    user, password = (
        SERVICES["minio"]["environment"][k] for k in ("MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD")
    )
    assert user.endswith(f":-{example['AWS_ACCESS_KEY_ID']}}}")
    assert password.endswith(f":-{example['AWS_SECRET_ACCESS_KEY']}}}")
    # No app service waits for MinIO: with AWS S3 the profile is off.
    for name in APP_SERVICES:
        assert "minio" not in SERVICES[name].get("depends_on", {}), name


@pytest.mark.parametrize("node", WEB_NODES)
def test_web_runs_gunicorn_on_our_wsgi_application(node):
    command = SERVICES[node]["command"]
    assert command[0] == "gunicorn"
    application = resolve(command[1])
    assert callable(application)
    assert "8000:8000" in SERVICES["web"]["ports"]
    # Liveness, answered before host validation; /healthz/ is readiness (see below for the
    # probe run against a real gunicorn).
    assert "/livez/" in " ".join(SERVICES[node]["healthcheck"]["test"])


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
    for name in [*WEB_NODES, "worker", "beat"]:
        condition = SERVICES[name]["depends_on"]["migrate"]["condition"]
        assert condition == "service_completed_successfully", name


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
    leaves blank, PostgreSQL/Redis here instead of the compose services, a free port). Its
    files would go to the example's bucket; the probe reads none."""
    port = free_port()
    env_file = SERVICES["web"]["env_file"]
    dropped = {"CACHE_REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "PYTEST_XDIST_WORKER"}
    env = {
        **{k: v for k, v in os.environ.items() if k not in dropped},
        **_env_file(ROOT / f"{env_file}.example"),
        "SECRET_KEY": secrets.token_urlsafe(64),
        "DATABASE_URL": database_url_for_subprocess(),
        "REDIS_URL": settings.REDIS_URL or "redis://127.0.0.1:6379/0",
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
        except (requests.ConnectionError, requests.Timeout):
            return False  # not listening yet, or still loading on a busy machine
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


@pytest.mark.integration
def test_a_file_one_node_stores_is_read_by_another_with_the_example_environment():
    """Two processes under production settings and .env.production.example (the bucket's
    endpoint moved to a real S3 API on this machine, moto's server): what the first stores,
    the second reads, and nobody reads it without signing the request."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        example = _example_env()
        endpoint = f"http://127.0.0.1:{port}"
        client = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name=example["AWS_S3_REGION_NAME"],
            aws_access_key_id=example["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=example["AWS_SECRET_ACCESS_KEY"],
        )
        bucket = example["AWS_STORAGE_BUCKET_NAME"]
        client.create_bucket(Bucket=bucket)
        env = {
            **example,
            "SECRET_KEY": secrets.token_urlsafe(64),
            "DATABASE_URL": "sqlite:///unused.sqlite3",
            "REDIS_URL": "",
            "AWS_S3_ENDPOINT_URL": endpoint,
            "AWS_EC2_METADATA_DISABLED": "true",
        }
        store = (
            "from django.core.files.base import ContentFile; "
            "from django.core.files.storage import storages; "
            "s = storages['default']; print(type(s).__name__); "
            "print(s.save('private/jobs/report.txt', ContentFile(b'made by a worker')))"
        )
        first = _django(["shell", "-c", store], env)
        assert first.returncode == 0, first.stderr
        backend, name = first.stdout.split()[-2:]
        assert backend == "S3Storage" and name.startswith("private/jobs/report")
        read = (
            "from django.core.files.storage import storages; "
            f"print(storages['default'].open({name!r}).read().decode())"
        )
        second = _django(["shell", "-c", read], env)
        assert second.returncode == 0, second.stderr
        assert second.stdout.strip().splitlines()[-1] == "made by a worker"
        unsigned = requests.get(f"{endpoint}/{bucket}/{name}", timeout=10)
        assert unsigned.status_code == 403
    finally:
        server.stop()
