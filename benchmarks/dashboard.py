"""Dashboard page times for a baseline of 500 features, through a real uvicorn server on loopback.

Baselines a 500-feature data set (half numeric, half categorical), analyses a few drifted variants of it
with `analyze` and records their reports as the executions of one schedule (copied to a folder each, so
every execution has its own files to read). Times the first feature history over executions never
summarised (as after upgrading from a version without the dashboard); then, on a fresh server, each
page's first request (no document in memory) and the median of the next ones, against the target of one
second, and against reading the baseline's statistics.json alone (the least a page showing it must do).

    python benchmarks/dashboard.py [--features 500] [--executions 48] [--rows 5000]
"""

from __future__ import annotations

import argparse
import shutil
import socket
import statistics
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import uvicorn

from modelwatch.analysis import analyze
from modelwatch.baseline import suggest_baseline
from modelwatch.documents import read_statistics
from modelwatch.service.api import ApiSettings, create_app
from modelwatch.service.store import Baseline, Endpoint, Execution, ExecutionStatus, Schedule, open_store

START = datetime(2026, 11, 1, tzinfo=UTC)
VARIANTS = 4
REPEATS = 5
TARGET_SECONDS = 1.0


def table(features: int, rows: int, shift: float, seed: int) -> pa.Table:
    rng = np.random.default_rng(seed)
    columns: dict[str, pa.Array] = {}
    for index in range(features):
        if index % 2:
            choices = [f"c{k}" for k in range(20)]
            columns[f"category_{index}"] = pa.array(rng.choice(choices, rows))
        else:
            columns[f"number_{index}"] = pa.array(rng.normal(shift * (index % 5), 1 + index % 3, rows))
    return pa.table(columns)


def seed(root: Path, features: int, executions: int, rows: int) -> tuple[Path, str]:
    data_dir = root / "data"
    data_dir.mkdir()
    training = root / "training.csv"
    pacsv.write_csv(table(features, rows, 0.0, 1), training)
    baseline = suggest_baseline(str(training), str(data_dir / "baseline"))
    analysed = []
    for variant in range(VARIANTS):
        window = root / f"window-{variant}.csv"
        pacsv.write_csv(table(features, rows // 2, 0.15 * variant, 10 + variant), window)
        result = analyze(str(window), str(root / f"report-{variant}"), baseline=str(data_dir / "baseline"))
        analysed.append(result)
    store = open_store(None, data_dir)
    with store.session() as session:
        endpoint = Endpoint(name="wide", capture_uri=str(root), storage_options={})
        reference = Baseline(
            name="wide",
            statistics_uri=baseline.statistics_uri,
            constraints_uri=baseline.constraints_uri,
            dataset_options={},
        )
        schedule = Schedule(
            name="wide-hourly",
            endpoint=endpoint,
            baseline=reference,
            cron_expression="0 * * * *",
            status="Scheduled",
            alert_settings={},
        )
        session.add_all([endpoint, reference, schedule])
        session.flush()
        for hour in range(executions):
            result = analysed[hour % VARIANTS]
            folder = data_dir / "reports" / f"{hour:04d}"
            shutil.copytree(root / f"report-{hour % VARIANTS}", folder)
            start = START + timedelta(hours=hour)
            session.add(
                Execution(
                    schedule_id=schedule.id,
                    window_start=start,
                    window_end=start + timedelta(hours=1),
                    status=ExecutionStatus(result.status),
                    ended_at=start + timedelta(hours=1, seconds=30),
                    violation_count=len(result.violations),
                    exit_message=result.message,
                    report_uri=str(folder),
                )
            )
    store.close()
    return data_dir, baseline.statistics_uri


def serve(data_dir: Path) -> tuple[uvicorn.Server, threading.Thread, str]:
    store = open_store(None, data_dir)
    app = create_app(store, ApiSettings(data_dir=data_dir))
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    return server, thread, f"http://127.0.0.1:{listener.getsockname()[1]}"


def timed(client: httpx.Client, path: str) -> tuple[float, float, int]:
    """Wall time, CPU time of the whole process (the server's threads and the client) and size."""
    started, cpu = time.perf_counter(), time.process_time()
    response = client.get(path)
    response.raise_for_status()
    return time.perf_counter() - started, time.process_time() - cpu, len(response.content)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--features", type=int, default=500)
    parser.add_argument("--executions", type=int, default=48)
    parser.add_argument("--rows", type=int, default=5000)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="modelwatch-dashboard-bench-") as folder:
        began = time.perf_counter()
        data_dir, statistics_uri = seed(Path(folder), options.features, options.executions, options.rows)
        print(
            f"seeded {options.features} features, {options.executions} executions "
            f"in {time.perf_counter() - began:.0f} s"
        )
        started = time.perf_counter()
        read_statistics(statistics_uri)
        floor = time.perf_counter() - started
        print(f"reading the baseline's statistics.json alone: {floor * 1000:.0f} ms (reference)")
        history = "/schedules/wide-hourly/features/number_0"
        server, thread, url = serve(data_dir)
        try:
            with httpx.Client(base_url=url, timeout=600) as client:
                unsummarised, unsummarised_cpu, _ = timed(client, history)
        finally:
            server.should_exit = True
            thread.join(10)
        print(
            f"first feature history over {options.executions} executions never summarised before "
            f"(each statistics.json parsed once, ever): {unsummarised:.1f} s, {unsummarised_cpu:.1f} s of CPU"
        )
        print("a fresh server; each execution summarised on disk, as the server does when one finishes:")
        worst = time_pages(data_dir, options.executions, floor)
        verdict = "met" if worst < TARGET_SECONDS else "NOT met"
        print(f"slowest page {worst * 1000:.0f} ms: target of {TARGET_SECONDS:.0f} s per page {verdict}")


def time_pages(data_dir: Path, executions: int, floor: float) -> float:
    """Each page's first request and the median of the next ones; the slowest of all."""
    pages = [
        "/",
        "/schedules",
        "/schedules/wide-hourly",
        f"/executions/{executions}",
        "/schedules/wide-hourly/features/number_0",
        "/schedules/wide-hourly/features/category_1",
        "/baselines",
        "/baselines/wide",
    ]
    worst = 0.0
    print(
        f"{'page':<42} {'first':>7} {'(CPU)':>7} {'then: median (spread)':>24} {'(CPU)':>7} "
        f"{'size':>7} first÷ref"
    )
    server, thread, url = serve(data_dir)
    try:
        with httpx.Client(base_url=url, timeout=600) as client:
            for path in pages:
                first, first_cpu, size = timed(client, path)
                again = [timed(client, path) for _ in range(REPEATS)]
                median = statistics.median(wall for wall, _, _ in again)
                median_cpu = statistics.median(cpu for _, cpu, _ in again)
                worst = max(worst, first, median)
                low, high = min(wall for wall, _, _ in again), max(wall for wall, _, _ in again)
                print(
                    f"{path:<42} {first * 1000:>5.0f}ms {first_cpu * 1000:>5.0f}ms "
                    f"{median * 1000:>6.0f}ms ({low * 1000:.0f}–{high * 1000:.0f} ms) "
                    f"{median_cpu * 1000:>5.0f}ms "
                    f"{size / 1e6:>5.2f}MB {first / floor:>5.1f}×"
                )
    finally:
        server.should_exit = True
        thread.join(10)
    return worst


if __name__ == "__main__":
    main()
