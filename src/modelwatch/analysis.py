"""One monitoring execution end to end: window → profile → checks → report → status.

An execution never raises for a problem with its inputs: it ends `Failed` with a one-line reason
(an unreadable baseline, an empty window, a preprocessor that fails on every record), so a scheduler
can record it like any other outcome. Bad records inside the window are counted and skipped.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from modelwatch import storage
from modelwatch.baseline import CONSTRAINTS_FILE, STATISTICS_FILE
from modelwatch.checks import CheckResults, run_checks
from modelwatch.documents import read_constraints, read_statistics
from modelwatch.engines.capture import CaptureTask, profile_capture
from modelwatch.engines.local import Progress, profile_dataset
from modelwatch.errors import ModelwatchError
from modelwatch.formats.constraints import Constraints
from modelwatch.formats.results import RESULTS_FILE, AnalysisResults
from modelwatch.formats.statistics import Statistics
from modelwatch.formats.violations import ConstraintViolations, Violation
from modelwatch.profiling.document import to_statistics
from modelwatch.profiling.profile import Profile
from modelwatch.readers import DatasetFormat, DatasetSpec
from modelwatch.readers.capture import Problems, capture_files
from modelwatch.scripts import load_function
from modelwatch.suggest import suggest_constraints
from modelwatch.ui.report import ReportData, render_report_page

VIOLATIONS_FILE = "constraint_violations.json"
METRICS_FILE = "metrics.json"
REPORT_FILE = "report.html"

COMPLETED = "Completed"
COMPLETED_WITH_VIOLATIONS = "CompletedWithViolations"
FAILED = "Failed"


@dataclass
class AnalysisResult:
    """What one execution produced. `files` maps each written document to its location."""

    status: str
    message: str
    violations: list[Violation] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)
    item_count: int = 0
    results: CheckResults | None = None
    problems: Problems | None = None
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed(self) -> bool:
        return self.status == FAILED

    def statistics(self) -> Statistics:
        """The window's statistics, as written."""
        return read_statistics(self.files[STATISTICS_FILE])

    def constraint_violations(self) -> ConstraintViolations:
        return ConstraintViolations(list(self.violations))


@dataclass(frozen=True)
class Baseline:
    statistics: Statistics
    constraints: Constraints


def exit_message(violations: int) -> str:
    """SageMaker's exit message for a successful execution."""
    if violations == 0:
        return f"{COMPLETED}: Job completed successfully with no violations."
    return f"{COMPLETED_WITH_VIOLATIONS}: Job completed successfully with {violations} violations."


def load_baseline(
    baseline: str | None,
    statistics: str | None = None,
    constraints: str | None = None,
    storage_options: Mapping[str, Any] | None = None,
) -> Baseline:
    """The baseline documents: `DIR/statistics.json` and `DIR/constraints.json`, or named one by one."""
    statistics = statistics or (storage.join(baseline, STATISTICS_FILE) if baseline else None)
    constraints = constraints or (storage.join(baseline, CONSTRAINTS_FILE) if baseline else None)
    if statistics is None or constraints is None:
        raise ModelwatchError(
            "no baseline: give a baseline directory, or both its statistics and constraints"
        )
    return Baseline(
        read_statistics(statistics, storage_options), read_constraints(constraints, storage_options)
    )


def analyze(
    input: str,
    output: str,
    *,
    baseline: str | None = None,
    baseline_statistics: str | None = None,
    baseline_constraints: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    dataset_format: DatasetFormat | None = None,
    header: bool = True,
    preprocessor: str | None = None,
    postprocessor: str | None = None,
    output_columns_position: Literal["start", "end"] = "start",
    allow_empty: bool = False,
    storage_options: Mapping[str, Any] | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
) -> AnalysisResult:
    """Compare `input` with the baseline and write the report into `output`.

    With a window (`start`, `end`), `input` is a capture location (`{destination}/{endpoint}/{variant}`)
    and only records whose `inferenceTime` falls in [start, end) count; without one, it is a data set
    (CSV, JSON Lines or Parquet, as for `baseline`), for batch jobs.
    """
    started = time.perf_counter()
    try:
        result = _execute(
            input,
            output,
            baseline_paths=(baseline, baseline_statistics, baseline_constraints),
            window=_window(start, end),
            dataset=(dataset_format, header),
            preprocessor=preprocessor,
            postprocessor=postprocessor,
            output_columns_position=output_columns_position,
            allow_empty=allow_empty,
            storage_options=storage_options,
            workers=workers,
            progress=progress,
        )
    except ModelwatchError as error:
        result = AnalysisResult(status=FAILED, message=str(error))
    result.seconds = time.perf_counter() - started
    return result


