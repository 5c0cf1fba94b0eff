"""`modelwatch server`: the REST API, the scheduler and `/metrics` in one process, on one store.

The runner ticks in a background thread beside uvicorn's event loop; every execution it starts runs
in a worker process of its own. Finished executions are handed to the alert sender. Several servers
may share one PostgreSQL store: windows are claimed in the database, so each runs once.
"""

from __future__ import annotations

import os
import signal
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

import uvicorn
from sqlalchemy import select
from starlette.types import ASGIApp, Receive, Scope, Send

from modelwatch.service.alerts import AlertSender
from modelwatch.service.api import ApiSettings, create_app
from modelwatch.service.api.auth import BearerAuth
from modelwatch.service.dashboard.reports import Reports
from modelwatch.service.metrics import metrics_app
from modelwatch.service.runner import Runner, RunnerSettings
from modelwatch.service.store import Execution, Store, open_store


@dataclass(frozen=True)
class ServerSettings:
    data_dir: Path
    store_url: str | None = None
    """SQLAlchemy URL; None is SQLite in `data_dir`."""
    host: str = "127.0.0.1"
    port: int = 8700
    admin_tokens: frozenset[str] = field(default_factory=frozenset)
    read_tokens: frozenset[str] = field(default_factory=frozenset)
    public_url: str | None = None
    """The server's address as users reach it, for report links in alerts."""
    protect_metrics: bool = False
    """Whether `/metrics` needs a read (or admin) token like the API; open by default, as scrapers expect."""
    max_catch_up: int = 24
    """Missed windows run after downtime, per schedule (the most recent ones)."""


@contextmanager
def running_server(settings: ServerSettings) -> Iterator[ASGIApp]:
    """The server's ASGI app, with its runner ticking until the context ends."""
    store = open_store(settings.store_url, settings.data_dir)
    sender = AlertSender(store, settings.public_url)
    owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    def finished(execution: Execution) -> None:
        threading.Thread(target=api.state.reports.warm, args=(execution,), daemon=True).start()
        sender.deliver(execution.id)

    runner_settings = RunnerSettings(
        owner=owner, data_dir=settings.data_dir, max_catch_up=settings.max_catch_up
    )
    runner = Runner(store, runner_settings, on_finished=finished)
    api_settings = ApiSettings(
        data_dir=settings.data_dir, admin_tokens=settings.admin_tokens, read_tokens=settings.read_tokens
    )
    metrics = metrics_app(store, runner.health)
    if settings.protect_metrics:
        metrics = BearerAuth(metrics, api_settings, prefix="/metrics")
    api = create_app(store, api_settings, runner)
    app = _with_metrics(api, metrics)
    stop = threading.Event()
    ticking = threading.Thread(
        target=runner.serve_forever, args=(stop,), name="modelwatch-runner", daemon=True
    )
    ticking.start()
    threading.Thread(
        target=summarise_finished_executions,
        args=(store, api.state.reports),
        name="modelwatch-summaries",
        daemon=True,
    ).start()
    try:
        yield app
    finally:
        stop.set()
        ticking.join()
        store.close()


def summarise_finished_executions(store: Store, reports: Reports) -> None:
    """Summarise, newest first, the executions that finished before this server started (an execution
    that finishes later is summarised at once), so that no feature history waits for them. Summaries
    already on disk are only looked up."""
    with store.session() as session:
        executions = session.scalars(
            select(Execution).where(Execution.report_uri.is_not(None)).order_by(Execution.id.desc())
        ).all()
    for execution in executions:
        reports.warm(execution)


def _with_metrics(api: ASGIApp, metrics: ASGIApp) -> ASGIApp:
    """`/metrics` beside the API, at exactly that path."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        target = metrics if scope["type"] == "http" and scope["path"] == "/metrics" else api
        await target(scope, receive, send)

    return app


def serve(settings: ServerSettings) -> None:
    """Run the server until it is interrupted (SIGINT or SIGTERM), then stop the runner and exit 0.

    uvicorn shuts down gracefully on SIGTERM, then raises the signal again for the handler it found:
    ours ends the process normally, so the runner stops (releasing a running window's lease) first.
    """
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    signal.signal(signal.SIGTERM, _exit_normally)
    with running_server(settings) as app:
        uvicorn.run(app, host=settings.host, port=settings.port, log_level="info")


def _exit_normally(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)
