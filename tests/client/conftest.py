"""A real ``modelwatch server`` per test module, on a free loopback port, with an admin and a read token.

Started once per module (a server takes a second or two), with the captures of one hour of the demo's
traffic and a baseline written beside it for ``schedules run``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from modelwatch.baseline import suggest_baseline
from modelwatch.client import Client
from modelwatch.demo import ENDPOINT, VARIANT, churn_test_inputs, churn_training_data, write_capture
from server_process import running_server

ADMIN_TOKEN = "admin-secret"
READ_TOKEN = "read-secret"
HOUR = datetime(2026, 11, 29, 10, tzinfo=UTC)


@dataclass(frozen=True)
class Server:
    url: str
    capture_uri: str
    """One hour of captured traffic from `HOUR`."""
    baseline: Path
    """A folder with the baseline's statistics.json and constraints.json."""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("server")
    write_capture(root / "capture", churn_test_inputs().slice(1, 120), HOUR)
    suggest_baseline(str(churn_training_data()), str(root / "baseline"))
    tokens = ["--admin-token", ADMIN_TOKEN, "--read-token", READ_TOKEN]
    with running_server(root / "data", *tokens) as url:
        yield Server(url, str(root / "capture" / ENDPOINT / VARIANT), root / "baseline")


@pytest.fixture(scope="module")
def admin(server: Server) -> Iterator[Client]:
    with Client(server.url, ADMIN_TOKEN) as client:
        yield client


@pytest.fixture(scope="module")
def reader(server: Server) -> Iterator[Client]:
    """The same server with a read-only token: every GET works, every write is 403."""
    with Client(server.url, READ_TOKEN) as client:
        yield client


def wait_until_finished(client: Client, schedule: str) -> int:
    """The id of the schedule's latest execution, once it has finished."""
    deadline = time.monotonic() + 120
    while True:
        items = client.executions.list(schedule=schedule)["items"]
        if items and items[0]["status"] not in ("Pending", "InProgress"):
            return items[0]["id"]
        assert time.monotonic() < deadline, items
        time.sleep(0.3)
