"""Test helpers shared by several test modules."""

from __future__ import annotations

import contextlib
import datetime as dt
import glob
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import requests
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import OutgoingEmail
from bpo_portal.celery import app as celery_app
from jobs import services as job_services
from jobs.tasks import run_job
from rfp.models import RFP
from tests.template_db import database_url

ROOT = Path(__file__).resolve().parent.parent


def database_url_for_subprocess() -> str:
    return database_url(connection.settings_dict, connection.settings_dict["NAME"])


def subprocess_env(defaults: dict[str, str], extra_env: dict[str, str] | None) -> dict[str, str]:
    """The environment of a process a test starts: ours, the defaults, then the test's.
    A test that points REDIS_URL elsewhere (a private redis-server) moves the cache with
    it, unless it names a cache itself: CACHE_REDIS_URL inherited from this process (each
    parallel test process has its own cache database) would keep the cache on the shared
    Redis."""
    env = {**os.environ, **defaults, **(extra_env or {})}
    if extra_env and "REDIS_URL" in extra_env and "CACHE_REDIS_URL" not in extra_env:
        env.pop("CACHE_REDIS_URL", None)
    return env


class RealWorker:
    """Start `celery worker` as its own process, listening on a private queue.

    `extra_env` overrides the environment (e.g. DJANGO_SETTINGS_MODULE,
    CELERY_VISIBILITY_TIMEOUT); `include` lists extra modules the worker imports
    (e.g. job handlers defined for a test).
    """

    def __init__(
        self,
        queue: str,
        extra_env: dict[str, str] | None = None,
        include: list[str] | None = None,
        name: str = "",
    ) -> None:
        self.queue = queue
        env = subprocess_env(
            {
                "DJANGO_SETTINGS_MODULE": "bpo_portal.settings.base",
                "DATABASE_URL": database_url_for_subprocess(),
                "EMAIL_URL": "consolemail://",
                "CELERY_TASK_ALWAYS_EAGER": "False",
            },
            extra_env,
        )
        node = f"{name or queue}"
        self.log_path = Path(tempfile.gettempdir()) / f"bpo-worker-{node}.log"
        self.log = open(self.log_path, "w")  # noqa: SIM115
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "bpo_portal",
            "worker",
            "-Q",
            queue,
            "--pool=solo",
            "--without-gossip",
            "--without-mingle",
            "-n",
            f"{node}@%h",
            "--loglevel=INFO",
        ]
        if include:
            command += ["--include", ",".join(include)]
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def output(self) -> str:
        return self.log_path.read_text()

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if "ready." in self.log_path.read_text():
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.3)
        raise AssertionError("worker did not start:\n" + self.log_path.read_text())

    def kill(self) -> None:
        """SIGKILL: the worker gets no chance to acknowledge or clean up anything."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=20)
        self.log.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        if not self.log.closed:
            self.log.close()


@contextlib.contextmanager
def jobs_sent_to_a_private_queue(monkeypatch: Any, prefix: str) -> Iterator[str]:
    """For the block, background jobs (jobs.services) no longer run eagerly: they go to a
    new private queue on the configured broker, which only the real workers a test starts
    on it listen to. Yields the queue's name."""
    queue = f"{prefix}-{uuid.uuid4().hex[:8]}"
    monkeypatch.setattr(
        job_services,
        "_send",
        lambda job_id: run_job.apply_async(kwargs={"job_id": job_id}, queue=queue),
    )
    celery_app.conf.task_always_eager = False
    try:
        yield queue
    finally:
        celery_app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER


@contextlib.contextmanager
def workers_on_a_private_queue(
    monkeypatch: Any,
    prefix: str,
    *,
    extra_env: dict[str, str] | None = None,
    include: list[str] | None = None,
) -> Iterator[Callable[[str], RealWorker]]:
    """For the block, jobs go to a private queue (jobs_sent_to_a_private_queue); yields
    `start(name)`, which starts a real worker on it and waits until it is ready. Every
    worker started is stopped at the end."""
    started: list[RealWorker] = []
    with jobs_sent_to_a_private_queue(monkeypatch, prefix) as queue:

        def start(name: str) -> RealWorker:
            worker = RealWorker(queue, extra_env=extra_env, include=include, name=f"{queue}-{name}")
            started.append(worker)
            worker.wait_ready()
            return worker

        try:
            yield start
        finally:
            for worker in started:
                worker.stop()


