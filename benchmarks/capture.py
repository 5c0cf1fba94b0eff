"""Capture proxy benchmark: a trivial upstream driven directly and through `modelwatch capture`.

    .venv/bin/python benchmarks/capture.py [--duration 60] [--concurrency 32]

One run, same machine, same client, same concurrency, direct and proxied alternating in 5 s
slices (so that the noise of a shared machine falls on both alike):
1. peak: closed loop, `--concurrency` requests in flight;
2. half load: open loop at half the proxy's peak rate, for the latency the proxy adds when it is
   not saturated;
3. the proxy is stopped with SIGTERM and its capture files are counted against the requests sent
   through it (100% sampling);
4. references: a minimal Python relay (uvloop, bytes copied, no HTTP parsing, no capture: the
   least a Python proxy costs) and nginx (one worker, no capture) where it is installed, each
   against direct at peak; then direct, a fresh capturing proxy and the references in turn in the
   same slices at each share of the proxy's peak in `--loads` (half load among them). Their added
   p99 is what any proxy adds on this machine at that rate, and the table at the end shows up to
   which load each one stays under the goal's 2 ms.
Ratios are what to read on a noisy machine: both sides of each ratio ran moments apart.
The client is `loadgen.c`, built here with the system's C compiler (it says why C).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import uvloop

SLICE_SECONDS = 5.0
GOAL_ADDED_P99_MS = 2.0  # the goal for the latency the proxy adds at half load
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


class _RelayUpstream(asyncio.Protocol):
    def __init__(self, client: _RelayClient) -> None:
        self.client = client

    def data_received(self, data: bytes) -> None:
        assert self.client.transport is not None
        self.client.transport.write(data)


class _RelayClient(asyncio.Protocol):
    """The least a Python proxy can do: bytes copied both ways between a client connection and its own
    upstream connection, with no HTTP parsing and no capture (a reference, not a proxy: one upstream
    connection per client connection, no error handling)."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.transport: asyncio.Transport | None = None
        self.upstream: asyncio.Transport | None = None
        self.early: list[bytes] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        asyncio.get_running_loop().create_task(self._connect())

    async def _connect(self) -> None:
        loop = asyncio.get_running_loop()
        upstream, _ = await loop.create_connection(
            lambda: _RelayUpstream(self), "127.0.0.1", self.upstream_port
        )
        self.upstream = upstream
        upstream.writelines(self.early)

    def data_received(self, data: bytes) -> None:
        if self.upstream is None:
            self.early.append(data)
        else:
            self.upstream.write(data)


async def serve_relay(port: int, upstream_port: int) -> None:
    server = await asyncio.get_running_loop().create_server(
        lambda: _RelayClient(upstream_port), "127.0.0.1", port
    )
    await server.serve_forever()


NGINX_CONFIG = """
worker_processes 1; daemon off; pid {folder}/nginx.pid; error_log {folder}/error.log;
events {{ worker_connections 4096; }}
http {{
  access_log off; keepalive_requests 100000000; keepalive_timeout 300s;
  client_body_temp_path {folder}; proxy_temp_path {folder};
  upstream model {{ server 127.0.0.1:{upstream}; keepalive 64; keepalive_requests 100000000; }}
  server {{
    listen 127.0.0.1:{port};
    location / {{ proxy_pass http://model; proxy_http_version 1.1; proxy_set_header Connection ""; }}
  }}
}}
"""


def start_nginx(port: int, upstream_port: int) -> tuple[subprocess.Popen, int] | None:
    """nginx (one worker process, upstream keep-alive, no capture) if it is installed: what a
    reverse proxy in C costs here. (Its worker process, whose CPU is measured.)"""
    binary = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if binary is None:
        return None
    folder = Path(tempfile.mkdtemp(prefix="modelwatch-bench-nginx-"))
    (folder / "nginx.conf").write_text(NGINX_CONFIG.format(folder=folder, port=port, upstream=upstream_port))
    master = subprocess.Popen([binary, "-c", str(folder / "nginx.conf")], stderr=subprocess.DEVNULL)
    wait_for_port(port, master)
    children = Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split()
    return master, int(children[0])


def percentile_ms(latencies: np.ndarray, q: float) -> float:
    """The q-th percentile of latencies in seconds, in milliseconds (NaN when there are none)."""
    return float(np.percentile(latencies, q) * 1000) if len(latencies) else float("nan")


