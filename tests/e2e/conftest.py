"""Browser tests: Playwright driving Debian's Chromium against a live server.

Each step can save a screenshot under test-artifacts/e2e/ and checks the page
with axe-core: no serious or critical WCAG violations.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import sync_playwright

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent.parent / "test-artifacts" / "e2e"

# Playwright's sync API runs an event loop in this thread; the ORM calls in the
# tests themselves are synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(items: list[Any]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("BPO_REQUIRE_BROWSER"):  # CI: a skipped journey is a failure
            pytest.fail(message)
        pytest.skip(message)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


class Journey:
    """A browser page that logs in, screenshots each step and checks accessibility."""

    def __init__(
        self, browser: Any, base_url: str, name: str, counter: Iterator[int] | None = None
    ) -> None:
        self.context = browser.new_context(
            viewport={"width": 1280, "height": 900}, accept_downloads=True
        )
        self.page = self.context.new_page()
        self.base_url = base_url
        self.name = name
        self.step_number = 0
        # Journeys of one name (several users in one story) number their steps together.
        self.counter = counter if counter is not None else itertools.count(1)
        self.errors: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on(
            "console",
            lambda message: (
                self.errors.append(message.text)
                if message.type == "error" and "Content Security Policy" in message.text
                else None
            ),
        )
        (ARTIFACTS / name).mkdir(parents=True, exist_ok=True)

    def goto(self, path: str) -> Any:
        response = self.page.goto(self.base_url + path)
        self.page.wait_for_load_state("networkidle")
        return response

    def login(self, email: str, password: str) -> None:
        self.goto("/accounts/login/")
        self.page.fill("input[name=login]", email)
        self.page.fill("input[name=password]", password)
        self.page.click("main button[type=submit]")
        self.page.wait_for_load_state("networkidle")

    def logout(self) -> None:
        self.context.clear_cookies()

    def step(self, label: str, *, check_accessibility: bool = True) -> None:
        """Screenshot the page and check it with axe-core."""
        self.step_number = next(self.counter)
        slug = "".join(c if c.isalnum() else "-" for c in label.lower()).strip("-")
        self.page.screenshot(
            path=str(ARTIFACTS / self.name / f"{self.step_number:02d}-{slug}.png"), full_page=True
        )
        if check_accessibility:
            assert_accessible(self.page, label)
        assert not self.errors, f"{label}: browser errors {self.errors}"

    def close(self) -> None:
        self.context.close()


def assert_accessible(page: Any, label: str) -> None:
    results = Axe().run(
        page,
        options={
            "runOnly": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"],
            "resultTypes": ["violations"],  # passes are not needed: faster
        },
    )
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v.get("impact") in ("serious", "critical")
    ]
    assert not serious, f"{label}: accessibility violations:\n" + "\n".join(serious)


@pytest.fixture
def journey(browser: Any, live_server: Any, request: Any) -> Iterator[Any]:
    created: list[Journey] = []
    counters: dict[str, Iterator[int]] = {}

    def start(name: str | None = None) -> Journey:
        name = name or request.node.name
        if name not in counters:
            shutil.rmtree(ARTIFACTS / name, ignore_errors=True)  # no stale steps of a longer run
            counters[name] = itertools.count(1)
        j = Journey(browser, live_server.url, name, counters[name])
        created.append(j)
        return j

    yield start
    for j in created:
        j.close()
