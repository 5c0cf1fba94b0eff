"""An execution's report documents and its baseline's, through the caches, as the pages need them."""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from modelwatch import storage
from modelwatch.analysis import METRICS_FILE, VIOLATIONS_FILE
from modelwatch.baseline import STATISTICS_FILE
from modelwatch.documents import read_constraints, read_statistics, read_violations
from modelwatch.errors import ModelwatchError, one_line
from modelwatch.formats.constraints import Constraints
from modelwatch.formats.documents import MALFORMED, optional_float
from modelwatch.formats.results import RESULTS_FILE, AnalysisResults
from modelwatch.formats.statistics import Statistics
from modelwatch.formats.violations import Violation
from modelwatch.service.api.reports import report_file, report_folder
from modelwatch.service.dashboard.documents import DocumentCache, file_version
from modelwatch.service.dashboard.records import execution_row
from modelwatch.service.dashboard.results import COMPLETENESS, DRIFT, metric_values
from modelwatch.service.store import Baseline, Execution, Schedule

T = TypeVar("T")

REPORT_DOCUMENTS = (STATISTICS_FILE, VIOLATIONS_FILE, METRICS_FILE, RESULTS_FILE)
"""The files of a report folder that its page shows."""
SUMMARIES = 4096
"""Per-execution summaries kept in memory (small: a few numbers per feature)."""
SUMMARY_FOLDER = "dashboard-cache"
"""Below the data directory: each execution's summary, under its report files' versions."""
DOCUMENTS = 24
"""Whole statistics and constraints documents kept (large: a wide one holds every feature's sketch)."""
PAGES = 8
"""Rendered execution reports kept (a few megabytes each for 500 features)."""


@dataclass(frozen=True)
class FeatureNumbers:
    """One feature in one execution, as its history shows it."""

    mean: float | None
    completeness: float | None
    drift: float | None = None
    checks: tuple[str, ...] = ()
    """The checks it violated."""


@dataclass(frozen=True)
class Summary:
    """An execution's `FeatureNumbers` per feature, as kept on disk; a history asks for one feature."""

    rows: dict[str, list[Any]]
    """name -> [mean, completeness, drift, violated checks]."""

    def get(self, name: str) -> FeatureNumbers | None:
        row = self.rows.get(name)
        return None if row is None else FeatureNumbers(row[0], row[1], row[2], tuple(row[3]))


@dataclass
class ReportDocuments:
    """What an execution's report folder holds; None for a document it does not have."""

    current: Statistics | None = None
    violations: list[Violation] | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    results: AnalysisResults | None = None
    """modelwatch's own file: absent from report folders written before it existed."""
    problems: list[str] = field(default_factory=list)


