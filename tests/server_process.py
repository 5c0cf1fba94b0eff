"""A real `modelwatch server` process on a free loopback port, for the tests that talk to it over HTTP.

Stopped with SIGTERM when the test is done, and checked to have exited cleanly (status 0, no traceback).
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_server(data_dir: Path, *options: str) -> Iterator[str]:
    """`modelwatch server` on SQLite in `data_dir`: its URL once it answers; checked to exit cleanly."""
    port = free_port()
    listen = ["--data-dir", str(data_dir), "--listen", f"{HOST}:{port}"]
    process = subprocess.Popen(
        [sys.executable, "-m", "modelwatch", "server", *listen, *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://{HOST}:{port}"
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
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=60)[0]
        assert process.returncode == 0, output
        assert "Traceback" not in output, output
