"""Analyze speed: a window of capture records against the time merely to decode them.

Writes N capture records (default 1,000,000; CSV payloads of the churn shape: 69 inputs and one
output, about 450 MiB) into one hour of capture files, then measures in one run: decoding every file
with `pyarrow.json.read_json` (the floor: no analysis can avoid decoding), `modelwatch analyze` of the
hour, their ratio in wall and in CPU time (every process and thread; steadier than wall time on a
busy machine), records/s, and the peak RSS of the largest process. Both are timed in turn for
`--rounds` rounds, and each keeps its fastest: on a shared machine a slow moment then falls on
neither alone.

`--stages FILES` then attributes the CPU time, in this process on one thread, over the first FILES
files: pyarrow decoding them, our reader (decode, window, payloads parsed into rows), and the reader
with the profiler, each per million records.

    python benchmarks/analyze.py [--records 1000000] [--stages 6] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow.json as pajson

from measure import run_measured
from modelwatch.baseline import suggest_baseline
from modelwatch.demo import churn_test_inputs, churn_training_data, csv_lines
from modelwatch.documents import read_statistics
from modelwatch.profiling.profile import profile_batches
from modelwatch.readers.capture import ReadOptions, read_capture_rows

DATA = Path(__file__).parent / ".data"
HOUR = datetime(2026, 11, 29, 10, tzinfo=UTC)
FILES = 60


def write_capture(records: int, location: Path) -> None:
    """One file per minute of the hour, each line a SageMaker capture record, built column-wise."""
    if location.exists() and sum(1 for _ in location.rglob("*.jsonl")) == FILES:
        return
    rng = np.random.default_rng(11)
    lines = np.array(csv_lines(churn_test_inputs().slice(1)))
    folder = location / HOUR.strftime("%Y/%m/%d/%H")
    folder.mkdir(parents=True, exist_ok=True)
    per_file = records // FILES
    for minute in range(FILES):
        count = per_file + (records % FILES if minute == FILES - 1 else 0)
        seconds = np.sort(rng.integers(0, 60, count))
        frame = pl.DataFrame(
            {
                "input": lines[rng.integers(0, len(lines), count)],
                "output": (rng.random(count) < 0.14).astype(np.int8).astype(str),
                "second": seconds,
                "id": [f"{minute:02d}{index:010d}" for index in range(count)],
            }
        )
        parts = [
            '{"captureData":{"endpointInput":{"observedContentType":"text/csv","mode":"INPUT","data":"',
            pl.col("input"),
            '","encoding":"CSV"},"endpointOutput":{"observedContentType":"text/csv","mode":"OUTPUT","data":"',
            pl.col("output"),
            '","encoding":"CSV"}},"eventMetadata":{"eventId":"',
            pl.col("id"),
            '","inferenceTime":"' + HOUR.strftime(f"%Y-%m-%dT%H:{minute:02d}:"),
            pl.col("second").cast(pl.String).str.zfill(2),
            'Z"},"eventVersion":"0"}',
        ]
        expressions = [pl.lit(part) if isinstance(part, str) else part for part in parts]
        text = frame.select(pl.concat_str(expressions)).to_series()
        (folder / f"{minute:02d}-00-000-benchmark.jsonl").write_text("\n".join(text.to_list()) + "\n")


def timed_floor(location: Path) -> tuple[float, float]:
    """(wall, CPU) seconds of pyarrow decoding every file, on all cores as it does by default."""
    wall, cpu = time.perf_counter(), time.process_time()
    for path in sorted(location.rglob("*.jsonl")):
        pajson.read_json(path)
    return time.perf_counter() - wall, time.process_time() - cpu


def timed_analyze(location: Path, baseline: Path, output: Path) -> tuple[float, float, float]:
    """(wall, CPU, peak RSS in MiB) of `modelwatch analyze` of the hour; CPU of all its processes."""
    window = ["--start", HOUR.isoformat(), "--end", (HOUR + timedelta(hours=1)).isoformat()]
    command = [sys.executable, "-m", "modelwatch", "analyze", "--input", str(location), *window]
    command += ["--baseline", str(baseline), "--output", str(output)]
    before = _children_cpu()
    seconds, rss = run_measured(command)
    return seconds, _children_cpu() - before, rss


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def stage_seconds(location: Path, baseline: Path, files: int) -> dict[str, float]:
    """CPU seconds per million records of each stage over the first `files` files, one thread."""
    paths = [str(path) for path in sorted(location.rglob("*.jsonl"))[:files]]
    names = [feature.name for feature in read_statistics(str(baseline / "statistics.json")).features]
    options = ReadOptions(feature_names=names)
    end = HOUR + timedelta(hours=1)
    records = 0

    def decode() -> None:
        nonlocal records
        records = sum(
            pajson.read_json(path, pajson.ReadOptions(use_threads=False)).num_rows for path in paths
        )

    def read() -> None:
        for _ in read_capture_rows(paths, HOUR, end, options).batches:
            pass

    def read_and_profile() -> None:
        profile_batches(read_capture_rows(paths, HOUR, end, options).batches)

    stages = {"pyarrow decode": decode, "reader": read, "reader + profiler": read_and_profile}
    best = dict.fromkeys(stages, float("inf"))
    for _ in range(3):
        for name, run in stages.items():
            started = time.process_time()
            run()
            best[name] = min(best[name], time.process_time() - started)
    return {name: seconds * 1_000_000 / records for name, seconds in best.items()}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--stages", type=int, default=0, metavar="FILES", help="attribute CPU time too")
    parser.add_argument("--rounds", type=int, default=3)
    arguments = parser.parse_args()
    location = DATA / f"capture-{arguments.records}" / "churn" / "AllTraffic"
    write_capture(arguments.records, location)
    size = sum(path.stat().st_size for path in location.rglob("*.jsonl")) / 2**20
    baseline = DATA / "churn-baseline"
    suggest_baseline(str(churn_training_data()), str(baseline))
    print(f"{arguments.records:,} capture records, {size:.0f} MiB in {FILES} files")
    floors, runs = [], []
    for _ in range(arguments.rounds):
        floors.append(timed_floor(location))
        runs.append(timed_analyze(location, baseline, DATA / "analyze-report"))
    floor, floor_cpu = min(wall for wall, _ in floors), min(cpu for _, cpu in floors)
    seconds, cpu, rss = min(runs)
    each = ", ".join(f"{run[0] / wall:.2f}x" for run, (wall, _) in zip(runs, floors, strict=True))
    print(f"fastest of {arguments.rounds} rounds (analyze / floor round by round: {each})")
    print(f"pyarrow.json.read_json (decode only, floor): {floor:6.2f} s  CPU {floor_cpu:6.2f} s")
    rate = arguments.records / seconds
    print(f"modelwatch analyze:                           {seconds:6.2f} s  CPU {cpu:6.2f} s", end="")
    print(f"  {rate:,.0f} records/s")
    print(f"analyze / floor: {seconds / floor:5.2f}x   (goal: within 2.5x)   CPU: {cpu / floor_cpu:5.2f}x")
    print(f"peak RSS of the largest process: {rss:,.0f} MiB")
    if arguments.stages:
        print(f"CPU seconds per million records, first {arguments.stages} files, one thread:")
        for name, per_million in stage_seconds(location, baseline, arguments.stages).items():
            print(f"  {name:<18} {per_million:6.2f} s")
    os._exit(0)  # pyarrow's pool threads can abort a normal interpreter exit


if __name__ == "__main__":
    main()