@dataclass
class Result:
    name: str
    seconds: float
    latencies: np.ndarray
    errors: int
    cpu: dict[str, float]  # CPU seconds each process spent during the measurement
    sent: int  # requests written, answered or not
    slice_p99s: tuple[float, ...]  # ms, of each slice merged into this result

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds

    def percentile(self, q: float) -> float:
        return percentile_ms(self.latencies, q)

    def cpu_per_request(self, process: str) -> float:
        """Microseconds of CPU per request, in user and system time."""
        return self.cpu[process] / max(1, len(self.latencies) + self.errors) * 1e6

    def line(self) -> str:
        cpu = "  ".join(f"{name} {self.cpu_per_request(name):4.0f}" for name in self.cpu)
        return (
            f"{self.name:<26} {self.rate:>7.0f} req/s   p50 {self.percentile(50):5.2f} ms   "
            f"p99 {self.percentile(99):5.2f} ms   {len(self.latencies):>7} ok {self.errors} errors   "
            f"CPU µs/request: {cpu}"
        )


class LoadGenerator:
    """The C load generator (`loadgen.c`, which says why C), built once, run once per slice."""

    def __init__(self, folder: Path, concurrency: int) -> None:
        compiler = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
        if compiler is None:
            raise SystemExit("benchmarks/capture.py needs a C compiler (cc) to build its load generator")
        self.folder = folder
        self.concurrency = concurrency
        self.binary = folder / "loadgen"
        source = Path(__file__).with_name("loadgen.c")
        subprocess.run([compiler, "-O2", "-o", str(self.binary), str(source), "-lm"], check=True)

    def run(self, name: str, port: int, processes: Processes, rate: float | None, seconds: float) -> Result:
        """One slice: closed loop at peak (`rate` None) or open loop at `rate`."""
        request = self.folder / "request"
        latencies = self.folder / "latencies"
        request.write_bytes(
            f"POST /invocations HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\ncontent-type: application/json\r\n"
            f"content-length: {len(BODY)}\r\n\r\n".encode()
            + BODY
        )
        arguments = (port, self.concurrency, rate or 0, seconds, request, latencies)
        before = processes.cpu()
        finished = subprocess.run(
            [str(self.binary), *map(str, arguments)], capture_output=True, text=True, check=False
        )
        after = processes.cpu()
        if finished.returncode != 0:
            raise SystemExit(f"the load generator failed on port {port}: {finished.stderr.strip()}")
        summary = json.loads(finished.stdout)
        cpu = {key: after[key] - before[key] for key in before}
        cpu["client"] = summary["cpu"]
        answered = np.fromfile(latencies)
        slice_p99s = (percentile_ms(answered, 99),)
        return Result(name, summary["seconds"], answered, summary["errors"], cpu, summary["sent"], slice_p99s)


class Processes:
    """CPU time (user + system) of the measured processes, read from /proc."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids

    def cpu(self) -> dict[str, float]:
        return {name: _process_cpu(pid) for name, pid in self.pids.items()}


def _process_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


Sides = dict[str, tuple[int, Processes]]  # name: (port, the processes whose CPU it shows)


def alternate(
    load: LoadGenerator, phase: str, sides: Sides, rate: float | None, duration: float
) -> dict[str, Result]:
    """The sides in turn, in slices of a few seconds, so that the machine's noise hits them alike."""
    slices: dict[str, list[Result]] = {name: [] for name in sides}
    remaining = duration
    while remaining > 0:
        seconds = min(SLICE_SECONDS, remaining)
        for name, (port, processes) in sides.items():
            slices[name].append(load.run(f"{name}, {phase}", port, processes, rate, seconds))
        remaining -= seconds
    return {name: merge(results) for name, results in slices.items()}


