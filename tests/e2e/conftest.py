"""The dashboard's browser tests: one seeded server, one server with tokens, one headless chromium.

Everything is session-scoped (a server with its executions takes seconds to set up); the tests that change
the data (a schedule created, stopped, run) use schedules of their own, so the pages the other tests look at
stay as seeded. The test modules share the xdist group "dashboard" (`GROUP`): under `pytest -n`, the
Makefile's `--dist loadgroup` runs them on one worker, so each server starts once (except on pytest 9.2,
where xdist 3.8 ignores the groups, pytest-xdist#1386: each worker running some of them seeds its own).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, sync_playwright

from modelwatch.client import Client
from server_process import running_server

from .browser import CHROMIUM_FLAGS, Tab, open_tab, require_chromium
from .seeding import BASELINE, HOURLY, Seeded, seed

ADMIN_TOKEN = "operator-secret"
READ_TOKEN = "viewer-secret"
GROUP = pytest.mark.xdist_group("dashboard")


@dataclass(frozen=True)
class AuthServer:
    url: str
    schedule: str


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Per module, not per session: while Playwright's sync API runs, its event loop is the thread's running
    loop, and the tests of other modules that a worker runs next could not call asyncio.run()."""
    chromium = require_chromium(os.environ)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(chromium), args=list(CHROMIUM_FLAGS))
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    root = tmp_path_factory.mktemp("dashboard")
    with running_server(root / "data") as url, Client(url) as api:
        yield seed(api, root)


@pytest.fixture(scope="session")
def api(seeded: Seeded) -> Iterator[Client]:
    with Client(seeded.url) as client:
        yield client


@pytest.fixture(scope="session")
def auth_server(seeded: Seeded, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AuthServer]:
    """A second server with an operator (admin) and a viewer (read) token, set up like the first."""
    root = tmp_path_factory.mktemp("dashboard-auth")
    tokens = ["--admin-token", ADMIN_TOKEN, "--read-token", READ_TOKEN]
    with running_server(root / "data", *tokens) as url, Client(url, ADMIN_TOKEN) as operator:
        operator.endpoints.create("churn", seeded.capture_uri)
        operator.baselines.create(
            BASELINE, statistics_uri=seeded.statistics_uri, constraints_uri=seeded.constraints_uri
        )
        operator.schedules.create(HOURLY, endpoint="churn", baseline=BASELINE, cron_expression="0 * * * *")
        yield AuthServer(url, HOURLY)


@pytest.fixture
def tab(browser: Browser, seeded: Seeded) -> Iterator[Tab]:
    with open_tab(browser, seeded.url) as opened:
        yield opened


@pytest.fixture
def auth_tab(browser: Browser, auth_server: AuthServer) -> Iterator[Tab]:
    with open_tab(browser, auth_server.url) as opened:
        yield opened
