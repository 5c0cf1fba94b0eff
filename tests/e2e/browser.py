"""Debian's chromium driven by Playwright: its launch, and a tab recording what a page logged and fetched.

The browser is the system's /usr/bin/chromium (`.ci/run` installs it); Playwright never downloads one.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
VIEWPORT = {"width": 1280, "height": 800}


def require_chromium(environ: Mapping[str, str]) -> Path:
    """Debian's chromium; without it the browser tests skip, or fail under CI (which must have it)."""
    found = shutil.which("chromium")
    if found is None:
        message = "chromium is not installed (no chromium on PATH; apt-get install chromium)"
        if environ.get("CI"):
            pytest.fail(f"{message}; CI must install it (.ci/run does)")
        pytest.skip(f"{message}: the dashboard's browser tests need it")
    return Path(found)


@dataclass
class Tab:
    """A page on one server; what it logged as errors and every URL it requested, for `assert_clean`."""

    page: Page
    origin: str
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    refusals: list[tuple[int, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.context.on("request", lambda request: self.requests.append(request.url))
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))

    def open(self, path: str) -> Page:
        response = self.page.goto(self.origin + path)
        assert response is not None, path
        assert response.ok, f"GET {path}: {response.status}"
        return self.page

    def expect_refusal(self, status: int, path: str) -> None:
        """A request the test makes fail on purpose: chromium logs its status as a console error."""
        self.refusals.append((status, path))

    def assert_clean(self) -> None:
        """No console error or uncaught exception, and nothing fetched from anywhere but the server."""
        errors = [error for error in self.errors if not self._expected(error)]
        assert not errors, "the page logged errors:\n" + "\n".join(errors)
        elsewhere = [url for url in self.requests if not url.startswith(self.origin + "/")]
        assert not elsewhere, "the dashboard must work offline, yet it fetched " + ", ".join(elsewhere)

    def _expected(self, error: str) -> bool:
        return any(
            f"status of {status} (" in error and error.endswith(f"({self.origin}{path})")
            for status, path in self.refusals
        )

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(f"console: {message.text} ({message.location.get('url')})")


@contextmanager
def open_tab(browser: Browser, origin: str) -> Iterator[Tab]:
    """A fresh context (no cookies, no storage) with one page on `origin`; checked clean when it closes."""
    context = browser.new_context(viewport=VIEWPORT)
    tab = Tab(context.new_page(), origin)
    try:
        yield tab
        tab.assert_clean()
    finally:
        context.close()