class Reports:
    """Reading report and baseline documents for the pages, each file parsed once while unchanged."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._documents = DocumentCache(DOCUMENTS)
        self._summaries = DocumentCache(SUMMARIES)
        self._rendered = DocumentCache(PAGES)
        self._summary_dir = data_dir / SUMMARY_FOLDER

    def folder(self, execution: Execution) -> Path | None:
        return report_folder(execution.report_uri, self.data_dir)

    def file(self, folder: Path | None, name: str) -> str | None:
        found = report_file(folder, name, self.data_dir) if folder is not None else None
        return str(found) if found is not None else None

    def documents(self, execution: Execution) -> ReportDocuments:
        """The whole report of one execution (for its page); problems say what could not be read."""
        folder = self.folder(execution)
        found = ReportDocuments()
        statistics = self.file(folder, STATISTICS_FILE)
        try:
            found.current = self._documents.load(statistics, read_statistics) if statistics else None
        except ModelwatchError as error:
            found.problems.append(one_line(error))
        found.violations, found.metrics = self._checks(folder, found.problems)
        results = self.file(folder, RESULTS_FILE)
        try:
            found.results = self._documents.load(results, _results) if results else None
        except ModelwatchError as error:
            found.problems.append(one_line(error))
        return found

    def rendered(self, execution: Execution, schedule: Schedule, render: Callable[[], str]) -> str:
        """`render()` of the execution's report, kept while the execution's record and every file that
        the report shows are unchanged; rendered each time when one of them is not on the local disk."""
        folder = self.folder(execution)
        files = [self.file(folder, name) for name in REPORT_DOCUMENTS]
        files += [schedule.baseline.statistics_uri, schedule.baseline.constraints_uri]
        try:
            versions = [file_version(uri) if uri else None for uri in files]
        except ModelwatchError:
            return render()
        if any(uri and version is None for uri, version in zip(files, versions, strict=True)):
            return render()
        record = (execution_row(execution, schedule.name), execution.created_at, execution.report_uri)
        return self._rendered.keep((record, schedule.endpoint.capture_uri, *versions), render)

    def summary(self, execution: Execution) -> Summary:
        """Per feature the few numbers its history shows, from the statistics, metrics and violations of
        the execution's report: in memory, else from the summary folder, else read once and kept there."""
        folder = self.folder(execution)
        files = tuple(self.file(folder, name) for name in (STATISTICS_FILE, METRICS_FILE, VIOLATIONS_FILE))
        try:
            versions = tuple(file_version(uri) if uri else None for uri in files)
        except ModelwatchError:
            return Summary({})
        return self._summaries.keep(versions, lambda: self._summarised(files, versions))

    def warm(self, execution: Execution) -> None:
        """Summarise a newly finished execution now, so the first feature history to include it is fast."""
        self.summary(execution)

    def _summarised(self, files: tuple[str | None, ...], versions: tuple[object, ...]) -> Summary:
        kept = self._summary_dir / f"{hashlib.sha256(repr(versions).encode()).hexdigest()}.json"
        try:
            rows = storage.loads_json(kept.read_bytes())
            if isinstance(rows, dict):
                return Summary(rows)
        except (OSError, ValueError):
            pass
        rows = _summary_rows(*files)
        self._summary_dir.mkdir(exist_ok=True)
        partial = kept.with_suffix(f".{os.getpid()}.{threading.get_ident()}.partial")
        partial.write_text(json.dumps(rows))
        partial.replace(kept)
        return Summary(rows)

    def violations(self, execution: Execution) -> list[Violation] | None:
        return self._checks(self.folder(execution), [], self._summaries)[0]

    def baseline_statistics(self, baseline: Baseline) -> Statistics:
        if baseline.statistics_uri is None:
            raise ModelwatchError(
                f"baseline {baseline.name!r} has no statistics yet (its job has not completed)"
            )
        return self._documents.load(baseline.statistics_uri, read_statistics)

    def baseline_constraints(self, baseline: Baseline) -> Constraints:
        if baseline.constraints_uri is None:
            raise ModelwatchError(
                f"baseline {baseline.name!r} has no constraints yet (its job has not completed)"
            )
        return self._documents.load(baseline.constraints_uri, read_constraints)

    def _checks(
        self, folder: Path | None, problems: list[str], cache: DocumentCache | None = None
    ) -> tuple[list[Violation] | None, dict[str, float]]:
        cache = cache or self._documents
        violations, metrics = None, {}
        violations_file, metrics_file = self.file(folder, VIOLATIONS_FILE), self.file(folder, METRICS_FILE)
        try:
            if violations_file:
                violations = cache.load(violations_file, _violations)
            if metrics_file:
                metrics = cache.load(metrics_file, _metrics)
        except ModelwatchError as error:
            problems.append(one_line(error))
        return violations, metrics


def _results(uri: str) -> AnalysisResults:
    return AnalysisResults.from_dict(storage.read_json(uri), uri)


def _violations(uri: str) -> list[Violation]:
    return read_violations(uri).violations


def _metrics(uri: str) -> dict[str, float]:
    return metric_values(storage.read_json(uri))


def _summary_rows(
    statistics: str | None, metrics: str | None, violations: str | None
) -> dict[str, list[Any]]:
    """Only the fields a history shows: the statistics' sketches are never converted."""
    values = _readable(_metrics, metrics) or {}
    checks: defaultdict[str, list[str]] = defaultdict(list)
    for violation in _readable(_violations, violations) or []:
        checks[violation.feature_name].append(violation.constraint_check_type)
    moments = _readable(_moments, statistics) or {}
    names = dict.fromkeys(moments)
    for metric in values:
        for prefix in (DRIFT, COMPLETENESS):
            if metric.startswith(prefix):
                names[metric.removeprefix(prefix)] = None
    names.update(dict.fromkeys(checks))
    rows = {}
    for name in names:
        mean, completeness = moments.get(name, (None, None))
        completeness = values.get(COMPLETENESS + name, completeness)
        rows[name] = [mean, completeness, values.get(DRIFT + name), checks.get(name, [])]
    return rows


def _readable(read: Callable[[str], T], uri: str | None) -> T | None:
    """A document for the summary: one that cannot be read contributes nothing (its page says why)."""
    if uri is None:
        return None
    try:
        return read(uri)
    except (ModelwatchError, *MALFORMED):
        return None


def _moments(uri: str) -> dict[str, tuple[float | None, float | None]]:
    """Each feature's mean and completeness, straight from the document's JSON."""
    found = {}
    for entry in storage.read_json(uri)["features"]:
        numerical = entry.get("numerical_statistics")
        common = (numerical or entry.get("string_statistics") or {}).get("common") or {}
        present, missing = int(common.get("num_present", 0)), int(common.get("num_missing", 0))
        mean = optional_float(numerical.get("mean")) if numerical else None
        found[str(entry["name"])] = (mean, present / (present + missing) if present + missing else None)
    return found
