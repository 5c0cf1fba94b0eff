"""`baseline_drift_check`: has the distribution moved further from the baseline than its threshold?

The baseline side is read from the statistics document only (`sketch.data` levels for numbers,
`categorical.buckets` for strings), so baselines made by SageMaker work unchanged; the current side
is the window's profile. A side without distribution data means no comparison, and the result says
so (method None and a note) rather than reporting a distance of zero.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from modelwatch.checks import messages
from modelwatch.checks.chisquare import chi_square_test
from modelwatch.checks.config import FeatureConfig
from modelwatch.checks.distance import categorical_linf, numerical_linf, robust
from modelwatch.formats.statistics import NUMERIC_TYPES, FeatureStatistics
from modelwatch.formats.violations import Violation
from modelwatch.profiling import kll
from modelwatch.profiling.column import ColumnProfile

CHECK = "baseline_drift_check"


@dataclass(frozen=True)
class Drift:
    distance: float | None = None
    """L∞ distance (Robust-corrected when that method is used) or, for ChiSquared, the p-value."""
    threshold: float | None = None
    method: str | None = None
    violation: Violation | None = None
    note: str | None = None


def baseline_drift_check(
    name: str,
    baseline_type: str,
    baseline: FeatureStatistics | None,
    column: ColumnProfile,
    config: FeatureConfig,
) -> Drift:
    if not config.perform_comparison:
        return Drift(note="baseline_drift_check: perform_comparison is Disabled")
    if baseline_type in NUMERIC_TYPES:
        return _numerical(name, baseline, column, config)
    if baseline_type == "String":
        return _categorical(name, baseline, column, config)
    return Drift(note=f"baseline_drift_check: a {baseline_type} baseline feature has no distribution")


def _numerical(
    name: str, baseline: FeatureStatistics | None, column: ColumnProfile, config: FeatureConfig
) -> Drift:
    sketch = baseline.numerical.sketch if baseline is not None and baseline.numerical is not None else None
    levels = [np.asarray(level, dtype=np.float64) for level in sketch.data] if sketch is not None else []
    base_items, base_weights = kll.weighted_items(levels)
    finite = np.isfinite(base_items)  # a document may hold "NaN"; it has no place in a CDF
    base_items, base_weights = base_items[finite], base_weights[finite]
    if len(base_items) == 0:
        return Drift(note="baseline_drift_check: the baseline statistics hold no sketch for this feature")
    items, weights = kll.weighted_items(kll.levels(column.sketch))
    if len(items) == 0:
        return Drift(note="baseline_drift_check: the current data has no numeric values")
    distance, n, m = numerical_linf(base_items, base_weights, items, weights)
    if config.comparison_method == "Robust":
        distance = robust(distance, n, m)
    threshold = config.comparison_threshold
    violation = (
        Violation(name, CHECK, messages.numerical_drift(distance, threshold))
        if distance > threshold
        else None
    )
    return Drift(distance, threshold, config.comparison_method, violation)


def _categorical(
    name: str, baseline: FeatureStatistics | None, column: ColumnProfile, config: FeatureConfig
) -> Drift:
    buckets = baseline.string.buckets if baseline is not None and baseline.string is not None else None
    expected: dict[str, float] = {}
    for bucket in buckets or []:
        expected[bucket.value] = expected.get(bucket.value, 0) + bucket.count
    if sum(expected.values()) <= 0:
        return Drift(note="baseline_drift_check: the baseline statistics hold no categories for this feature")
    observed = column.categories.counts
    if observed is None:
        return Drift(
            note="baseline_drift_check: the current data has too many distinct values for exact frequencies"
        )
    if sum(observed.values()) == 0:
        return Drift(note="baseline_drift_check: the current data has no values")
    threshold = config.categorical_comparison_threshold
    if config.categorical_drift_method == "ChiSquared":
        return _chi_square(name, expected, observed, threshold)
    distance, n, m = categorical_linf(expected, observed)
    if config.comparison_method == "Robust":
        distance = robust(distance, n, m)
    violation = (
        Violation(name, CHECK, messages.categorical_drift(distance, threshold))
        if distance > threshold
        else None
    )
    return Drift(distance, threshold, "LInfinity", violation)


def _chi_square(name: str, expected: dict[str, float], observed: dict[str, int], threshold: float) -> Drift:
    """A p-value below the threshold is drift: the current table is that unlikely under the baseline.

    SageMaker does not document the direction; below is the only one under which a larger threshold
    flags more, like every other threshold here. `comparison_method` does not apply: Deequ's
    alternative returns the χ² statistic, which has no scale a fixed threshold could fit.
    """
    p_value = chi_square_test(observed, expected).p_value
    if math.isnan(p_value):
        return Drift(
            threshold=threshold,
            method="ChiSquared",
            note="baseline_drift_check: fewer than two categories remain after regrouping; no χ² test",
        )
    violation = (
        Violation(name, CHECK, messages.chi_square_drift(p_value, threshold)) if p_value < threshold else None
    )
    return Drift(p_value, threshold, "ChiSquared", violation)
