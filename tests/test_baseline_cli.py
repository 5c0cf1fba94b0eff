"""`modelwatch baseline` end to end, as a user runs it: a real process on the churn data."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from modelwatch.demo import churn_training_data
from sagemaker_defaults import SUGGESTED_MONITORING_CONFIG

CHURN = churn_training_data()


def run_cli(*arguments: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "modelwatch", *arguments], capture_output=True, text=True, cwd=cwd, check=False
    )


def load(directory: Path) -> tuple[dict, dict]:
    statistics = json.loads((directory / "statistics.json").read_text())
    constraints = json.loads((directory / "constraints.json").read_text())
    return statistics, constraints


@pytest.fixture(scope="module")
def churn_baseline(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict, str]:
    output = tmp_path_factory.mktemp("baseline")
    result = run_cli("baseline", str(CHURN), "--output", str(output))
    assert result.returncode == 0, result.stderr
    statistics, constraints = load(output)
    return statistics, constraints, result.stdout


def test_churn_statistics_match_pandas(churn_baseline: tuple[dict, dict, str]) -> None:
    statistics, _, _ = churn_baseline
    frame = pd.read_csv(CHURN)
    assert statistics["version"] == 0.0
    assert statistics["dataset"]["item_count"] == len(frame) == 2333
    assert [feature["name"] for feature in statistics["features"]] == list(frame.columns)
    for feature in statistics["features"]:
        column = frame[feature["name"]]
        expected_type = "Integral" if column.dtype.kind == "i" else "Fractional"
        assert feature["inferred_type"] == expected_type, feature["name"]
        numbers = feature["numerical_statistics"]
        assert numbers["common"] == {"num_present": 2333, "num_missing": 0}
        assert numbers["mean"] == pytest.approx(column.mean(), rel=1e-12)
        assert numbers["sum"] == pytest.approx(column.sum(), rel=1e-12)
        assert numbers["std_dev"] == pytest.approx(column.std(ddof=0), rel=1e-9, abs=1e-12)
        assert numbers["min"] == column.min()
        assert numbers["max"] == column.max()
        buckets = numbers["distribution"]["kll"]["buckets"]
        assert len(buckets) == 10
        assert sum(bucket["count"] for bucket in buckets) == 2333
        sketch = numbers["distribution"]["kll"]["sketch"]
        assert sketch["parameters"]["k"] == 2048.0
        weight = sum(len(level) * 2**height for height, level in enumerate(sketch["data"]))
        assert weight == 2333


def test_churn_bucket_counts_follow_deequ_rule(churn_baseline: tuple[dict, dict, str]) -> None:
    """Buckets are [lo, hi) except the last; counts checked exactly where the sketch is exact."""
    statistics, _, _ = churn_baseline
    frame = pd.read_csv(CHURN)
    feature = next(f for f in statistics["features"] if f["name"] == "CustServ Calls")
    values = frame["CustServ Calls"].to_numpy()
    buckets = feature["numerical_statistics"]["distribution"]["kll"]["buckets"]
    counts = [int(((values >= b["lower_bound"]) & (values < b["upper_bound"])).sum()) for b in buckets[:-1]]
    last = buckets[-1]
    counts.append(int(((values >= last["lower_bound"]) & (values <= last["upper_bound"])).sum()))
    # 2,333 values exceed one level of k=2048, so counts are within the sketch's rank error.
    assert np.abs(np.array(counts) - [b["count"] for b in buckets]).max() <= 0.01 * 2333


def test_churn_constraints(churn_baseline: tuple[dict, dict, str]) -> None:
    statistics, constraints, _ = churn_baseline
    frame = pd.read_csv(CHURN)
    assert constraints["version"] == 0.0
    by_name = {feature["name"]: feature for feature in constraints["features"]}
    assert list(by_name) == list(frame.columns)
    for name, feature in by_name.items():
        assert feature["completeness"] == 1.0
        assert feature["num_constraints"]["is_non_negative"] == bool(frame[name].min() >= 0)
        stats_type = next(f["inferred_type"] for f in statistics["features"] if f["name"] == name)
        assert feature["inferred_type"] == stats_type
    assert constraints["monitoring_config"] == SUGGESTED_MONITORING_CONFIG


def test_summary_is_printed(churn_baseline: tuple[dict, dict, str]) -> None:
    _, _, stdout = churn_baseline
    assert "2,333" in stdout
    assert "Integral 66, Fractional 4" in stdout
    assert "statistics.json" in stdout
    assert "constraints.json" in stdout


def test_no_header_names_columns_like_spark(tmp_path: Path, churn_baseline: tuple[dict, dict, str]) -> None:
    headerless = tmp_path / "train.csv"
    headerless.write_text("".join(CHURN.read_text().splitlines(keepends=True)[1:]))
    result = run_cli("baseline", str(headerless), "--no-header", "--output", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    statistics, _ = load(tmp_path / "out")
    with_header, _, _ = churn_baseline
    assert [f["name"] for f in statistics["features"]] == [f"_c{index}" for index in range(70)]
    for mine, theirs in zip(statistics["features"], with_header["features"], strict=True):
        assert mine["inferred_type"] == theirs["inferred_type"]
        assert mine["numerical_statistics"]["mean"] == theirs["numerical_statistics"]["mean"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"a,b\n1,2\n3\n", "bad.csv:3: expected 2 fields, found 1"),
        (b"a,b\n", "no data rows"),
        (b"", "no data rows"),
        (b"a,b\n1,2\n\xff\xfe,3\n", "bad.csv:3"),
    ],
    ids=["ragged", "header-only", "empty", "not-utf8"],
)
def test_bad_input_is_one_line_and_leaves_no_output(tmp_path: Path, content: bytes, message: str) -> None:
    source = tmp_path / "bad.csv"
    source.write_bytes(content)
    output = tmp_path / "out"
    result = run_cli("baseline", str(source), "--output", str(output))
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not output.exists()
    assert [path.name for path in tmp_path.iterdir()] == ["bad.csv"]


def test_failure_keeps_an_earlier_baseline_intact(tmp_path: Path) -> None:
    output = tmp_path / "out"
    assert run_cli("baseline", str(CHURN), "--output", str(output)).returncode == 0
    before = {path.name: path.read_bytes() for path in output.iterdir()}
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("a,b\n1,2\n1,2,3\n")
    result = run_cli("baseline", str(ragged), "--output", str(output))
    assert result.returncode == 1
    assert {path.name: path.read_bytes() for path in output.iterdir()} == before


def test_missing_input_and_bad_option(tmp_path: Path) -> None:
    missing = run_cli("baseline", str(tmp_path / "nope.csv"), "--output", str(tmp_path / "out"))
    assert missing.returncode == 1
    assert "nope.csv" in missing.stderr
    assert "Traceback" not in missing.stderr
    bad_format = run_cli("baseline", str(CHURN), "--output", str(tmp_path / "o"), "--dataset-format", "xml")
    assert bad_format.returncode == 2
    assert "Traceback" not in bad_format.stderr


def test_help_has_an_example() -> None:
    result = run_cli("baseline", "--help")
    assert result.returncode == 0
    assert "Example: modelwatch baseline" in result.stdout


def test_demo_runs_the_tour_and_says_where_everything_is(tmp_path: Path) -> None:
    result = run_cli("demo", "--output", str(tmp_path / "demo"))
    assert result.returncode == 0, result.stderr
    assert f"statistics:  {tmp_path / 'demo' / 'baseline' / 'statistics.json'}" in result.stdout
    statistics, _ = load(tmp_path / "demo" / "baseline")
    assert statistics["dataset"]["item_count"] == 2333
    assert "Completed: Job completed successfully with no violations." in result.stdout
    assert "CompletedWithViolations: Job completed successfully with 3 violations." in result.stdout
    for line in (
        "Day Mins · baseline_drift_check",
        "Eve Mins · completeness_check",
        "Night Calls · data_type_check",
        "1 × not JSON",
    ):
        assert line in result.stdout
    report = tmp_path / "demo" / "reports" / "2026-11-29T11" / "report.html"
    assert f"Open the report of the drifted hour: {report}" in result.stdout
    assert report.is_file()
    assert "execution 1: CompletedWithViolations, 3 violations" in result.stdout
    assert "/api/v1/executions/1/files/report.html" in result.stdout
