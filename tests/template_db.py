"""A pre-built, migrated template of the test database.

Migrating a test database from nothing takes about 15 seconds, and every parallel test
process (pytest-xdist) would do it. Instead the first process to need it builds a
template once for the current migrations (keyed by a hash of the migration files), and
each process copies it into its own test database (a file copy on SQLite, CREATE
DATABASE ... TEMPLATE on PostgreSQL), which takes well under a second. The tests never
touch the template; a run that is cut off leaves at worst a stale copy, replaced at the
next run. A new or changed migration changes the key, and the template is built afresh.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
PREFIX = "bpo_test_template_"


# A first-party module a migration imports (the data migrations load the starter
# templates, the starter criteria and the taxonomy from their apps): `import a.b`,
# `from a.b import c` (c a module or a name in a.b).
_OURS = r"(?:accounts|bpo_portal|home|jobs|proposals|reports|rfp|scoring|vendors)(?:\.\w+)*"
_FIRST_PARTY_IMPORT = re.compile(
    rf"^\s*(?:import\s+({_OURS})|from\s+({_OURS})\s+import\s+\(?([\w\s,]+))", re.MULTILINE
)


def _module_files(dotted: str) -> list[Path]:
    path = ROOT.joinpath(*dotted.split("."))
    return [p for p in (path.with_suffix(".py"), path / "__init__.py") if p.is_file()]


def _imported_modules(source: str) -> set[str]:
    modules = set()
    for imported, package, names in _FIRST_PARTY_IMPORT.findall(source):
        modules.add(imported or package)
        for name in names.replace("(", " ").split(",") if package else ():
            if name.strip():
                modules.add(f"{package}.{name.split()[0]}")
    return modules


def migrations_key() -> str:
    """Changes whenever what the migrations build changes: a migration file added,
    removed or edited, a module of ours one of them imports edited, or the installed
    apps (their content types and permissions) changed."""
    migrations = sorted(ROOT.glob("*/migrations/*.py"))
    imported = {
        module_file
        for path in migrations
        for dotted in _imported_modules(path.read_text())
        for module_file in _module_files(dotted)
    }
    digest = hashlib.sha256(repr(list(settings.INSTALLED_APPS)).encode())
    for path in [*migrations, *sorted(imported)]:
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


@contextmanager
def _locked() -> Iterator[None]:
    """One process at a time builds the template; the others wait for it."""
    lock_path = Path(settings.VAR_DIR) / "test-template.lock"
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _migrate(database_url: str) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bpo_portal.settings.test",
        "DATABASE_URL": database_url,
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )


# --- SQLite ----------------------------------------------------------------------------------


def _sqlite_template() -> Path:
    template = Path(settings.VAR_DIR) / f"{PREFIX}{migrations_key()}.sqlite3"
    if template.exists():
        return template
    building = template.with_suffix(f".building-{os.getpid()}")
    _migrate(database_url(settings.DATABASES["default"], str(building)))
    with sqlite3.connect(building) as db:  # everything in the main file, nothing in the WAL
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.execute("PRAGMA journal_mode=DELETE")
    for stale in Path(settings.VAR_DIR).glob(f"{PREFIX}*"):
        if stale != building:
            stale.unlink(missing_ok=True)
    os.replace(building, template)
    return template


def _sqlite_remove(name: str) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(name + suffix).unlink(missing_ok=True)


def _sqlite_copy(test_name: str) -> None:
    with _locked():
        template = _sqlite_template()
    _sqlite_remove(test_name)
    shutil.copyfile(template, test_name)


# --- PostgreSQL ------------------------------------------------------------------------------


def _pg_connect(db: dict[str, Any]) -> psycopg.Connection[Any]:
    return psycopg.connect(
        dbname="postgres",
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
        autocommit=True,
    )


def database_url(db: dict[str, Any], name: str) -> str:
    """A DATABASE_URL for a process we start: the server of Django's settings `db`,
    database (or SQLite file) `name`."""
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{name}"
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{name}"


def _pg_databases(admin: psycopg.Connection[Any]) -> set[str]:
    return {row[0] for row in admin.execute("SELECT datname FROM pg_database")}


def _pg_template(admin: psycopg.Connection[Any], db: dict[str, Any]) -> str:
    template = f"{PREFIX}{migrations_key()}"
    existing = _pg_databases(admin)
    if template in existing:
        return template
    building = f"{template}_building_{os.getpid()}"
    admin.execute(f'CREATE DATABASE "{building}"')
    _migrate(database_url(db, building))
    for stale in existing:
        if stale.startswith(PREFIX):
            admin.execute(f'DROP DATABASE IF EXISTS "{stale}" WITH (FORCE)')
    admin.execute(f'ALTER DATABASE "{building}" RENAME TO "{template}"')
    return template


def _pg_copy(db: dict[str, Any], test_name: str) -> None:
    with _pg_connect(db) as admin:
        with _locked():
            template = _pg_template(admin, db)
        admin.execute(f'DROP DATABASE IF EXISTS "{test_name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{test_name}" TEMPLATE "{template}"')


def copy_into_test_database() -> str:
    """Make this process's test database a fresh copy of the template; returns its name."""
    db = settings.DATABASES["default"]
    test_name = db.get("TEST", {}).get("NAME") or f"test_{db['NAME']}"
    if db["ENGINE"].endswith("sqlite3"):
        _sqlite_copy(test_name)
    else:
        _pg_copy(db, test_name)
    return str(test_name)


def remove_sqlite_copy() -> None:
    """SQLite test databases are files named after the process: remove this one's."""
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3") and db.get("TEST", {}).get("NAME"):
        _sqlite_remove(db["TEST"]["NAME"])
