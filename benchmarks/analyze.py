"""Analyze speed: a window of capture records against the time merely to decode them.

Writes N capture records (default 1,000,000; CSV payloads of the churn shape: 69 inputs and one
output, about 520 MB) into one hour of capture files, then measures in one run: decoding every file
with `pyarrow.json.read_json` (the floor: no analysis can avoid decoding), `modelwatch analyze` of the
hour, their ratio, records/s, and the peak RSS of the largest process.

    python benchmarks/analyze.py [--records 1000000]
"""

from __future__ import annotations

import argparse
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


def timed_floor(location: Path) -> float:
    started = time.perf_counter()
    for path in sorted(location.rglob("*.jsonl")):
        pajson.read_json(path)
    return time.perf_counter() - started


def timed_analyze(location: Path, baseline: Path, output: Path) -> tuple[float, float]:
    window = ["--start", HOUR.isoformat(), "--end", (HOUR + timedelta(hours=1)).isoformat()]
    command = [sys.executable, "-m", "modelwatch", "analyze", "--input", str(location), *window]
    command += ["--baseline", str(baseline), "--output", str(output)]
    return run_measured(command)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=1_000_000)
    arguments = parser.parse_args()
    location = DATA / f"capture-{arguments.records}" / "churn" / "AllTraffic"
    write_capture(arguments.records, location)
    size = sum(path.stat().st_size for path in location.rglob("*.jsonl")) / 2**20
    baseline = DATA / "churn-baseline"
    suggest_baseline(str(churn_training_data()), str(baseline))
    print(f"{arguments.records:,} capture records, {size:.0f} MiB in {FILES} files")
    floor = timed_floor(location)
    seconds, rss = timed_analyze(location, baseline, DATA / "analyze-report")
    floor = min(floor, timed_floor(location))
    print(f"pyarrow.json.read_json (decode only, floor): {floor:6.2f} s")
    rate = arguments.records / seconds
    print(f"modelwatch analyze:                           {seconds:6.2f} s  {rate:,.0f} records/s")
    print(f"analyze / floor: {seconds / floor:5.2f}x   (goal: within 2.5x)")
    print(f"peak RSS of the largest process: {rss:,.0f} MiB")


if __name__ == "__main__":
    main()
