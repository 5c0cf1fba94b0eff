"""Baseline speed and memory: our CSV and Parquet baselines against polars' parse-only floor.

Generates a seeded table (30 float columns with 2% missing, 10 integer, 10 categorical strings) as
CSV and Parquet, then measures in one run: `modelwatch baseline` on each, `polars.read_csv` (parse
only: no analysis can avoid parsing), their ratio, rows/s, and the peak RSS of the largest process.
The goal's floor is polars in this process, already imported; the same parse as a command (a fresh
interpreter importing polars, as `modelwatch baseline` starts) is printed beside it, and so is the time
a fresh process takes merely to read the Parquet file. All are timed in turn for `--rounds` rounds,
and each keeps its fastest: on a shared machine a slow moment then falls on no single one of them.

    python benchmarks/baseline.py [--rows 1000000] [--memory-rows 5000000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

from measure import run_measured

DATA = Path(__file__).parent / ".data"
CATEGORIES = np.array([f"category_{index:02d}" for index in range(40)])


def generate(rows: int, seed: int = 7) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    columns: dict[str, pl.Series] = {}
    for index in range(30):
        values = rng.normal(100.0 * index, 10.0 + index, rows).round(4)
        missing = rng.random(rows) < 0.02
        columns[f"float_{index}"] = pl.Series(values).set(pl.Series(missing), None)
    for index in range(10):
        columns[f"int_{index}"] = pl.Series(rng.integers(0, 10 ** (index % 5 + 1), rows))
    for index in range(10):
        columns[f"category_{index}"] = pl.Series(CATEGORIES[rng.integers(0, 5 + 3 * index, rows)])
    return pl.DataFrame(columns)


def write_inputs(rows: int) -> tuple[Path, Path]:
    DATA.mkdir(exist_ok=True)
    csv, parquet = DATA / f"table-{rows}.csv", DATA / f"table-{rows}.parquet"
    if not (csv.exists() and parquet.exists()):
        table = generate(rows)
        table.write_csv(csv)
        table.write_parquet(parquet, row_group_size=128 * 1024)
    return csv, parquet


def timed_baseline(dataset: Path, output: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of the largest process of `modelwatch baseline`."""
    return run_measured(
        [sys.executable, "-m", "modelwatch", "baseline", str(dataset), "--output", str(output)]
    )


def timed_floor(csv: Path) -> float:
    started = time.perf_counter()
    pl.read_csv(csv)
    return time.perf_counter() - started


def timed_floor_command(csv: Path) -> float:
    """The floor as ours is timed: a fresh process, its interpreter start and imports included."""
    seconds, _ = run_measured([sys.executable, "-c", f"import polars; polars.read_csv({str(csv)!r})"])
    return seconds


def timed_parquet_read_command(parquet: Path) -> float:
    """Merely reading the Parquet file with pyarrow (all cores) in a fresh process."""
    code = f"import pyarrow.parquet; pyarrow.parquet.read_table({str(parquet)!r})"
    seconds, _ = run_measured([sys.executable, "-c", code])
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--memory-rows", type=int, default=5_000_000, help="0 to skip the memory run")
    parser.add_argument("--rounds", type=int, default=3)
    arguments = parser.parse_args()

    csv, parquet = write_inputs(arguments.rows)
    size = csv.stat().st_size / 2**20
    print(f"table: {arguments.rows:,} rows x 50 columns; CSV {size:.0f} MiB")
    floors, command_floors, parquet_reads, csv_runs, parquet_runs = [], [], [], [], []
    for _ in range(arguments.rounds):
        floors.append(timed_floor(csv))
        command_floors.append(timed_floor_command(csv))
        parquet_reads.append(timed_parquet_read_command(parquet))
        csv_runs.append(timed_baseline(csv, DATA / "out-csv"))
        parquet_runs.append(timed_baseline(parquet, DATA / "out-parquet"))
    floor = min(floors)
    (csv_seconds, csv_rss), (parquet_seconds, _) = min(csv_runs), min(parquet_runs)
    each = ", ".join(f"{ours / floor:.2f}x" for (ours, _), floor in zip(csv_runs, floors, strict=True))
    print(f"fastest of {arguments.rounds} rounds (CSV / floor round by round: {each})")
    print(f"polars.read_csv (parse only, floor): {floor:6.2f} s")
    for label, seconds in (("CSV", csv_seconds), ("Parquet", parquet_seconds)):
        rate = arguments.rows / seconds
        print(f"modelwatch baseline, {label + ':':<16}{seconds:6.2f} s  {rate:,.0f} rows/s")
    print(f"CSV / floor:     {csv_seconds / floor:5.2f}x   (goal: within 2x)")
    command_floor = min(command_floors)
    print(
        f"  the floor as a command like ours (interpreter start and import of polars included): "
        f"{command_floor:.2f} s, CSV / that: {csv_seconds / command_floor:.2f}x"
    )
    print(f"CSV / Parquet:   {csv_seconds / parquet_seconds:5.2f}x   (goal: Parquet at least 3x faster)")
    print(
        f"  both goals together need Parquet within 2 x floor / 3 = {2 * floor / 3:.2f} s; merely reading "
        f"the file with pyarrow in a fresh process takes {min(parquet_reads):.2f} s"
    )
    print(f"peak RSS of one process, CSV run: {csv_rss:,.0f} MiB")
    if arguments.memory_rows:
        big_csv, _ = write_inputs(arguments.memory_rows)
        seconds, rss = timed_baseline(big_csv, DATA / "out-big")
        print(f"{arguments.memory_rows:,} rows CSV: {seconds:.2f} s, peak RSS of the largest process")
        print(f"  {rss:,.0f} MiB (goal: under 1 GB, flat in the row count)")


if __name__ == "__main__":
    main()
