"""`modelwatch_results.json`: what an analysis found that SageMaker's report files have no place for.

SageMaker's documents keep the violations and some metrics; this modelwatch-only file keeps the rest,
so that whoever shows the report later (the dashboard) shows what `report.html` showed: how the input
was read (column matching, lines skipped and where), and per feature every number the checks computed
(the share of values in the baseline domain, drift distances whose metrics were not emitted, the
method and threshold used) and the checks' notes. Violations stay in `constraint_violations.json`.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Any

from modelwatch.checks.results import CheckResults, FeatureResult
from modelwatch.formats.documents import MALFORMED, DocumentError, expect, expect_list, optional_float
from modelwatch.formats.violations import Violation

RESULTS_FILE = "modelwatch_results.json"
VERSION = 1
_NUMBERS = ("baseline_completeness", "completeness", "type_match", "distance", "threshold", "domain_match")


@dataclass
class AnalysisResults:
    notes: list[str]
    """How the input was read, in the order the analysis found it out."""
    features: list[FeatureResult] | None
    """None when no checks ran (an empty window); each feature's `violations` left empty."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": VERSION,
            "notes": self.notes,
            "features": None if self.features is None else [_feature_to_dict(f) for f in self.features],
        }

    @classmethod
    def from_dict(cls, data: Any, source: str = RESULTS_FILE) -> AnalysisResults:
        document = expect(data, dict, source, "the document")
        notes = [str(note) for note in expect_list(document.get("notes", []), source, "'notes'")]
        entries = document.get("features")
        if entries is None:
            return cls(notes, None)
        features = [
            _feature_from_dict(entry, source, index)
            for index, entry in enumerate(expect_list(entries, source, "'features'"))
        ]
        return cls(notes, features)

    def check_results(self, violations: list[Violation]) -> CheckResults | None:
        """The checks' results with `violations` (from constraint_violations.json) given to their features."""
        if self.features is None:
            return None
        found: defaultdict[str, list[Violation]] = defaultdict(list)
        for violation in violations:
            found[violation.feature_name].append(violation)
        features = [replace(feature, violations=found.get(feature.name, [])) for feature in self.features]
        return CheckResults(features=features, violations=violations)


def _feature_to_dict(feature: FeatureResult) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": feature.name,
        "baseline_type": feature.baseline_type,
        "current_type": feature.current_type,
        "method": feature.method,
    }
    for key in _NUMBERS:
        value = getattr(feature, key)
        # strict JSON has no infinities: written as SageMaker writes "NaN", as a string
        entry[key] = value if value is None or math.isfinite(value) else str(value)
    entry["notes"] = feature.notes
    return entry


def _feature_from_dict(data: Any, source: str, index: int) -> FeatureResult:
    where = f"features[{index}]"
    entry = expect(data, dict, source, where)
    name = expect(entry.get("name"), str, source, f"{where}.name")
    try:
        numbers = {key: optional_float(entry.get(key)) for key in _NUMBERS}
        return FeatureResult(
            name=name,
            baseline_type=_optional_text(entry.get("baseline_type")),
            current_type=_optional_text(entry.get("current_type")),
            method=_optional_text(entry.get("method")),
            notes=[str(note) for note in entry.get("notes") or []],
            **numbers,
        )
    except MALFORMED as error:
        raise DocumentError.malformed(source, f"{where} ({name})", error) from error


def _optional_text(value: Any) -> str | None:
    return None if value is None else str(value)
