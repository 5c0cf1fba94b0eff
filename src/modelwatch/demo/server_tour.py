"""The demo's last step: the churn monitoring set up on a running `modelwatch server`, through its API.

The server runs in this process (SQLite in the demo folder); the tour registers the endpoint and the
baseline, creates an hourly schedule, runs it now on the drifted hour and waits for the execution.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from modelwatch.errors import ModelwatchError
from modelwatch.service.server import ServerSettings, running_server

HOST = "127.0.0.1"
SCHEDULE = "churn-hourly"


@dataclass
class ServerTour:
    url: str
    execution: dict[str, Any]

    @property
    def report_url(self) -> str:
        return f"{self.url}/api/v1/executions/{self.execution['id']}/files/report.html"


@contextmanager
def demo_server(data_dir: Path, port: int | None = None) -> Iterator[str]:
    """A `modelwatch server` on loopback for as long as the context lasts; yields its URL."""
    port = port or _free_port()
    with running_server(ServerSettings(data_dir=data_dir, host=HOST, port=port)) as app:
        server = uvicorn.Server(uvicorn.Config(app, host=HOST, port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, name="modelwatch-demo-server", daemon=True)
        thread.start()
        deadline = time.monotonic() + 30
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise ModelwatchError(f"the demo server could not start on {HOST}:{port}")
            time.sleep(0.05)
        try:
            yield f"http://{HOST}:{port}"
        finally:
            server.should_exit = True
            thread.join()


def set_up_monitoring(
    url: str, capture_location: Path, baseline_dir: Path, window: tuple[datetime, datetime]
) -> ServerTour:
    """Register the churn endpoint and baseline, schedule hourly analysis, run `window` now."""
    with httpx.Client(base_url=f"{url}/api/v1", timeout=30) as api:
        _post(api, "/endpoints", {"name": "churn", "capture_uri": str(capture_location)})
        baseline = {
            "name": "churn-training",
            "statistics_uri": str(baseline_dir / "statistics.json"),
            "constraints_uri": str(baseline_dir / "constraints.json"),
        }
        _post(api, "/baselines", baseline)
        schedule = {
            "name": SCHEDULE,
            "endpoint": "churn",
            "baseline": "churn-training",
            "cron_expression": "0 * * * *",
        }
        _post(api, "/schedules", schedule)
        _post(
            api, f"/schedules/{SCHEDULE}/runs", {"start": window[0].isoformat(), "end": window[1].isoformat()}
        )
        return ServerTour(url, _finished_execution(api))


def _post(api: httpx.Client, path: str, body: dict[str, Any]) -> None:
    response = api.post(path, json=body)
    if response.status_code >= 400:
        raise ModelwatchError(f"demo server refused POST {path}: {response.text}")


def _finished_execution(api: httpx.Client, timeout: timedelta = timedelta(minutes=2)) -> dict[str, Any]:
    deadline = time.monotonic() + timeout.total_seconds()
    while time.monotonic() < deadline:
        items = api.get("/executions", params={"schedule": SCHEDULE}).json()["items"]
        if items and items[0]["status"] not in ("Pending", "InProgress"):
            execution: dict[str, Any] = api.get(f"/executions/{items[0]['id']}").json()
            return execution
        time.sleep(0.2)
    raise ModelwatchError("the demo's execution did not finish within two minutes")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])