def _window(start: datetime | None, end: datetime | None) -> tuple[datetime, datetime] | None:
    if start is None and end is None:
        return None
    if start is None or end is None:
        raise ModelwatchError("a window needs both --start and --end")
    start, end = _utc(start), _utc(end)
    if start >= end:
        raise ModelwatchError(f"the window is empty: start {_iso(start)} is not before end {_iso(end)}")
    return start, end


def _execute(
    input: str,
    output: str,
    *,
    baseline_paths: tuple[str | None, str | None, str | None],
    window: tuple[datetime, datetime] | None,
    dataset: tuple[DatasetFormat | None, bool],
    preprocessor: str | None,
    postprocessor: str | None,
    output_columns_position: Literal["start", "end"],
    allow_empty: bool,
    storage_options: Mapping[str, Any] | None,
    workers: int | None,
    progress: Progress | None,
) -> AnalysisResult:
    reference = load_baseline(*baseline_paths, storage_options=storage_options)
    notes: list[str] = []
    problems: Problems | None = None
    if window is None:
        spec = DatasetSpec(input, dataset[0], dataset[1], storage_options)
        profile = profile_dataset(spec, workers=workers, progress=progress)
        empty_reason = f"no data rows in {input}"
    else:
        files = capture_files(input, *window, storage_options)
        task = CaptureTask(
            files=tuple(files),
            start=window[0],
            end=window[1],
            feature_names=tuple(feature.name for feature in reference.statistics.features),
            output_columns_position=output_columns_position,
            preprocessor=preprocessor,
            storage_options=dict(storage_options or {}),
        )
        capture = profile_capture(task, workers=workers, progress=progress)
        profile, problems = capture.profile, capture.problems
        notes += capture.notes
        empty_reason = f"no captured data between {_iso(window[0])} and {_iso(window[1])} in {input}"
    if problems is not None and problems.total:
        notes += [f"skipped: {line}" for line in problems.summary_lines()]
    if profile.item_count == 0:
        if not allow_empty:
            raise ModelwatchError(empty_reason)
        notes.append(empty_reason)
    results = run_checks(reference.statistics, reference.constraints, profile) if profile.item_count else None
    violations = results.violations if results is not None else []
    result = AnalysisResult(
        status=COMPLETED_WITH_VIOLATIONS if violations else COMPLETED,
        message=exit_message(len(violations)),
        violations=violations,
        item_count=profile.item_count,
        results=results,
        problems=problems,
        notes=notes,
    )
    result.files = _write_report(output, input, window, reference, profile, result, storage_options)
    if postprocessor is not None:
        _run_postprocessor(postprocessor)
    return result


def _write_report(
    output: str,
    input: str,
    window: tuple[datetime, datetime] | None,
    reference: Baseline,
    profile: Profile,
    result: AnalysisResult,
    storage_options: Mapping[str, Any] | None,
) -> dict[str, str]:
    statistics = to_statistics(profile)
    generated_at = datetime.now(UTC)
    timestamp = _iso(window[1] if window else generated_at)
    metrics = result.results.metrics() if result.results is not None else {}
    report = ReportData(
        title=f"{input} · {_iso(window[0])} – {_iso(window[1])}" if window else input,
        status=result.status,
        message=result.message,
        input_uri=input,
        window_start=window[0] if window else None,
        window_end=window[1] if window else None,
        baseline=reference.statistics,
        current=statistics,
        results=result.results,
        notes=result.notes,
        generated_at=generated_at,
    )
    documents: dict[str, Any] = {
        STATISTICS_FILE: statistics.to_dict(),
        CONSTRAINTS_FILE: suggest_constraints(profile).to_dict(),
        VIOLATIONS_FILE: result.constraint_violations().to_dict(),
        METRICS_FILE: {
            "metrics": [
                {"MetricName": name, "Value": value, "Timestamp": timestamp}
                for name, value in metrics.items()
            ]
        },
        RESULTS_FILE: AnalysisResults(
            result.notes, result.results.features if result.results is not None else None
        ).to_dict(),
    }
    with storage.staged_directory(output, storage_options) as staging:
        for name, document in documents.items():
            storage.write_json(storage.join(staging, name), document, storage_options)
        storage.atomic_write_bytes(
            storage.join(staging, REPORT_FILE), render_report_page(report).encode(), storage_options
        )
    return {name: storage.join(output, name) for name in [*documents, REPORT_FILE]}


def _run_postprocessor(path: str) -> None:
    """SageMaker's contract: `postprocess_handler()` runs after a successful analysis."""
    handler = load_function(path, "postprocess_handler", "postprocessor")
    try:
        handler()
    except Exception as error:
        raise ModelwatchError(
            f"{path}: postprocess_handler failed: {type(error).__name__}: {error}"
        ) from error


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
