"""A real ``modelwatch server`` per test module, on a free loopback port, with an admin and a read token.

Started as in tests/service/server/test_server.py, once per module (a server takes a second or two), with
the captures of one hour of the demo's traffic and a baseline written beside it for ``schedules run``.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from modelwatch.baseline import suggest_baseline
from modelwatch.client import Client
from modelwatch.demo import ENDPOINT, VARIANT, churn_test_inputs, churn_training_data, write_capture

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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("server")
    port = free_port()
    options = ["--data-dir", str(root / "data"), "--listen", f"127.0.0.1:{port}"]
    tokens = ["--admin-token", ADMIN_TOKEN, "--read-token", READ_TOKEN]
    process = subprocess.Popen(
        [sys.executable, "-m", "modelwatch", "server", *options, *tokens],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    write_capture(root / "capture", churn_test_inputs().slice(1, 120), HOUR)
    suggest_baseline(str(churn_training_data()), str(root / "baseline"))
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(f"{url}/openapi.json").raise_for_status()
            break
        except httpx.TransportError:
            assert process.poll() is None, process.communicate()[0]
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
    try:
        yield Server(url, str(root / "capture" / ENDPOINT / VARIANT), root / "baseline")
    finally:
        process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=60)[0]
        assert process.returncode == 0, output
        assert "Traceback" not in output


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
