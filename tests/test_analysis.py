"""`modelwatch analyze` end to end on the churn data: capture files in, report out."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

import modelwatch
from modelwatch.analysis import AnalysisResult, analyze
from modelwatch.baseline import suggest_baseline
from modelwatch.checks import CheckResults
from modelwatch.demo import ENDPOINT, VARIANT, churn_test_inputs, churn_training_data, write_capture
from modelwatch.formats.results import AnalysisResults

HOUR = datetime(2026, 11, 29, 10, tzinfo=UTC)
NEXT = HOUR + timedelta(hours=1)


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("baseline")
    suggest_baseline(str(churn_training_data()), str(directory))
    return directory


@pytest.fixture(scope="module")
def rows() -> pa.Table:
    """The churn test rows without the first one, whose one-hot columns hold fractions."""
    return churn_test_inputs().slice(1)


def capture(tmp_path: Path, rows: pa.Table) -> Path:
    write_capture(tmp_path / "capture", rows, HOUR)
    return tmp_path / "capture" / ENDPOINT / VARIANT


def analyze_hour(tmp_path: Path, baseline: Path, rows: pa.Table, **options: Any) -> AnalysisResult:
    """Capture `rows` in HOUR and analyze that hour against `baseline`, into `tmp_path/out`."""
    output = str(tmp_path / "out")
    return analyze(
        str(capture(tmp_path, rows)), output, baseline=str(baseline), start=HOUR, end=NEXT, **options
    )


def replace_column(rows: pa.Table, name: str, values: list[str | None]) -> pa.Table:
    return rows.set_column(rows.column_names.index(name), name, pa.array(values, pa.string()))


def numbers(rows: pa.Table, name: str) -> np.ndarray:
    return np.array(rows.column(name).to_pylist(), dtype=float)


def test_replaying_the_test_rows_gives_no_violations(tmp_path: Path, baseline: Path, rows: pa.Table) -> None:
    result = analyze_hour(tmp_path, baseline, rows)
    assert result.status == "Completed", result.message
    assert result.message == "Completed: Job completed successfully with no violations."
    assert result.item_count == rows.num_rows
    assert result.violations == []
    violations = json.loads((tmp_path / "out" / "constraint_violations.json").read_text())
    assert violations == {"violations": []}


def test_shifted_columns_drift_and_only_those(tmp_path: Path, baseline: Path, rows: pa.Table) -> None:
    shifted = replace_column(rows, "Day Mins", [f"{value + 80:.1f}" for value in numbers(rows, "Day Mins")])
    shifted = replace_column(
        shifted, "Intl Calls", [f"{value * 3:.0f}" for value in numbers(rows, "Intl Calls")]
    )
    result = analyze_hour(tmp_path, baseline, shifted)
    assert result.status == "CompletedWithViolations"
    drifted = {v.feature_name for v in result.violations if v.constraint_check_type == "baseline_drift_check"}
    assert drifted == {"Day Mins", "Intl Calls"}
    assert {v.constraint_check_type for v in result.violations} == {"baseline_drift_check"}
    assert (
        result.message
        == f"CompletedWithViolations: Job completed successfully with {len(result.violations)} violations."
    )
    for violation in result.violations:
        assert re.search(r"distance: (.+) exceeds", violation.description)


def test_fractions_in_an_integral_column_give_the_observed_percentage(
    tmp_path: Path, baseline: Path, rows: pa.Table
) -> None:
    calls = [
        f"{value}.5" if index % 10 == 0 else f"{value:.0f}"
        for index, value in enumerate(numbers(rows, "Night Calls"))
    ]
    fractional = sum(1 for value in calls if value.endswith(".5"))
    result = analyze_hour(tmp_path, baseline, replace_column(rows, "Night Calls", calls))
    [violation] = [v for v in result.violations if v.constraint_check_type == "data_type_check"]
    assert violation.feature_name == "Night Calls"
    observed = (rows.num_rows - fractional) / rows.num_rows * 100
    assert violation.description == (
        "Data type match requirement is not met. Expected data type: Integral, Expected match: 100.0%. "
        f"Observed: Only {observed}% of data is Integral."
    )


def test_report_files(tmp_path: Path, baseline: Path, rows: pa.Table) -> None:
    damaged = replace_column(
        rows, "Eve Mins", [None if index % 5 == 0 else "1.0" for index in range(rows.num_rows)]
    )
    output = tmp_path / "out"
    result = analyze_hour(tmp_path, baseline, damaged)
    assert sorted(path.name for path in output.iterdir()) == sorted(
        [
            "statistics.json",
            "constraints.json",
            "constraint_violations.json",
            "metrics.json",
            "modelwatch_results.json",
            "report.html",
        ]
    )
    assert result.files["report.html"] == str(output / "report.html")
    statistics = json.loads((output / "statistics.json").read_text())
    assert statistics["dataset"]["item_count"] == rows.num_rows
    assert [f["name"] for f in statistics["features"]][:2] == ["Churn", "Account Length"]
    metrics = {
        m["MetricName"]: m["Value"] for m in json.loads((output / "metrics.json").read_text())["metrics"]
    }
    assert metrics["feature_non_null_Eve Mins"] == pytest.approx(1 - (rows.num_rows + 4) // 5 / rows.num_rows)
    assert "feature_baseline_drift_Day Mins" in metrics
    assert metrics["feature_data_type_Account Length"] == 1.0
    table = modelwatch.read_violations(result.files["constraint_violations.json"]).to_pandas()
    assert list(table.columns) == ["feature_name", "constraint_check_type", "description"]
    assert table.to_dict("records") == [violation.to_dict() for violation in result.violations]
    assert modelwatch.read_statistics(result.files["statistics.json"]).to_pandas()["name"].tolist()[:1] == [
        "Churn"
    ]
    kept = AnalysisResults.from_dict(json.loads((output / "modelwatch_results.json").read_text()))
    assert result.results is not None
    assert kept.notes == result.notes
    assert kept.check_results(result.violations) == CheckResults(result.results.features, result.violations)
    page = (output / "report.html").read_text()
    assert "Eve Mins" in page
    assert "completeness_check" in page
    assert not re.search(r"(src|href)=[\"']https?://", page)


def test_empty_window_fails_with_its_reason_unless_allowed(
    tmp_path: Path, baseline: Path, rows: pa.Table
) -> None:
    location = capture(tmp_path, rows)
    later = NEXT + timedelta(hours=5)
    failed = analyze(
        str(location),
        str(tmp_path / "out"),
        baseline=str(baseline),
        start=later,
        end=later + timedelta(hours=1),
    )
    assert failed.status == "Failed"
    assert failed.message == (
        f"no captured data between 2026-11-29T16:00:00Z and 2026-11-29T17:00:00Z in {location}"
    )
    assert not (tmp_path / "out").exists()
    allowed = analyze(
        str(location),
        str(tmp_path / "out"),
        baseline=str(baseline),
        start=later,
        end=later + timedelta(hours=1),
        allow_empty=True,
    )
    assert allowed.status == "Completed"
    assert allowed.item_count == 0
    assert any("no captured data" in note for note in allowed.notes)


@pytest.mark.parametrize(
    ("statistics", "reason"),
    [("{not json", "not valid JSON"), ('{"hello": 1}', "'features' should be a JSON list")],
    ids=["malformed", "not statistics"],
)
def test_a_bad_baseline_fails_on_one_line(
    tmp_path: Path, rows: pa.Table, statistics: str, reason: str
) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "statistics.json").write_text(statistics)
    (bad / "constraints.json").write_text('{"features": []}')
    result = analyze_hour(tmp_path, bad, rows)
    assert result.status == "Failed"
    assert reason in result.message
    assert "statistics.json" in result.message
    assert "\n" not in result.message


def test_a_preprocessor_that_always_fails_fails_the_execution(
    tmp_path: Path, baseline: Path, rows: pa.Table
) -> None:
    script = tmp_path / "pre.py"
    script.write_text("def preprocess_handler(inference_record):\n    raise ValueError('boom')\n")
    result = analyze_hour(tmp_path, baseline, rows.slice(0, 20), preprocessor=str(script))
    assert result.status == "Failed"
    assert "preprocessor failed on every record" in result.message
    assert "boom" in result.message


def test_a_preprocessor_failing_on_some_records_only_skips_them(
    tmp_path: Path, baseline: Path, rows: pa.Table
) -> None:
    script = tmp_path / "pre.py"
    script.write_text(
        "def preprocess_handler(inference_record):\n"
        "    values = inference_record.endpoint_input.data.strip().split(',')\n"
        "    if int(values[0]) > 150:\n"
        "        raise ValueError('long account')\n"
        "    output = inference_record.endpoint_output.data.strip()\n"
        "    return {'Churn': output, 'Account Length': values[0]}\n"
    )
    sample = rows.slice(0, 150)
    long_accounts = sum(1 for value in sample.column("Account Length").to_pylist() if int(value) > 150)
    result = analyze_hour(tmp_path, baseline, sample, preprocessor=str(script))
    assert not result.failed, result.message
    assert result.item_count == sample.num_rows - long_accounts
    assert result.problems is not None
    assert result.problems.counts == {"preprocessor error": long_accounts}
    assert any("long account" in note for note in result.notes)


def test_the_postprocessor_runs_after_success(tmp_path: Path, baseline: Path, rows: pa.Table) -> None:
    marker = tmp_path / "ran"
    script = tmp_path / "post.py"
    script.write_text(f"def postprocess_handler():\n    open({str(marker)!r}, 'w').write('yes')\n")
    result = analyze_hour(tmp_path, baseline, rows.slice(0, 50), postprocessor=str(script))
    assert not result.failed, result.message
    assert marker.read_text() == "yes"


def test_a_data_set_is_analyzed_without_a_window(tmp_path: Path, baseline: Path) -> None:
    result = analyze(str(churn_training_data()), str(tmp_path / "out"), baseline=str(baseline))
    assert result.status == "Completed", result.message
    assert result.item_count == 2333


def run_cli(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "modelwatch", *arguments], capture_output=True, text=True, check=False
    )


def test_cli_prints_the_exit_message_and_exits_by_status(
    tmp_path: Path, baseline: Path, rows: pa.Table
) -> None:
    location = capture(tmp_path, rows)
    window = ["--start", "2026-11-29T10:00:00Z", "--end", "2026-11-29T11:00:00Z"]
    ok = run_cli(
        "analyze",
        "--input",
        str(location),
        "--baseline",
        str(baseline),
        "--output",
        str(tmp_path / "o"),
        *window,
    )
    assert ok.returncode == 0, ok.stderr
    assert "Completed: Job completed successfully with no violations." in ok.stdout
    assert str(tmp_path / "o" / "report.html") in ok.stdout
    empty = run_cli(
        "analyze",
        "--input",
        str(location),
        "--baseline",
        str(baseline),
        "--output",
        str(tmp_path / "e"),
        "--start",
        "2026-11-29T20:00:00Z",
        "--end",
        "2026-11-29T21:00:00Z",
    )
    assert empty.returncode == 1
    assert empty.stderr.startswith("error: Failed: no captured data between 2026-11-29T20:00:00Z")
    assert len(empty.stderr.strip().splitlines()) == 1
    bad_time = run_cli(
        "analyze",
        "--input",
        str(location),
        "--baseline",
        str(baseline),
        "--output",
        "x",
        "--start",
        "noon",
        "--end",
        "1pm",
    )
    assert bad_time.returncode == 1
    assert "'noon' is not an ISO 8601 time" in bad_time.stderr
    assert "Traceback" not in bad_time.stderr + empty.stderr
