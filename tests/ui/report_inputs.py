"""Real report inputs: statistics profiled from Arrow batches, check results as the checks would fill them."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pyarrow as pa

from modelwatch.checks.results import CheckResults, FeatureResult
from modelwatch.formats.statistics import Statistics
from modelwatch.formats.violations import Violation
from modelwatch.profiling.document import to_statistics
from modelwatch.profiling.profile import Profile
from modelwatch.ui.report import ReportData

HOSTILE = "<script>alert(\"x\")</script> & 'q'"
UNICODE = "température °C ✓"
BASELINE_ORDER = ["age", "income", "plan", "tenure", HOSTILE, UNICODE]
CURRENT_ONLY = "new_col"


def profiled(columns: dict[str, pa.Array]) -> Profile:
    result = Profile()
    result.update(pa.RecordBatch.from_pydict(columns))
    return result


def profile(columns: dict[str, pa.Array]) -> Statistics:
    return to_statistics(profiled(columns))


def baseline_columns(rows: int = 5000, seed: int = 1) -> dict[str, pa.Array]:
    rng = np.random.default_rng(seed)
    return {
        "age": pa.array(rng.integers(18, 90, rows)),
        "income": pa.array(rng.lognormal(10, 0.5, rows)),
        "plan": pa.array(rng.choice(["basic", "plus", "pro", "team"], rows, p=[0.5, 0.3, 0.15, 0.05])),
        "tenure": pa.array(rng.integers(0, 6, rows)),
        HOSTILE: pa.array(rng.normal(0, 1, rows)),
        UNICODE: pa.array(rng.normal(20, 5, rows)),
    }


def current_columns(rows: int = 3000, seed: int = 2) -> dict[str, pa.Array]:
    """The window: income drifted up, a new plan, `tenure` gone, a column the baseline lacks."""
    rng = np.random.default_rng(seed)
    ages = rng.integers(18, 90, rows).astype(object)
    ages[:30] = None
    return {
        "age": pa.array(ages.tolist(), type=pa.int64()),
        "income": pa.array(rng.lognormal(10.6, 0.5, rows)),
        "plan": pa.array(rng.choice(["basic", "plus", "enterprise"], rows, p=[0.4, 0.3, 0.3])),
        HOSTILE: pa.array(rng.normal(0.1, 1, rows)),
        UNICODE: pa.array(rng.normal(20, 5, rows)),
        CURRENT_ONLY: pa.array(rng.choice(["a", "b"], rows)),
    }


def check_results() -> CheckResults:
    drift = Violation(
        "income", "baseline_drift_check", "Numerical distance: 0.4511 exceeds numerical threshold: 0.1"
    )
    completeness = Violation(
        "age", "completeness_check", "Value: 0.99 does not meet the constraint requirement! "
    )
    domain = Violation(
        "plan", "categorical_values_check", "Value: 0.7 does not meet the constraint requirement! "
    )
    missing = Violation("tenure", "missing_column_check", "There are missing columns: baseline 6, current 6")
    extra = Violation(CURRENT_ONLY, "extra_column_check", "There are extra columns: baseline 6, current 6")
    hostile = Violation(HOSTILE, "baseline_drift_check", 'Numerical distance: 0.2 exceeds "threshold" <0.1>')
    features = [
        FeatureResult("age", "Integral", "Integral", 1.0, 0.99, 1.0, 0.03, 0.1, "Robust", [completeness]),
        FeatureResult("income", "Fractional", "Fractional", 1.0, 1.0, 1.0, 0.4511, 0.1, "Robust", [drift]),
        FeatureResult(
            "plan", "String", "String", 1.0, 1.0, 1.0, 0.0001, 0.05, "ChiSquared", [domain], domain_match=0.7
        ),
        FeatureResult("tenure", "Integral", None, 1.0, None, violations=[missing]),
        FeatureResult(HOSTILE, "Fractional", "Fractional", 1.0, 1.0, 1.0, 0.2, 0.1, "Simple", [hostile]),
        FeatureResult(
            UNICODE, "Fractional", "Fractional", 1.0, 1.0, 1.0, 0.02, 0.1, "Robust", notes=["<note> & more"]
        ),
        FeatureResult(CURRENT_ONLY, None, "String", None, 1.0, violations=[extra]),
    ]
    return CheckResults(features, [completeness, drift, domain, missing, hostile, extra])


def report_data(**changes: object) -> ReportData:
    values: dict[str, object] = {
        "title": "churn-endpoint · 2026-11-29 10:00–11:00 UTC",
        "status": "CompletedWithViolations",
        "message": "CompletedWithViolations: Job completed successfully with 6 violations.",
        "input_uri": "file:///data/capture/churn-endpoint/AllTraffic/2026/11/29/10",
        "window_start": datetime(2026, 11, 29, 10, tzinfo=UTC),
        "window_end": datetime(2026, 11, 29, 11, tzinfo=UTC),
        "baseline": profile(baseline_columns()),
        "current": profile(current_columns()),
        "results": check_results(),
        "notes": ["3 lines not JSON, e.g. 00-00-000-a.jsonl:17 <bad>"],
        "generated_at": datetime(2026, 11, 29, 11, 5, 12, tzinfo=UTC),
    }
    values.update(changes)
    return ReportData(**values)  # type: ignore[arg-type]
