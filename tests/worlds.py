"""Heavy worlds built once for a run of tests instead of once per test.

A world (a published RFP two vendors bid on, its deadline passed...) costs a quarter
of a second through the real services; a module of forty tests paid it forty times.
Here a world is built once, inside a transaction opened before the first test that
wants it and rolled back as soon as a test that does not want it comes (or the
session ends). Each test's own transaction (pytest-django's) nests inside it as a
savepoint, so whatever a test changes is undone before the next one, and every test
still starts from the world exactly as built. A test that does not ask for the world
never sees it: the world is gone before that test starts.

A world is handed out by fixtures (`WorldSpec.fixtures`, defined in the conftest or
module at `WorldSpec.defined_in`). A test wants it when it uses the first of them and
every one of them it uses is that definition (a module that overrides one builds its
own); the fixtures then ask `current(request, name)` for their object's primary key
and re-read it (fresh instances, never the builder's). When the world cannot be used
(a test that commits, `transaction=True`; a variant the spec excludes) `current`
answers None and the fixture builds its own, as before. The people in a world are the role
fixtures' people (same e-mail addresses): the role fixtures find them instead of
making them twice (tests/conftest.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import override_settings


def _never(item: pytest.Item) -> bool:
    return False


@dataclass(frozen=True)
class WorldSpec:
    name: str
    fixtures: tuple[str, ...]  # the fixtures that hand it out; a test wants it if it uses the first
    defined_in: str  # where they are defined (a conftest's or module's node id: "tests/scoring")
    build: Callable[[], dict[str, Any]]  # makes the world: primary keys by fixture name
    excluded: Callable[[pytest.Item], bool] = _never  # variants that build their own


SPECS: dict[str, WorldSpec] = {}
STASH_KEY = pytest.StashKey["Worlds"]()  # the session's Worlds, for the hooks


def register(spec: WorldSpec) -> None:
    SPECS[spec.name] = spec


def is_transactional(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    if marker is not None and (
        marker.kwargs.get("transaction") or (marker.args and marker.args[0])
    ):
        return True
    return bool({"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ())))


def wanted_by(item: pytest.Item) -> WorldSpec | None:
    info = getattr(item, "_fixtureinfo", None)
    if info is None or is_transactional(item):
        return None
    resolved = info.name2fixturedefs
    for spec in SPECS.values():
        if spec.fixtures[0] not in resolved or spec.excluded(item):
            continue
        used = [name for name in spec.fixtures if name in resolved]
        if all(resolved[name][-1].baseid == spec.defined_in for name in used):
            return spec
    return None


def _wanted(item: pytest.Item) -> tuple[WorldSpec | None, tuple[str, str] | None]:
    """The world the test wants and its key (its module and the world's name)."""
    spec = wanted_by(item)
    return spec, ((str(item.path), spec.name) if spec else None)


@dataclass
class Worlds:
    """The one world alive in this test process, if any."""

    key: tuple[str, str] | None = None
    value: Any = None
    _outer: Any = field(default=None, repr=False)

    def enter(self, item: pytest.Item, blocker: Any, media_root: Path) -> None:
        """Before the test's own transaction opens: keep the world it wants (same
        module, same world) or replace it."""
        spec, key = _wanted(item)
        if key == self.key:
            return
        self.leave(blocker)
        if spec is None:
            return
        with blocker.unblock():
            if connection.in_atomic_block:  # not ours: leave the fixture to build its own
                return
            outer = transaction.atomic()
            outer.__enter__()
            # Like Django's own TestCase atomics: a durable block inside a test is allowed.
            connection.atomic_blocks[-1]._from_testcase = True
            try:
                with override_settings(MEDIA_ROOT=media_root):
                    self.value = spec.build()
            except BaseException:
                transaction.set_rollback(True)
                outer.__exit__(None, None, None)
                raise
        self._outer, self.key = outer, key

    def leave_unless_wanted(self, item: pytest.Item, blocker: Any) -> None:
        """Before anything of the test runs (its setup hooks may flush the database)."""
        if self.key != _wanted(item)[1]:
            self.leave(blocker)

    def leave(self, blocker: Any) -> None:
        if self._outer is None:
            return
        with blocker.unblock():
            transaction.set_rollback(True)
            self._outer.__exit__(None, None, None)
        self._outer = self.key = self.value = None

    def current(self, request: pytest.FixtureRequest, fixture: str) -> Any:
        """The primary key the world holds for `fixture`, for this test; None when the
        test has no world (the fixture then builds its own)."""
        if self.key is None or self.key[0] != str(request.node.path):
            return None
        return self.value.get(fixture)