def merge(results: list[Result]) -> Result:
    return Result(
        results[0].name,
        sum(result.seconds for result in results),
        np.concatenate([result.latencies for result in results]),
        sum(result.errors for result in results),
        {key: sum(result.cpu[key] for result in results) for key in results[0].cpu},
        sum(result.sent for result in results),
        sum((result.slice_p99s for result in results), ()),
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


def run_once(load: LoadGenerator, sides: Sides, duration: float) -> Run:
    """Peak (closed loop), then half of the proxy's peak rate (open loop), both sides alternating."""
    peak = alternate(load, "peak", sides, None, duration)
    half = peak["proxy"].rate / 2
    at_half = alternate(load, f"{half:.0f} req/s", sides, half, duration)
    return Run(peak["direct"], peak["proxy"], at_half["direct"], at_half["proxy"])


@dataclass
class Run:
    direct_peak: Result
    proxy_peak: Result
    direct_half: Result
    proxy_half: Result

    @property
    def ratio(self) -> float:
        return self.proxy_peak.rate / self.direct_peak.rate

    def added(self, q: float) -> float:
        return self.proxy_half.percentile(q) - self.direct_half.percentile(q)

    @property
    def proxied(self) -> int:
        return self.proxy_peak.sent + self.proxy_half.sent

    def report(self) -> str:
        results = (self.direct_peak, self.proxy_peak, self.direct_half, self.proxy_half)
        return "\n".join(
            [
                *("  " + result.line() for result in results),
                f"  throughput, proxy / direct at peak:   {self.ratio:6.1%}",
                f"  p99 added at half the proxy's peak:   {self.added(99):6.2f} ms",
                f"  p50 added at half the proxy's peak:   {self.added(50):6.2f} ms",
            ]
        )


def spread(runs: list[Run]) -> str:
    lines = []
    for label, values in (
        ("proxy / direct, %", [100 * run.ratio for run in runs]),
        ("p99 added, ms", [run.added(99) for run in runs]),
        ("p50 added, ms", [run.added(50) for run in runs]),
    ):
        lines.append(
            f"{label:<18} min {min(values):6.2f}   median {float(np.median(values)):6.2f}   "
            f"max {max(values):6.2f}"
        )
    return "\n".join(lines)


def start_upstream(port: int) -> subprocess.Popen:
    """The trivial model server (`upstream_app` under uvicorn, one process)."""
    return subprocess.Popen([sys.executable, __file__, "--serve-upstream", str(port)])


def start_proxy(upstream_port: int, proxy_port: int, destination: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [
            str(Path(sys.executable).parent / "modelwatch"),
            "capture",
            "--upstream",
            f"http://127.0.0.1:{upstream_port}",
            "--destination",
            str(destination),
            "--listen",
            f"127.0.0.1:{proxy_port}",
            "--metrics-listen",
            f"127.0.0.1:{free_port()}",
            "--endpoint",
            "bench",
            "--sampling-percentage",
            "100",
        ],
        stderr=subprocess.DEVNULL,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per side and phase")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--runs", type=int, default=1, help="repeat both phases, for their spread")
    parser.add_argument("--serve-upstream", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--serve-relay", type=int, nargs=2, help=argparse.SUPPRESS)
    parser.add_argument(
        "--no-references", action="store_true", help="skip the reference proxies (a minimal relay, nginx)"
    )
    parser.add_argument(
        "--loads",
        type=load_shares,
        default=(0.2, 0.3, 0.4, 0.5),
        help="shares of the proxy's peak at which the references phase compares added latency "
        "(comma-separated, default 0.2,0.3,0.4,0.5)",
    )
    arguments = parser.parse_args()
    if arguments.serve_relay:
        uvloop.run(serve_relay(*arguments.serve_relay))
        return
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
    work = Path(tempfile.mkdtemp(prefix="modelwatch-bench-load-"))
    try:
        benchmark(arguments, LoadGenerator(work, arguments.concurrency))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def benchmark(arguments: argparse.Namespace, load: LoadGenerator) -> None:
    upstream_port, proxy_port = free_port(), free_port()
    destination = Path(tempfile.mkdtemp(prefix="modelwatch-bench-"))
    upstream = start_upstream(upstream_port)
    proxy = start_proxy(upstream_port, proxy_port, destination)
    processes = Processes({"proxy": proxy.pid, "model": upstream.pid})
    runs: list[Run] = []
    try:
        wait_for_port(upstream_port, upstream)
        wait_for_port(proxy_port, proxy)
        print(
            f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}, {arguments.duration:g} s "
            f"per side and phase, concurrency {load.concurrency}, 100% sampling, {arguments.runs} run(s)"
        )
        load.run("warm-up", upstream_port, processes, None, 1.0)
        warm_up = load.run("warm-up", proxy_port, processes, None, 1.0)
        for number in range(1, arguments.runs + 1):
            sides = {"direct": (upstream_port, processes), "proxy": (proxy_port, processes)}
            runs.append(run_once(load, sides, arguments.duration))
            print(f"\nrun {number} (load average {os.getloadavg()[0]:.1f} after it)\n{runs[-1].report()}")
        proxy.send_signal(signal.SIGTERM)
        proxy.wait(120)
        captured = count_records(destination)
    finally:
        for process in (proxy, upstream):
            if process.poll() is None:
                process.terminate()
                process.wait(30)
        shutil.rmtree(destination, ignore_errors=True)  # a run's capture files: hundreds of MiB
    print()
    if len(runs) > 1:
        print(spread(runs))
    sent = warm_up.sent + sum(run.proxied for run in runs)
    print(f"captured records / requests sent through the proxy: {captured} / {sent}")
    if not arguments.no_references:
        peak = float(np.median([run.proxy_peak.rate for run in runs]))
        references(load, arguments.duration, peak, arguments.loads)


def references(load: LoadGenerator, duration: float, peak: float, shares: tuple[float, ...]) -> None:
    """What a proxy with no capture costs on this machine: a minimal Python relay (uvloop, bytes
    copied, no HTTP parsing) and nginx where installed, each against direct at peak; then, at each
    share of `peak` (the proxy's peak rate), direct, a capturing proxy and the references in the
    same alternating slices, so that each one's added p99 is measured under the same noise."""
    upstream_port = free_port()
    upstream = start_upstream(upstream_port)
    started: list[subprocess.Popen] = [upstream]
    destination = Path(tempfile.mkdtemp(prefix="modelwatch-bench-"))
    try:
        wait_for_port(upstream_port, upstream)
        relay_port = free_port()
        relay = subprocess.Popen(
            [sys.executable, __file__, "--serve-relay", str(relay_port), str(upstream_port)]
        )
        started.append(relay)
        wait_for_port(relay_port, relay)
        proxies = {"minimal Python relay": (relay_port, relay.pid)}
        nginx_port = free_port()
        nginx = start_nginx(nginx_port, upstream_port)
        if nginx is None:
            print("nginx is not installed (apt-get install nginx-light): its reference lines are left out")
        else:
            started.append(nginx[0])
            proxies["nginx, one worker"] = (nginx_port, nginx[1])
        proxy_port = free_port()
        proxy = start_proxy(upstream_port, proxy_port, destination)
        started.append(proxy)
        wait_for_port(proxy_port, proxy)
        direct: Sides = {"direct": (upstream_port, Processes({"model": upstream.pid}))}
        sides = direct | {
            label: (port, Processes({"proxy": pid, "model": upstream.pid}))
            for label, (port, pid) in {"modelwatch capture": (proxy_port, proxy.pid), **proxies}.items()
        }
        print("\nreferences, no capture, against direct at peak:")
        for label in proxies:
            load.run("warm-up", *sides[label], None, 1.0)
            at_peak = alternate(load, "peak", direct | {label: sides[label]}, None, duration)
            share = at_peak[label].rate / at_peak["direct"].rate
            print(f"  {label:<22} {share:6.1%} of direct   {at_peak[label].line()[27:]}")
        load.run("warm-up", *sides["modelwatch capture"], None, 1.0)
        added: dict[float, dict[str, float]] = {}
        for share in shares:
            rate = share * peak
            at_rate = alternate(load, f"{share:.0%}", sides, rate, duration)
            print(
                f"\nat {share:.0%} of the proxy's peak, {rate:.0f} req/s, in turn in the same "
                f"{SLICE_SECONDS:g} s slices, capture at 100%:"
            )
            print(compared_with_direct(at_rate))
            added[share] = {
                label: result.percentile(99) - at_rate["direct"].percentile(99)
                for label, result in at_rate.items()
                if label != "direct"
            }
        print(added_p99_table(added))
    finally:
        for process in reversed(started):
            process.terminate()
            process.wait(30)
        shutil.rmtree(destination, ignore_errors=True)


def compared_with_direct(results: dict[str, Result]) -> str:
    """A line per side at one rate: its latency, what it adds to direct's, its p99 per slice, CPU."""
    direct = results["direct"]
    lines = []
    for label, result in results.items():
        added = (
            f"added p99 {result.percentile(99) - direct.percentile(99):5.2f} ms, "
            f"p50 {result.percentile(50) - direct.percentile(50):4.2f} ms"
        )
        cpu = "  ".join(f"{name} {result.cpu_per_request(name):3.0f}" for name in result.cpu)
        lines.append(
            f"  {label:<22} p50 {result.percentile(50):4.2f} ms   p99 {result.percentile(99):5.2f} ms   "
            f"{added if result is not direct else ' ' * len(added)}   p99 per slice "
            f"{min(result.slice_p99s):4.1f} to {max(result.slice_p99s):4.1f} ms   CPU µs/request: {cpu}"
        )
    return "\n".join(lines)


def added_p99_table(added: dict[float, dict[str, float]]) -> str:
    """Added p99 by load for each side, and up to which load it stayed under the goal: the highest
    share below which no measured share missed it."""
    shares = list(added)
    labels = list(added[shares[0]])
    columns = "".join(f"{share:>8.0%}" for share in shares)
    header = f"{'':<24}{columns}   under {GOAL_ADDED_P99_MS:g} ms up to"
    lines = [f"\nadded p99 in ms, by load (share of the proxy's peak):\n{header}"]
    for label in labels:
        values = [added[share][label] for share in shares]
        highest = "none measured"
        for share, value in sorted(zip(shares, values, strict=True)):
            if value >= GOAL_ADDED_P99_MS:
                break
            highest = f"{share:.0%}"
        lines.append(f"  {label:<22}" + "".join(f"{value:8.2f}" for value in values) + f"   {highest}")
    return "\n".join(lines)


def load_shares(text: str) -> tuple[float, ...]:
    """`--loads`: comma-separated shares of the proxy's peak, each in (0, 1]."""
    try:
        shares = tuple(float(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of numbers") from None
    if not all(0 < share <= 1 for share in shares):
        raise argparse.ArgumentTypeError(f"{text!r}: each share of the peak must be in (0, 1]")
    return shares


if __name__ == "__main__":
    main()
