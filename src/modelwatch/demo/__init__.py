"""`modelwatch demo`: the end-to-end tour on embedded defaults (local files, the churn data set).

1. Baseline the churn training set.
2. Capture two hours of traffic of a churn model through `CaptureWriter`: the test rows as clients
   send them (10:00–11:00), then the same rows drifted and damaged (11:00–12:00): `Day Mins` shifted,
   `Night Calls` with fractional values, `Eve Mins` often missing, one malformed line.
3. Analyze each hour against the baseline and report.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib.resources import as_file, files
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from modelwatch.analysis import AnalysisResult, analyze
from modelwatch.baseline import BaselineResult, suggest_baseline
from modelwatch.capture import CaptureWriter
from modelwatch.engines.local import Progress

ENDPOINT = "churn"
VARIANT = "AllTraffic"
NORMAL_HOUR = datetime(2026, 11, 29, 10, tzinfo=UTC)
DRIFTED_HOUR = NORMAL_HOUR + timedelta(hours=1)
BATCH_ROWS = 4
"""Every request after the first few hundred carries this many rows (a batch request)."""


@dataclass
class DemoResult:
    baseline: BaselineResult
    capture_location: Path
    normal: AnalysisResult
    drifted: AnalysisResult


def _data(name: str) -> Path:
    with as_file(files("modelwatch.demo") / "data" / name) as path:
        return Path(path)


def churn_training_data() -> Path:
    """The churn training set shipped with the package (2,333 rows, 70 columns, header)."""
    return _data("churn-training.csv")


def churn_test_inputs() -> pa.Table:
    """The 334 test rows a client sends: 69 feature columns named as in the training set, as text."""
    names = pacsv.read_csv(churn_training_data(), read_options=pacsv.ReadOptions(skip_rows_after_names=2333))
    features = names.column_names[1:]
    return pacsv.read_csv(
        _data("churn-test-inputs.csv"),
        read_options=pacsv.ReadOptions(column_names=features),
        convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(features, pa.string())),
    )


def run_baseline(output: Path, progress: Progress | None = None) -> BaselineResult:
    return suggest_baseline(str(churn_training_data()), str(output / "baseline"), progress=progress)


def run(output: Path, progress: Progress | None = None) -> DemoResult:
    baseline = run_baseline(output, progress)
    destination = output / "capture"
    shutil.rmtree(destination, ignore_errors=True)
    # The first test row carries fractional values in all its one-hot columns; the tour leaves it out.
    rows = churn_test_inputs().slice(1)
    write_capture(destination, rows, NORMAL_HOUR)
    write_capture(destination, drift(rows), DRIFTED_HOUR, malformed_line=True)
    location = destination / ENDPOINT / VARIANT
    return DemoResult(
        baseline=baseline,
        capture_location=location,
        normal=_analyze(location, output, baseline, NORMAL_HOUR),
        drifted=_analyze(location, output, baseline, DRIFTED_HOUR),
    )


def predict(rows: pa.Table) -> list[str]:
    """A stand-in churn model: customers who call support four times or more churn."""
    calls = np.array([float(value) for value in rows.column("CustServ Calls").to_pylist()])
    return ["1" if value >= 4 else "0" for value in calls]


def drift(rows: pa.Table) -> pa.Table:
    rng = np.random.default_rng(29)
    day = np.array(rows.column("Day Mins").to_pylist(), dtype=float) + 90.0
    night = np.array(rows.column("Night Calls").to_pylist(), dtype=float)
    fractional = rng.random(len(night)) < 0.05
    night_text = [
        f"{value + 0.5:.1f}" if flag else f"{value:.0f}"
        for value, flag in zip(night, fractional, strict=True)
    ]
    evening = [
        None if drop else value
        for value, drop in zip(rows.column("Eve Mins").to_pylist(), rng.random(len(night)) < 0.2, strict=True)
    ]
    rows = rows.set_column(
        rows.column_names.index("Day Mins"), "Day Mins", pa.array([f"{value:.1f}" for value in day])
    )
    rows = rows.set_column(rows.column_names.index("Night Calls"), "Night Calls", pa.array(night_text))
    return rows.set_column(rows.column_names.index("Eve Mins"), "Eve Mins", pa.array(evening, pa.string()))


def csv_lines(rows: pa.Table) -> list[str]:
    columns = [column.to_pylist() for column in rows.columns]
    return [
        ",".join("" if value is None else value for value in values) for values in zip(*columns, strict=True)
    ]


def write_capture(destination: Path, rows: pa.Table, hour: datetime, malformed_line: bool = False) -> None:
    """Record the rows as requests spread over the hour: single rows first, then batch requests."""
    lines, predictions = csv_lines(rows), predict(rows)
    singles = min(200, len(lines))
    requests = [[index] for index in range(singles)] + [
        list(range(start, min(start + BATCH_ROWS, len(lines))))
        for start in range(200, len(lines), BATCH_ROWS)
    ]
    step = 3600 / (len(requests) + 1)
    moments = [hour.timestamp() + step * (number + 1) for number in range(len(requests))]
    writer = CaptureWriter(str(destination), ENDPOINT, VARIANT, clock=lambda: moments[0])
    try:
        for request, moment in zip(requests, moments, strict=True):
            writer.write(
                "\n".join(lines[index] for index in request) + "\n",
                "\n".join(predictions[index] for index in request) + "\n",
                input_content_type="text/csv",
                output_content_type="text/csv",
                inference_time=moment,
            )
    finally:
        writer.close()
    if malformed_line:
        folder = destination / ENDPOINT / VARIANT / hour.strftime("%Y/%m/%d/%H")
        (folder / "59-59-999-malformed.jsonl").write_text('{"captureData": {"endpointInput": \n')


def _analyze(location: Path, output: Path, baseline: BaselineResult, hour: datetime) -> AnalysisResult:
    return analyze(
        str(location),
        str(output / "reports" / hour.strftime("%Y-%m-%dT%H")),
        baseline=str(Path(baseline.statistics_uri).parent),
        start=hour,
        end=hour + timedelta(hours=1),
    )
