"""All checks of one monitoring window against a baseline, feature by feature.

Features are the baseline constraints' features, in their order, then the current columns the
baseline does not have. The constraints decide what is checked (removing a feature from
constraints.json stops its checks); the statistics document supplies only the baseline
distributions for drift. Numbers are computed even where `evaluate_constraints` is Disabled, so
reports and metrics still show them; only the violations are dropped.
"""

from __future__ import annotations

from modelwatch.checks.categorical import categorical_values_check
from modelwatch.checks.columns import extra_column_check, missing_column_check
from modelwatch.checks.completeness import completeness_check
from modelwatch.checks.config import FeatureConfig, feature_config
from modelwatch.checks.data_type import data_type_check
from modelwatch.checks.drift import baseline_drift_check
from modelwatch.checks.results import CheckOutcome, CheckResults, FeatureResult
from modelwatch.formats.constraints import Constraints, FeatureConstraints
from modelwatch.formats.statistics import Statistics
from modelwatch.formats.violations import Violation
from modelwatch.profiling.column import ColumnProfile
from modelwatch.profiling.profile import Profile

DISABLED_NOTE = "evaluate_constraints is Disabled: no violations are reported for this feature"


def run_checks(
    baseline_statistics: Statistics, baseline_constraints: Constraints, current: Profile
) -> CheckResults:
    """Check the window profiled in `current` against the baseline; raises `ConfigError` for a
    monitoring_config value (global or per feature) that means nothing."""
    baseline_names = [feature.name for feature in baseline_constraints.features]
    current_names = list(current.columns)
    missing = {v.feature_name: v for v in missing_column_check(baseline_names, current_names)}
    monitoring = baseline_constraints.monitoring_config
    features: list[FeatureResult] = []
    emit_metrics: dict[str, bool] = {}
    for feature in baseline_constraints.features:
        config = feature_config(monitoring, feature.overrides, feature.name)
        column = current.columns.get(feature.name)
        if column is None:
            result = FeatureResult(feature.name, feature.inferred_type, None, feature.completeness)
            found = [missing[feature.name]]
        else:
            result, found = _check_feature(feature, baseline_statistics, column, config)
        features.append(_settle(result, found, config))
        emit_metrics[feature.name] = config.emit_metrics
    overall = feature_config(monitoring)
    for violation in extra_column_check(baseline_names, current_names):
        column = current.columns[violation.feature_name]
        result = FeatureResult(violation.feature_name, None, column.inferred_type)
        result.completeness = completeness_check(violation.feature_name, None, column).value
        features.append(_settle(result, [violation], overall))
        emit_metrics[violation.feature_name] = overall.emit_metrics
    violations = [violation for result in features for violation in result.violations]
    return CheckResults(features=features, violations=violations, emit_metrics=emit_metrics)


def _check_feature(
    feature: FeatureConstraints, statistics: Statistics, column: ColumnProfile, config: FeatureConfig
) -> tuple[FeatureResult, list[Violation]]:
    name, baseline_type = feature.name, feature.inferred_type
    result = FeatureResult(name, baseline_type, column.inferred_type, feature.completeness)
    outcomes: list[CheckOutcome] = []
    type_match = data_type_check(name, baseline_type, column, config.datatype_check_threshold)
    completeness = completeness_check(name, feature.completeness, column)
    result.type_match, result.completeness = type_match.value, completeness.value
    outcomes += [type_match, completeness]
    drift = baseline_drift_check(name, baseline_type, statistics.feature(name), column, config)
    result.distance, result.threshold, result.method = drift.distance, drift.threshold, drift.method
    outcomes.append(CheckOutcome(drift.distance, drift.violation, drift.note))
    if baseline_type == "String" and feature.domains is not None:
        domain = categorical_values_check(name, feature.domains, column, config.domain_content_threshold)
        result.domain_match = domain.value
        outcomes.append(domain)
    result.notes = [outcome.note for outcome in outcomes if outcome.note is not None]
    return result, [outcome.violation for outcome in outcomes if outcome.violation is not None]


def _settle(result: FeatureResult, found: list[Violation], config: FeatureConfig) -> FeatureResult:
    """Attach the violations found, unless constraints are not evaluated for this feature."""
    if config.evaluate_constraints:
        result.violations = found
    elif found:
        result.notes.append(DISABLED_NOTE)
    return result
