"""A store with executions to alert on, and a real HTTP receiver on 127.0.0.1 that records what it gets.

Every test runs on SQLite and on the store tests' throwaway PostgreSQL (skipped without it, except in CI).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from modelwatch.service.store import (
    Baseline,
    Endpoint,
    Execution,
    ExecutionStatus,
    Schedule,
    Store,
    open_store,
)

from ..store.conftest import postgres_server, postgres_url  # noqa: F401 (fixtures used by `store_url`)

NOW = datetime(2026, 11, 29, 12, 5, tzinfo=UTC)
WINDOW_END = datetime(2026, 11, 29, 12, tzinfo=UTC)


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class Receiver:
    """Answers each POST with the next scripted status (200 once the script runs out) and records it."""

    url: str
    script: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, request: Received) -> int:
        with self.lock:
            self.received.append(request)
            return self.script.pop(0) if self.script else 200


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    receiver = Receiver(f"http://127.0.0.1:{server.server_address[1]}")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length))
            status = receiver.answer(Received(self.path, dict(self.headers.items()), body))
            payload = b"ok" if status < 300 else b"nope\nnot today"
            self.send_response(status)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            """Keep the test output quiet."""

    server.RequestHandlerClass = Handler
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield receiver
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest) -> str | None:
    """None for SQLite in the data directory, or the URL of a new PostgreSQL database."""
    if request.param == "sqlite":
        return None
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def store(store_url: str | None, tmp_path: Path) -> Iterator[Store]:
    opened = open_store(store_url, tmp_path / "data", clock=lambda: NOW)
    yield opened
    opened.close()


@pytest.fixture
def report(tmp_path: Path) -> Path:
    """A report folder whose constraint_violations.json lists 25 violations."""
    folder = tmp_path / "report"
    folder.mkdir()
    violations = [
        {
            "feature_name": f"feature {index}",
            "constraint_check_type": "baseline_drift_check",
            "description": f"Numerical distance: 0.{index + 10} exceeds numerical threshold: 0.1",
        }
        for index in range(25)
    ]
    (folder / "constraint_violations.json").write_text(json.dumps({"violations": violations}))
    return folder


MakeExecution = Callable[..., int]


@pytest.fixture
def make_execution(store: Store) -> MakeExecution:
    """An execution of a new schedule with `settings` as its alert settings; its id."""
    names = iter(range(1000))

    def make(
        settings: dict[str, Any],
        status: ExecutionStatus = ExecutionStatus.COMPLETED_WITH_VIOLATIONS,
        report: Path | None = None,
    ) -> int:
        number = next(names)
        failed = status in {ExecutionStatus.FAILED, ExecutionStatus.STOPPED}
        message = {
            ExecutionStatus.COMPLETED_WITH_VIOLATIONS: (
                "CompletedWithViolations: Job completed successfully with 25 violations."
            ),
            ExecutionStatus.COMPLETED: "Completed: Job completed successfully with no violations.",
        }.get(status, "no captured data between 2026-11-29T11:00:00Z and 2026-11-29T12:00:00Z in /capture")
        with store.session() as session:
            execution = Execution(
                schedule=Schedule(
                    name=f"hourly-{number}",
                    endpoint=Endpoint(name=f"churn-{number}", capture_uri="/capture"),
                    baseline=Baseline(name=f"baseline-{number}", statistics_uri="/s", constraints_uri="/c"),
                    cron_expression="0 * * * *",
                    alert_settings=settings,
                ),
                window_start=WINDOW_END - timedelta(hours=1),
                window_end=WINDOW_END,
                status=status,
                duration_seconds=3.0,
                violation_count=None if failed else (25 if report else 0),
                exit_message=message,
                failure_reason=message if failed else None,
                report_uri=None if report is None else str(report),
            )
            session.add(execution)
            session.flush()
            return execution.id

    return make


class Sleeps(list[float]):
    """An injected `sleep` that records the delays instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)
