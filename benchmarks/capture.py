"""Capture proxy benchmark: a trivial upstream driven directly and through `modelwatch capture`.

    .venv/bin/python benchmarks/capture.py [--duration 60] [--concurrency 32]

One run, same machine, same client, same concurrency, direct and proxied alternating in 5 s
slices (so that the noise of a shared machine falls on both alike):
1. peak: closed loop, `--concurrency` requests in flight;
2. half load: open loop at half the proxy's peak rate, for the latency the proxy adds when it is
   not saturated;
3. the proxy is stopped with SIGTERM and its capture files are counted against the requests sent
   through it (100% sampling).
Ratios are what to read on a noisy machine: both sides of each ratio ran moments apart.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import numpy as np

SLICE_SECONDS = 5.0
BODY = json.dumps({"instances": [[0.5, 1.25, 3.0, 7.5, 12.0, 0.0, 1.0, 2.0]]}).encode()


async def upstream_app(scope: dict, receive, send) -> None:  # type: ignore[no-untyped-def]
    """The trivial model: answers every POST with a fixed JSON prediction."""
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    payload = b'{"predictions":[0.42]}'
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


@dataclass
class Result:
    name: str
    seconds: float
    latencies: np.ndarray
    errors: int

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds

    def percentile(self, q: float) -> float:
        return float(np.percentile(self.latencies, q) * 1000) if len(self.latencies) else float("nan")

    def line(self) -> str:
        return (
            f"{self.name:<28} {self.rate:>9.0f} req/s   p50 {self.percentile(50):6.2f} ms   "
            f"p99 {self.percentile(99):6.2f} ms   requests {len(self.latencies):>7}   errors {self.errors}"
        )


async def closed_loop(name: str, url: str, concurrency: int, duration: float) -> Result:
    latencies: list[float] = []
    errors = 0
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as session:
        deadline = time.perf_counter() + duration

        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < deadline:
                latency = await timed_post(session, url)
                if latency is None:
                    errors += 1
                else:
                    latencies.append(latency)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return Result(name, elapsed, np.array(latencies), errors)


async def timed_post(session: aiohttp.ClientSession, url: str) -> float | None:
    """One request's latency in seconds, or None when it failed or was not answered 200."""
    started = time.perf_counter()
    try:
        async with session.post(url, data=BODY, headers={"content-type": "application/json"}) as reply:
            await reply.read()
            ok = reply.status == 200
    except aiohttp.ClientError:
        ok = False
    return time.perf_counter() - started if ok else None


async def open_loop(name: str, url: str, rate: float, duration: float, concurrency: int) -> Result:
    """Requests start on a fixed schedule whatever the answers do (over at most `concurrency`
    connections, as wrk2 does); a request waiting for a free connection counts that wait."""
    latencies: list[float] = []
    errors = 0
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as session:

        async def one() -> None:
            nonlocal errors
            latency = await timed_post(session, url)
            if latency is None:
                errors += 1
            else:
                latencies.append(latency)

        tasks = []
        started = time.perf_counter()
        for index in range(int(rate * duration)):
            delay = started + index / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one()))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - started
    return Result(name, elapsed, np.array(latencies), errors)


def alternate(
    direct: Callable[[float], Coroutine[Any, Any, Result]],
    proxied: Callable[[float], Coroutine[Any, Any, Result]],
    duration: float,
) -> tuple[Result, Result]:
    """Run both sides in alternating slices of a few seconds, so the machine's noise hits both alike."""
    slices: tuple[list[Result], list[Result]] = ([], [])
    remaining = duration
    while remaining > 0:
        seconds = min(SLICE_SECONDS, remaining)
        slices[0].append(asyncio.run(direct(seconds)))
        slices[1].append(asyncio.run(proxied(seconds)))
        remaining -= seconds
    return merge(slices[0]), merge(slices[1])


def merge(results: list[Result]) -> Result:
    return Result(
        results[0].name,
        sum(result.seconds for result in results),
        np.concatenate([result.latencies for result in results]),
        sum(result.errors for result in results),
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"a server exited early with status {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"nothing listens on port {port}")


def count_records(destination: Path) -> int:
    return sum(len(path.read_bytes().splitlines()) for path in destination.rglob("*.jsonl"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per phase")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--serve-upstream", type=int, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.serve_upstream:
        import uvicorn

        uvicorn.run(
            upstream_app,
            host="127.0.0.1",
            port=arguments.serve_upstream,
            log_level="warning",
            access_log=False,
        )
        return

    upstream_port, proxy_port, metrics_port = free_port(), free_port(), free_port()
    destination = Path(tempfile.mkdtemp(prefix="modelwatch-bench-"))
    modelwatch = str(Path(sys.executable).parent / "modelwatch")
    upstream = subprocess.Popen([sys.executable, __file__, "--serve-upstream", str(upstream_port)])
    proxy = subprocess.Popen(
        [
            modelwatch,
            "capture",
            "--upstream",
            f"http://127.0.0.1:{upstream_port}",
            "--destination",
            str(destination),
            "--listen",
            f"127.0.0.1:{proxy_port}",
            "--metrics-listen",
            f"127.0.0.1:{metrics_port}",
            "--endpoint",
            "bench",
            "--sampling-percentage",
            "100",
        ],
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(upstream_port, upstream)
        wait_for_port(proxy_port, proxy)
        direct_url = f"http://127.0.0.1:{upstream_port}/invocations"
        proxy_url = f"http://127.0.0.1:{proxy_port}/invocations"
        duration, concurrency = arguments.duration, arguments.concurrency
        print(f"{os.cpu_count()} cores, {duration:g} s per phase, concurrency {concurrency}, 100% sampling")

        warm_up = asyncio.run(closed_loop("warm-up", proxy_url, concurrency, 1.0))
        direct_peak, proxy_peak = alternate(
            lambda seconds: closed_loop("direct, peak", direct_url, concurrency, seconds),
            lambda seconds: closed_loop("proxy, peak", proxy_url, concurrency, seconds),
            duration,
        )
        print(direct_peak.line())
        print(proxy_peak.line())
        half = proxy_peak.rate / 2
        direct_half, proxy_half = alternate(
            lambda seconds: open_loop(f"direct, {half:.0f} req/s", direct_url, half, seconds, concurrency),
            lambda seconds: open_loop(f"proxy, {half:.0f} req/s", proxy_url, half, seconds, concurrency),
            duration,
        )
        print(direct_half.line())
        print(proxy_half.line())

        proxy.send_signal(signal.SIGTERM)
        proxy.wait(120)
        through_proxy = sum(
            len(result.latencies) + result.errors for result in (warm_up, proxy_peak, proxy_half)
        )
        captured = count_records(destination)
    finally:
        for process in (proxy, upstream):
            if process.poll() is None:
                process.terminate()
                process.wait(30)

    print()
    added_p99 = proxy_half.percentile(99) - direct_half.percentile(99)
    added_p50 = proxy_half.percentile(50) - direct_half.percentile(50)
    print(f"throughput, proxy / direct at peak:   {proxy_peak.rate / direct_peak.rate:6.1%}")
    print(f"p99 added at half the proxy's peak:   {added_p99:6.2f} ms")
    print(f"p50 added at half the proxy's peak:   {added_p50:6.2f} ms")
    print(f"captured records / requests sent:     {captured} / {through_proxy}")


if __name__ == "__main__":
    main()
