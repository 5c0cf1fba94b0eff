"""`modelwatch capture` as a user runs it: a real process, real signals."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from modelwatch import storage
from modelwatch.errors import ModelwatchError

from .conftest import S3Server, read_records, read_s3_records
from .servers import Upstream

MODELWATCH = str(Path(sys.executable).parent / "modelwatch")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def capture_process(
    upstream_url: str, destination: str, *options: str
) -> Iterator[tuple[subprocess.Popen, str]]:
    port, metrics_port = _free_port(), _free_port()
    process = subprocess.Popen(
        [
            MODELWATCH,
            "capture",
            "--upstream",
            upstream_url,
            "--destination",
            destination,
            "--listen",
            f"127.0.0.1:{port}",
            "--metrics-listen",
            f"127.0.0.1:{metrics_port}",
            "--endpoint",
            "demo",
            *options,
        ],
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 20
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{metrics_port}/healthz").status_code == 200:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
        except (httpx.HTTPError, OSError):
            pass
        assert process.poll() is None, process.communicate()[1]
        assert time.monotonic() < deadline, "the capture proxy did not start"
        time.sleep(0.05)
    try:
        yield process, f"http://127.0.0.1:{port}"
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()


def test_sigterm_flushes_every_record(upstream: tuple[str, Upstream], tmp_path: Path) -> None:
    with capture_process(upstream[0], str(tmp_path), "--roll-interval", "3600") as (process, url):
        hour = time.time() // 3600
        for _ in range(50):
            response = httpx.post(url + "/echo", content=b"1,2\n", headers={"content-type": "text/csv"})
            assert response.status_code == 200
        if time.time() // 3600 == hour:  # else the hour's roll, not SIGTERM, wrote some of them
            assert read_records(tmp_path) == []  # still in the current hour's file
        process.send_signal(signal.SIGTERM)
        assert process.wait(20) == 0
    records = read_records(tmp_path)
    assert len(records) == 50
    assert all(record.endpoint_input and record.endpoint_input.encoding == "CSV" for record in records)


@pytest.mark.slow
def test_kill_9_loses_at_most_one_roll_interval_and_leaves_no_partial_file(
    upstream: tuple[str, Upstream], tmp_path: Path
) -> None:
    roll_interval = 1.0
    completed: list[tuple[float, str]] = []
    stop = threading.Event()
    with capture_process(upstream[0], str(tmp_path), "--roll-interval", str(roll_interval)) as (process, url):

        def drive() -> None:
            with httpx.Client() as client:
                for index in range(100_000):
                    if stop.is_set():
                        return
                    try:
                        client.post(url + "/echo", content=b"{}", headers={"x-inference-id": str(index)})
                    except httpx.HTTPError:
                        return
                    completed.append((time.time(), str(index)))

        driver = threading.Thread(target=drive)
        driver.start()
        time.sleep(3.5)
        killed_at = time.time()
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)
        stop.set()
        driver.join(10)
    captured = {record.event_metadata.inference_id for record in read_records(tmp_path)}
    must_have = {index for finished, index in completed if finished < killed_at - roll_interval - 1.0}
    assert len(must_have) > 100
    assert must_have <= captured
    visible = [path for path in tmp_path.rglob("*") if path.is_file() and not path.name.startswith(".")]
    assert all(path.suffix == ".jsonl" for path in visible)


def test_kms_encryption_and_storage_options_reach_s3(
    upstream: tuple[str, Upstream], s3_server: S3Server
) -> None:
    destination = f"s3://{s3_server.bucket}/datacapture"
    options = [
        f"client_kwargs.endpoint_url={s3_server.url}",
        "client_kwargs.region_name=us-east-1",
        "key=testing",
        "secret=testing",
    ]
    storage_flags = [flag for option in options for flag in ("--storage-option", option)]
    with capture_process(upstream[0], destination, *storage_flags, "--kms-key-id", "alias/capture") as (
        process,
        url,
    ):
        for _ in range(5):
            assert httpx.post(url + "/echo", content=b"{}").status_code == 200
        process.send_signal(signal.SIGTERM)
        assert process.wait(20) == 0
    assert len(read_s3_records(s3_server)) == 5
    client = s3_server.client()
    items = client.list_objects_v2(Bucket=s3_server.bucket)["Contents"]
    assert items  # one file, or two when the run crossed a minute (a roll window) boundary
    for item in items:
        head = client.head_object(Bucket=s3_server.bucket, Key=item["Key"])
        assert head["ServerSideEncryption"] == "aws:kms"
        assert head["SSEKMSKeyId"].endswith("alias/capture")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            ["--upstream", "ftp://model", "--destination", "{tmp}"],
            "--upstream: expected an http:// or https:// URL",
        ),
        (
            ["--upstream", "http://127.0.0.1:1", "--destination", "{tmp}/file/below"],
            "cannot write capture files",
        ),
        (
            ["--upstream", "http://127.0.0.1:1", "--destination", "{tmp}", "--listen", "8080"],
            "--listen: expected",
        ),
        (
            ["--upstream", "http://127.0.0.1:1", "--destination", "{tmp}", "--capture", "both"],
            "--capture: expected",
        ),
        (
            ["--upstream", "http://127.0.0.1:1", "--destination", "{tmp}", "--storage-option", "novalue"],
            "expected KEY=VALUE",
        ),
    ],
)
def test_bad_arguments_are_one_line_errors(tmp_path: Path, arguments: list[str], message: str) -> None:
    (tmp_path / "file").write_text("")
    result = subprocess.run(
        [MODELWATCH, "capture", *(argument.format(tmp=tmp_path) for argument in arguments)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("error: ")
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_storage_options_nest_and_read_booleans() -> None:
    options = storage.parse_storage_options(
        [
            "client_kwargs.endpoint_url=http://127.0.0.1:9000",
            "anon=false",
            "key=a=b",
            "s3_additional_kwargs.ACL=private",
        ]
    )
    assert options == {
        "client_kwargs": {"endpoint_url": "http://127.0.0.1:9000"},
        "anon": False,
        "key": "a=b",
        "s3_additional_kwargs": {"ACL": "private"},
    }
    with pytest.raises(ModelwatchError, match="already set"):
        storage.parse_storage_options(["a=1", "a.b=2"])
