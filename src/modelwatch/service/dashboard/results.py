"""The check results of a finished execution, rebuilt from its report files and the baseline constraints.

An execution's report keeps what the checks found as documents: the violations, the per-feature metrics
(drift distance, completeness, type match) and the window's statistics. With the baseline constraints,
which give each feature's drift method and threshold, that is what the report renderer needs. What the
documents do not keep (the share of values in the baseline domain, the checks' notes) is left out.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from modelwatch.checks.config import feature_config
from modelwatch.checks.results import CheckResults, FeatureResult
from modelwatch.formats.constraints import Constraints, FeatureConstraints
from modelwatch.formats.statistics import NUMERIC_TYPES, Statistics
from modelwatch.formats.violations import Violation

DRIFT, COMPLETENESS, TYPE_MATCH = "feature_baseline_drift_", "feature_non_null_", "feature_data_type_"


def metric_values(document: Any) -> dict[str, float]:
    """`metrics.json` as {MetricName: Value}; entries that are not a name and a number are skipped."""
    entries = document.get("metrics", []) if isinstance(document, dict) else []
    values: dict[str, float] = {}
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict):
            continue
        name, value = entry.get("MetricName"), entry.get("Value")
        if isinstance(name, str) and isinstance(value, int | float) and not isinstance(value, bool):
            values[name] = float(value)
    return values


def drift_setting(constraints: Constraints, name: str) -> tuple[str, float] | None:
    """The feature's drift method and threshold; None when it has no constraints or no comparison."""
    feature = next((f for f in constraints.features if f.name == name), None)
    return _drift_setting(constraints, feature) if feature is not None else None


def _drift_setting(constraints: Constraints, feature: FeatureConstraints) -> tuple[str, float] | None:
    config = feature_config(constraints.monitoring_config, feature.overrides, feature.name)
    if not config.perform_comparison:
        return None
    if feature.inferred_type in NUMERIC_TYPES:
        return config.comparison_method, config.comparison_threshold
    if feature.inferred_type == "String":
        return config.categorical_drift_method, config.categorical_comparison_threshold
    return None


def rebuild_results(
    constraints: Constraints, current: Statistics, violations: list[Violation], metrics: dict[str, float]
) -> CheckResults:
    """Constraint features in their order, then the window's columns the baseline lacks, as `run_checks`
    orders them; raises `ConfigError` for a monitoring_config the checks could not have used either."""
    found: defaultdict[str, list[Violation]] = defaultdict(list)
    for violation in violations:
        found[violation.feature_name].append(violation)
    current_types = {feature.name: feature.inferred_type for feature in current.features}
    features = []
    for feature in constraints.features:
        distance = metrics.get(DRIFT + feature.name)
        setting = _drift_setting(constraints, feature) if distance is not None else None
        method, threshold = setting if setting is not None else (None, None)
        features.append(
            FeatureResult(
                feature.name,
                feature.inferred_type,
                current_types.get(feature.name),
                feature.completeness,
                metrics.get(COMPLETENESS + feature.name),
                metrics.get(TYPE_MATCH + feature.name),
                distance,
                threshold,
                method,
                found.get(feature.name, []),
            )
        )
    known = {feature.name for feature in constraints.features}
    for name, inferred in current_types.items():
        if name not in known:
            features.append(
                FeatureResult(
                    name,
                    None,
                    inferred,
                    completeness=metrics.get(COMPLETENESS + name),
                    violations=found[name],
                )
            )
    return CheckResults(features=features, violations=violations)
