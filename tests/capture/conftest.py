from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from modelwatch.capture import CaptureWriter
from modelwatch.capture.metrics import ProxyMetrics
from modelwatch.capture.proxy import CaptureProxy
from modelwatch.formats.capture import CaptureRecord, parse_capture_line

from .servers import Upstream, serve_in_thread, serve_proxy_in_thread


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
    with serve_proxy_in_thread(capture_proxy) as url:
        yield RunningProxy(url, upstream_url, app, writer, metrics, destination)
    writer.close()


@pytest.fixture
def unused_port() -> int:
    """A loopback port nothing listens on (bound then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class S3Server:
    """moto's S3 in server mode on a fixed loopback port, so it can be stopped and started again."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.bucket = f"captures-{uuid.uuid4().hex[:12]}"  # moto keeps buckets across tests in a process
        self._server: ThreadedMotoServer | None = None

    def start(self) -> None:
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self._server.start()

    def stop(self) -> None:
        """Stop serving and release the port (moto's stop() leaves the socket listening)."""
        assert self._server is not None
        self._server.stop()
        self._server._server.server_close()  # type: ignore[union-attr]
        self._server = None

    def storage_options(self) -> dict[str, Any]:
        return {
            "client_kwargs": {"endpoint_url": self.url, "region_name": "us-east-1"},
            "key": "testing",
            "secret": "testing",
            "config_kwargs": {"connect_timeout": 1, "read_timeout": 2, "retries": {"max_attempts": 1}},
            "skip_instance_cache": True,
        }

    def client(self) -> Any:
        return boto3.client(
            "s3",
            endpoint_url=self.url,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )


@pytest.fixture
def s3_server(unused_port: int, monkeypatch: pytest.MonkeyPatch) -> Iterator[S3Server]:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    server = S3Server(unused_port)
    server.start()
    server.client().create_bucket(Bucket=server.bucket)
    yield server
    if server._server is not None:
        server.stop()


def read_s3_records(server: S3Server, prefix: str = "") -> list[CaptureRecord]:
    client = server.client()
    records = []
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=server.bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            assert item["Key"].endswith(".jsonl"), item["Key"]
            text = client.get_object(Bucket=server.bucket, Key=item["Key"])["Body"].read().decode()
            records += [parse_capture_line(line, item["Key"]) for line in text.splitlines()]
    return records
