"""Capture decode speed: `read_capture_rows` against `pyarrow.json.read_json` merely decoding the files.

Writes seeded capture files shaped like the churn endpoint (CSV payloads, 69 inputs + 1 output, one
record per request, 20,000 records per file), then alternates, `--repeat` times each, pyarrow's
JSON reader on every file (the floor: any analysis must at least decode the JSON) and our reader
producing every row of the window as Arrow batches. Prints the best wall and CPU time of each and
their ratio; on a busy machine the ratios are what to read. `--json` writes flat JSON payloads
instead, for the per-record-free JSON path.

    python benchmarks/analyze_decode.py [--records 200000] [--repeat 3] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow.json as pajson

from modelwatch.readers.capture import ReadOptions, list_capture_files, read_capture_rows

DATA = Path(__file__).parent / ".data" / "capture-decode"
PER_FILE = 20_000
START = datetime(2026, 1, 1, 10, tzinfo=UTC)
NAMES = ["Churn", *(f"f{index}" for index in range(69))]


def inputs(rng: random.Random) -> list[str]:
    numbers = [str(rng.randint(1, 200)), str(rng.randint(0, 50))]
    numbers += [f"{rng.random() * 300:.1f}" if k % 2 == 0 else str(rng.randint(0, 150)) for k in range(9)]
    flags = [str(int(rng.random() < 0.02)) for _ in range(51)]
    return [*numbers, *flags, str(rng.choice([408, 415, 510])), *["0"] * 6]


def write(folder: Path, records: int, as_json: bool) -> None:
    rng = random.Random(7)
    lines: list[str] = []
    for index in range(records):
        moment = START + timedelta(seconds=index * 3600 / records)
        values = inputs(rng)
        if as_json:
            data_in = json.dumps(dict(zip(NAMES[1:], map(float, values), strict=True)), separators=(",", ":"))
            endpoint_in = {
                "observedContentType": "application/json",
                "mode": "INPUT",
                "data": data_in,
                "encoding": "JSON",
            }
        else:
            endpoint_in = {
                "observedContentType": "text/csv",
                "mode": "INPUT",
                "data": ",".join(values),
                "encoding": "CSV",
            }
        record = {
            "captureData": {
                "endpointInput": endpoint_in,
                "endpointOutput": {
                    "observedContentType": "text/csv; charset=utf-8",
                    "mode": "OUTPUT",
                    "data": f"{rng.random():.6f}",
                    "encoding": "CSV",
                },
            },
            "eventMetadata": {
                "eventId": str(uuid.UUID(int=rng.getrandbits(128))),
                "inferenceTime": f"{moment:%Y-%m-%dT%H:%M:%SZ}",
            },
            "eventVersion": "0",
        }
        lines.append(json.dumps(record, separators=(",", ":")) + "\n")
        if len(lines) == PER_FILE or index == records - 1:
            created = START + timedelta(seconds=(index - len(lines) + 1) * 3600 / records)
            hour = folder / f"{created:%Y/%m/%d/%H}"
            hour.mkdir(parents=True, exist_ok=True)
            (hour / f"{created:%M-%S}-000-{uuid.UUID(int=rng.getrandbits(128))}.jsonl").write_text(
                "".join(lines)
            )
            lines = []


def timed(run: object) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    run()  # type: ignore[operator]
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="flat JSON input payloads instead of CSV")
    arguments = parser.parse_args()
    folder = DATA / f"{'json' if arguments.json else 'csv'}-{arguments.records}"
    if not folder.exists():
        write(folder, arguments.records, arguments.json)
    files = list_capture_files(str(folder), START, START + timedelta(hours=1))
    size = sum(os.path.getsize(file) for file in files)
    rows = 0

    def ours() -> None:
        nonlocal rows
        result = read_capture_rows(files, START, START + timedelta(hours=1), ReadOptions(feature_names=NAMES))
        rows = sum(batch.num_rows for batch in result.batches)
        if result.problems.total:
            raise SystemExit(f"unexpected problems: {result.problems.summary_lines()}")

    def floor() -> None:
        for file in files:
            pajson.read_json(file)

    times: dict[str, list[tuple[float, float]]] = {"read_json": [], "read_capture_rows": []}
    for _ in range(arguments.repeat):
        times["read_json"].append(timed(floor))
        times["read_capture_rows"].append(timed(ours))
    best = {name: (min(w for w, _ in runs), min(c for _, c in runs)) for name, runs in times.items()}
    payloads = "JSON" if arguments.json else "CSV"
    print(f"{len(files)} files, {size / 2**20:.0f} MiB, {rows:,} rows ({payloads} payloads)")
    for name, (wall, cpu) in best.items():
        print(f"{name:>18}: {wall:6.2f} s wall  {cpu:6.2f} s CPU  {size / 2**20 / wall:6.0f} MiB/s")
    floor_wall, floor_cpu = best["read_json"]
    wall, cpu = best["read_capture_rows"]
    print(f"{'ratio':>18}: {wall / floor_wall:6.2f} × wall  {cpu / floor_cpu:6.2f} × CPU")
    os._exit(0)  # pyarrow's pool threads can abort a normal interpreter exit


if __name__ == "__main__":
    main()
