"""The capture benchmark's C load generator (`benchmarks/loadgen.c`) against a real server on loopback:
it must count what it sent, what was answered and what failed exactly, or the benchmark's ratios,
latencies and its captured / sent check mean nothing."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

SOURCE = Path(__file__).parents[2] / "benchmarks" / "loadgen.c"
BODY = b'{"instances": [[1.0, 2.0]]}'
REQUEST = (
    b"POST /invocations HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n"
    b"content-length: " + str(len(BODY)).encode() + b"\r\n\r\n" + BODY
)


@dataclass
class Behaviour:
    failing_every: int = 0  # answer 500 to every n-th request
    split: bool = False  # write the head and the body apart, a moment between them
    close_after: int = 0  # close each connection after this many answers
    chunked: bool = False  # frame bodies by chunks, not by a Content-Length


class _Model(asyncio.Protocol):
    def __init__(self, server: Server) -> None:
        self.server = server
        self.pending = b""
        self.answered = 0
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.pending += data
        while len(self.pending) >= len(REQUEST):
            assert self.pending.startswith(REQUEST)
            self.pending = self.pending[len(REQUEST) :]
            asyncio.get_running_loop().create_task(self._answer())

    async def _answer(self) -> None:
        assert self.transport is not None
        behaviour = self.server.behaviour
        self.server.requests += 1
        failing = behaviour.failing_every and self.server.requests % behaviour.failing_every == 0
        self.server.failed += bool(failing)
        payload = b'{"predictions": [0.5]}'
        framing = "transfer-encoding: chunked" if behaviour.chunked else f"Content-Length: {len(payload)}"
        head = (
            f"HTTP/1.1 {'500 Internal Server Error' if failing else '200 OK'}\r\n"
            f"content-type: application/json\r\n{framing}\r\n\r\n"
        ).encode()
        if behaviour.chunked:
            payload = b"%x\r\n%s\r\n0\r\n\r\n" % (len(payload), payload)
        if behaviour.split:
            self.transport.write(head)
            await asyncio.sleep(0.002)
            self.transport.write(payload)
        else:
            self.transport.write(head + payload)
        self.answered += 1
        if behaviour.close_after and self.answered >= behaviour.close_after:
            self.transport.close()


class Server:
    """A model on loopback in a thread of its own, counting the requests it answered."""

    def __init__(self, behaviour: Behaviour) -> None:
        self.behaviour = behaviour
        self.requests = 0
        self.failed = 0
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(ready,), daemon=True)
        self.thread.start()
        ready.wait(10)

    def _run(self, ready: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(self.loop.create_server(lambda: _Model(self), "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        ready.set()
        self.loop.run_forever()
        server.close()

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.fixture(scope="module")
def loadgen(tmp_path_factory: pytest.TempPathFactory) -> Path:
    compiler = shutil.which("cc") or shutil.which("gcc")
    assert compiler is not None, "the C extensions need a compiler, and so does the load generator"
    binary = tmp_path_factory.mktemp("loadgen") / "loadgen"
    subprocess.run(
        [compiler, "-O2", "-Wall", "-Wextra", "-Werror", "-o", str(binary), str(SOURCE), "-lm"], check=True
    )
    return binary


Serve = Callable[[Behaviour], "Server"]


@pytest.fixture
def serve() -> Iterator[Serve]:
    started: list[Server] = []

    def start(behaviour: Behaviour) -> Server:
        server = Server(behaviour)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def run(
    loadgen: Path, tmp_path: Path, port: int, connections: int, rate: float, seconds: float
) -> tuple[subprocess.CompletedProcess[str], np.ndarray]:
    request, latencies = tmp_path / "request", tmp_path / "latencies"
    request.write_bytes(REQUEST)
    arguments = (port, connections, rate, seconds, request, latencies)
    finished = subprocess.run(
        [str(loadgen), *map(str, arguments)], capture_output=True, text=True, timeout=60, check=False
    )
    return finished, (np.fromfile(latencies) if latencies.exists() else np.array([]))


def test_closed_loop_counts_every_answer(loadgen: Path, tmp_path: Path, serve: Serve) -> None:
    server = serve(Behaviour())
    finished, latencies = run(loadgen, tmp_path, server.port, 4, 0, 0.3)
    assert finished.returncode == 0, finished.stderr
    summary = json.loads(finished.stdout)
    assert summary["errors"] == 0
    assert summary["sent"] == server.requests == len(latencies)
    assert len(latencies) > 50
    assert 0.3 <= summary["seconds"] < 5
    assert (latencies > 0).all()
    assert (latencies < summary["seconds"]).all()
    assert summary["cpu"] > 0


def test_open_loop_sends_rate_times_seconds_and_times_from_when_due(
    loadgen: Path, tmp_path: Path, serve: Serve
) -> None:
    """Answers take 2 ms: at 2,000 requests/s over one connection most requests wait for it, and
    their latency counts that wait (a closed loop would hide it: coordinated omission)."""
    server = serve(Behaviour(split=True))
    finished, latencies = run(loadgen, tmp_path, server.port, 1, 2000, 0.25)
    assert finished.returncode == 0, finished.stderr
    summary = json.loads(finished.stdout)
    assert summary["sent"] == server.requests == len(latencies) == 500
    assert summary["errors"] == 0
    # 500 requests due over 0.25 s, answered one at a time at 2 ms or more each: at least a second
    assert summary["seconds"] >= 1.0
    # the last was due at 0.25 s and answered after 1 s: its latency counts from when it was due
    assert latencies.max() >= 0.7


def test_open_loop_without_waiting(loadgen: Path, tmp_path: Path, serve: Serve) -> None:
    server = serve(Behaviour())
    finished, latencies = run(loadgen, tmp_path, server.port, 8, 1000, 0.5)
    assert finished.returncode == 0, finished.stderr
    summary = json.loads(finished.stdout)
    assert summary["sent"] == server.requests == len(latencies) == 500
    assert 0.499 <= summary["seconds"] < 1.5  # the last request is due at 0.499 s
    assert float(np.median(latencies)) < 0.05


def test_statuses_other_than_200_are_errors_not_latencies(
    loadgen: Path, tmp_path: Path, serve: Serve
) -> None:
    server = serve(Behaviour(failing_every=3, split=True))
    finished, latencies = run(loadgen, tmp_path, server.port, 4, 1000, 0.3)
    assert finished.returncode == 0, finished.stderr
    summary = json.loads(finished.stdout)
    assert summary["sent"] == server.requests == 300
    assert summary["errors"] == server.failed == 100
    assert len(latencies) == 200


@pytest.mark.parametrize(
    ("behaviour", "answered"),
    [(Behaviour(close_after=5), 20), (Behaviour(chunked=True), 4)],
    ids=["closed after five answers", "no Content-Length"],
)
def test_a_run_whose_connections_all_fail_is_an_error(
    loadgen: Path, tmp_path: Path, serve: Serve, behaviour: Behaviour, answered: int
) -> None:
    """A connection closed under a request, or a response the generator cannot delimit, ends that
    connection; a closed loop with none left must fail, not report the short run as a result."""
    server = serve(behaviour)
    finished, _ = run(loadgen, tmp_path, server.port, 4, 0, 0.3)
    assert finished.returncode == 1
    assert finished.stderr.strip() == "loadgen: every connection failed"
    assert server.requests == answered


def test_bad_arguments_are_one_line_errors(loadgen: Path, tmp_path: Path) -> None:
    finished = subprocess.run(
        [str(loadgen), "0", "4", "0", "1", "x", "y"], capture_output=True, text=True, check=False
    )
    assert finished.returncode == 2
    assert finished.stderr.count("\n") == 1
    assert "PORT and CONNECTIONS must be positive" in finished.stderr
    (tmp_path / "empty").write_bytes(b"")
    finished = subprocess.run(
        [str(loadgen), "9", "1", "0", "1", str(tmp_path / "empty"), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert finished.returncode == 2
    assert finished.stderr == f"loadgen: {tmp_path / 'empty'}: the request must be 1 to 65535 bytes\n"