def move_deadline_into_the_past(rfp_id: int, *, seconds: int = 1) -> None:
    """Test data as the clock would leave it: the RFP was published with a submission
    deadline that passed `seconds` ago (and a question deadline a day before), so its
    seal lifts then too. Services refuse to move a published deadline earlier; tests
    that need time to have passed without travelling use this."""
    deadline = timezone.now().replace(microsecond=0) - dt.timedelta(seconds=seconds)
    RFP.objects.filter(pk=rfp_id).update(
        submission_deadline=deadline,
        seal_lifts_at=deadline,
        question_deadline=deadline - dt.timedelta(days=1),
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until(condition: Callable[[], bool], timeout: float, explain: Callable[[], str]) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(explain())


class LiveServer:
    """The app served by gunicorn in its own process, as in production: one sync worker,
    so that one database connection lives across requests (CONN_MAX_AGE).

    `extra_env` sets DATABASE_URL, REDIS_URL... (by default the test database and this
    process's Redis). Settings: tests/live_settings.py.
    """

    def __init__(self, extra_env: dict[str, str] | None = None, name: str = "server") -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = subprocess_env(
            {
                "DJANGO_SETTINGS_MODULE": "tests.live_settings",
                "DATABASE_URL": database_url_for_subprocess(),
                "REDIS_URL": settings.REDIS_URL,
                "MEDIA_ROOT": str(settings.MEDIA_ROOT),
                "EMAIL_URL": "consolemail://",
                "CELERY_TASK_ALWAYS_EAGER": "False",
            },
            extra_env,
        )
        self.log_path = Path(tempfile.gettempdir()) / f"bpo-{name}-{self.port}.log"
        self.log = open(self.log_path, "w")  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "bpo_portal.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "1",
                "--timeout",
                "120",
                "--access-logfile",
                "-",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def output(self) -> str:
        return self.log_path.read_text()

    def wait_ready(self, timeout: float = 60) -> None:
        def answers() -> bool:
            if self.process.poll() is not None:
                raise AssertionError("the server stopped:\n" + self.output())
            try:
                requests.get(self.url + "/accounts/login/", timeout=5)
            except requests.ConnectionError:
                return False
            return True

        wait_until(answers, timeout, lambda: "the server did not start:\n" + self.output())

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if not self.log.closed:
            self.log.close()


class PrivateRedis:
    """A redis-server of our own on a free port, which a test may stop and start again
    (never the shared one on 6379)."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.folder = folder
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
                "--logfile",
                str(self.folder / "redis.log"),
            ],
        )
        wait_until(self.answers, 20, lambda: "redis-server did not start")

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        """Like a crash or `systemctl stop redis`: the server goes away, the port closes."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
        wait_until(lambda: not self.answers(), 10, lambda: "redis-server did not stop")


class PrivatePostgres:
    """A PostgreSQL cluster of our own (initdb under a temporary folder, a free port),
    which a test may restart (never the shared server on 5432). Runs as the postgres
    user when the tests run as root, as PostgreSQL refuses to run as root."""

    def __init__(self, folder: Path) -> None:
        self.bindir = self.find_bindir()
        self.port = free_port()
        self.folder = folder
        self.data = folder / "data"
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            shutil.chown(folder, "postgres")
        self.user = "postgres"

    @staticmethod
    def find_bindir() -> Path | None:
        pg_config = shutil.which("pg_config")
        if pg_config:
            found = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
            bindir = Path(found.stdout.strip())
            if (bindir / "initdb").exists():
                return bindir
        for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
            if (Path(candidate) / "initdb").exists():
                return Path(candidate)
        initdb = shutil.which("initdb")
        return Path(initdb).parent if initdb else None

    def _run(self, *command: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if self.as_postgres else []
        result = subprocess.run(
            [*prefix, *command], capture_output=True, text=True, timeout=120, cwd=self.folder
        )
        if result.returncode != 0:
            log = self.folder / "postgres.log"
            raise AssertionError(
                f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}"
                + (log.read_text() if log.exists() else "")
            )

    def _pg_ctl(self, action: str, *extra: str) -> None:
        assert self.bindir is not None
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            str(self.bindir / "pg_ctl"),
            action,
            "-D",
            str(self.data),
            "-l",
            str(self.folder / "postgres.log"),
            "-o",
            options,
            "-w",
            *extra,
        )

    def init_and_start(self) -> None:
        assert self.bindir is not None
        self._run(
            str(self.bindir / "initdb"),
            "-D",
            str(self.data),
            "-U",
            self.user,
            "--auth=trust",
            "--no-sync",
            "--encoding=UTF8",
        )
        self._pg_ctl("start")

    def restart(self) -> None:
        """`pg_ctl restart -m fast`: every client connection is cut, as in a real restart."""
        self._pg_ctl("restart", "-m", "fast")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._pg_ctl("stop", "-m", "immediate")

    def url(self, database: str) -> str:
        return f"postgres://{self.user}@127.0.0.1:{self.port}/{database}"

    def copy_database(self, source: dict[str, Any], database: str) -> None:
        """Create `database` here as a copy (schema and rows) of `source` (Django's
        connection settings of another PostgreSQL server)."""
        env = {**os.environ, "PGPASSWORD": source.get("PASSWORD") or ""}
        connect = [
            "-h",
            source.get("HOST") or "127.0.0.1",
            "-p",
            str(source.get("PORT") or 5432),
            "-U",
            source.get("USER") or "postgres",
        ]
        dump = subprocess.run(
            ["pg_dump", *connect, "--no-owner", "--no-privileges", source["NAME"]],
            capture_output=True,
            env=env,
            timeout=120,
        )
        assert dump.returncode == 0, dump.stderr.decode()
        here = ["-h", "127.0.0.1", "-p", str(self.port), "-U", self.user]
        subprocess.run(
            ["psql", *here, "-d", "postgres", "-qc", f'CREATE DATABASE "{database}"'],
            check=True,
            capture_output=True,
        )
        restore = subprocess.run(
            ["psql", *here, "-d", database, "-q", "-v", "ON_ERROR_STOP=1"],
            input=dump.stdout,
            capture_output=True,
            timeout=120,
        )
        assert restore.returncode == 0, restore.stderr.decode()


def reset_password_through_pages(client: Any, email: str, new_password: str) -> Any:
    """Ask for a reset, follow the e-mailed link and choose a new password, as a person
    does (allauth's pages). Returns the last response."""
    client.post(reverse("account_reset_password"), {"email": email})
    link = next(
        match.group(0)
        for mail in OutgoingEmail.objects.order_by("-pk")
        if email in mail.to
        for match in [re.search(r"https?://\S+/accounts/password/reset/key/\S+", mail.text)]
        if match
    )
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    form_url = client.get(path).url
    return client.post(form_url, {"password1": new_password, "password2": new_password})
