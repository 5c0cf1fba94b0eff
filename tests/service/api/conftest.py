"""API fixtures: the app served over real HTTP (uvicorn on 127.0.0.1, in a thread) on a fresh SQLite store."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import uvicorn
from sqlalchemy import select
from starlette.types import ASGIApp, Receive, Scope, Send

from modelwatch.service.api import ApiSettings, create_app
from modelwatch.service.store import Execution, ExecutionStatus, Schedule, Store, open_store

ADMIN = "admin-token"
READER = "read-token"
T0 = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass
class Api:
    """A running API: its client (base URL already ``/api/v1``), store and data directory."""

    client: httpx.Client
    store: Store
    data_dir: Path
    base_url: str


class Switch:
    """An ASGI app that forwards to whichever app the current test installed.

    One uvicorn serves the whole session (starting one per test would double the suite's time); each test
    still gets its own app on its own store.
    """

    def __init__(self) -> None:
        self.app: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert self.app is not None, "no app installed"
        await self.app(scope, receive, send)


@pytest.fixture(scope="session")
def server() -> Iterator[tuple[Switch, str]]:
    """uvicorn on a free port of 127.0.0.1, in a thread, serving a `Switch`; its base URL."""
    switch = Switch()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    uvicorn_server = uvicorn.Server(uvicorn.Config(switch, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=uvicorn_server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not uvicorn_server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    try:
        yield switch, f"http://127.0.0.1:{port}"
    finally:
        uvicorn_server.should_exit = True
        thread.join(10)
        listener.close()


@pytest.fixture
def serve(
    server: tuple[Switch, str],
    tmp_path: Path,
    store_url: str,  # noqa: F811 (the imported fixture, injected by pytest)
) -> Iterator[Callable[..., Api]]:
    """Install the API, with the given tokens, on a fresh store: SQLite in `tmp_path`, or PostgreSQL."""
    switch, base_url = server
    opened: list[tuple[httpx.Client, Store]] = []

    def start(admin: frozenset[str] = frozenset(), read: frozenset[str] = frozenset()) -> Api:
        data_dir = tmp_path / "data"
        data_dir.mkdir(exist_ok=True)
        store = open_store(store_url, data_dir)
        switch.app = create_app(store, ApiSettings(data_dir=data_dir, admin_tokens=admin, read_tokens=read))
        client = httpx.Client(base_url=f"{base_url}/api/v1", timeout=10)
        opened.append((client, store))
        return Api(client, store, data_dir, base_url)

    yield start
    switch.app = None
    for client, store in opened:
        client.close()
        store.close()


@pytest.fixture
def api(serve: Callable[..., Api]) -> Api:
    """An API without auth."""
    return serve()


def create_schedule(client: httpx.Client, name: str = "hourly", **fields: object) -> httpx.Response:
    """Create an endpoint, a baseline and a schedule on them (the first two only if missing)."""
    if client.get("/endpoints/ep").status_code == 404:
        client.post("/endpoints", json={"name": "ep", "capture_uri": "/tmp"}).raise_for_status()
    if client.get("/baselines/base").status_code == 404:
        documents = {"statistics_uri": "/b/statistics.json", "constraints_uri": "/b/constraints.json"}
        client.post("/baselines", json={"name": "base", **documents}).raise_for_status()
    body = {"name": name, "endpoint": "ep", "baseline": "base", "cron_expression": "0 * * * *", **fields}
    return client.post("/schedules", json=body)


def seed_executions(
    store: Store,
    schedule: str,
    statuses: list[ExecutionStatus],
    report_uri: Callable[[int], str | None] = lambda _hour: None,
) -> list[int]:
    """One finished execution per status, on consecutive hourly windows from T0; their ids in that order."""
    ids = []
    with store.session() as session:
        schedule_id = session.scalars(select(Schedule.id).where(Schedule.name == schedule)).one()
        for hour, status in enumerate(statuses):
            start = T0 + timedelta(hours=hour)
            execution = Execution(
                schedule_id=schedule_id,
                window_start=start,
                window_end=start + timedelta(hours=1),
                status=status,
                started_at=start + timedelta(hours=1),
                ended_at=start + timedelta(hours=1, seconds=5),
                duration_seconds=5.0,
                violation_count=0 if status == ExecutionStatus.COMPLETED else None,
                report_uri=report_uri(hour),
            )
            session.add(execution)
            session.flush()
            ids.append(execution.id)
    return ids


# Every API test runs on SQLite and on the store tests' throwaway PostgreSQL (skipped without it, outside CI).
from service.store.conftest import postgres_server, postgres_url, store_url  # noqa: E402, F401
