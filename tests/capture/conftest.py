from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from modelwatch.capture import CaptureWriter
from modelwatch.capture.metrics import ProxyMetrics
from modelwatch.capture.proxy import CaptureProxy
from modelwatch.capture.server import proxy_server_config
from modelwatch.formats.capture import CaptureRecord, parse_capture_line

from .servers import Upstream, serve_config_in_thread, serve_in_thread


@dataclass
class RunningProxy:
    url: str
    upstream_url: str
    upstream: Upstream
    writer: CaptureWriter
    metrics: ProxyMetrics
    destination: Path


def read_records(destination: Path) -> list[CaptureRecord]:
    """Every record under `destination`, parsed with the format model; hidden files are not captures."""
    records = []
    for path in sorted(destination.rglob("*.jsonl")):
        assert not path.name.startswith(".")
        for number, line in enumerate(path.read_text().splitlines(), 1):
            records.append(parse_capture_line(line, f"{path}:{number}"))
    return records


@pytest.fixture
def upstream() -> Iterator[tuple[str, Upstream]]:
    app = Upstream()
    with serve_in_thread(app) as url:
        yield url, app


@pytest.fixture
def proxy(upstream: tuple[str, Upstream], tmp_path: Path) -> Iterator[RunningProxy]:
    upstream_url, app = upstream
    destination = tmp_path / "capture"
    writer = CaptureWriter(str(destination), "demo", max_body_bytes=100_000)
    metrics = ProxyMetrics(writer)
    capture_proxy = CaptureProxy(upstream_url, writer, metrics, timeout_seconds=2.0)
    with serve_config_in_thread(proxy_server_config(capture_proxy, "127.0.0.1", 0)) as url:
        yield RunningProxy(url, upstream_url, app, writer, metrics, destination)
    writer.close()


@pytest.fixture
def unused_port() -> int:
    """A loopback port nothing listens on (bound then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
