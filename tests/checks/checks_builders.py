"""Builders shared by the checks tests: real profiles from Arrow batches, baselines made by our
baseline job (`to_statistics` + `suggest_constraints`), and constraints documents edited in the
places SageMaker users put their settings (global block, either override spelling, nested)."""

from __future__ import annotations

import copy
from typing import Any

import pyarrow as pa

from modelwatch.checks import CheckResults, FeatureResult, run_checks
from modelwatch.formats.constraints import Constraints
from modelwatch.formats.statistics import Statistics
from modelwatch.profiling.document import to_statistics
from modelwatch.profiling.profile import Profile
from modelwatch.suggest import suggest_constraints

DISTRIBUTION_KEYS = (
    "perform_comparison",
    "comparison_threshold",
    "comparison_method",
    "categorical_comparison_threshold",
    "categorical_drift_method",
)
PLACES = ("global", "dg_override", "sdk_override", "nested_override")
"""Where a setting is written: `monitoring_config`, the feature's `monitoringConfigOverrides`, its
`string_constraints.monitoring_config_overrides`, or under `distribution_constraints` in an override."""


def profile(**columns: Any) -> Profile:
    """A profile of one batch; each column is a list or an Arrow array."""
    result = Profile()
    result.update(pa.record_batch({name: pa.array(values) for name, values in columns.items()}))
    return result


def baseline(base: Profile) -> tuple[Statistics, dict[str, Any]]:
    """The statistics and the constraints document our baseline job writes for `base`."""
    return to_statistics(base), suggest_constraints(base).to_dict()


def with_setting(document: dict[str, Any], feature: str, key: str, value: Any, place: str) -> Constraints:
    """`document` with `key: value` written at `place` (for `feature` when it is an override)."""
    edited = copy.deepcopy(document)
    entry = next(item for item in edited["features"] if item["name"] == feature)
    if place == "global":
        config = edited["monitoring_config"]
        (config["distribution_constraints"] if key in DISTRIBUTION_KEYS else config)[key] = value
    elif place == "dg_override":
        entry.setdefault("monitoringConfigOverrides", {})[key] = value
    elif place == "sdk_override":
        strings = entry.setdefault("string_constraints", {})
        strings.setdefault("monitoring_config_overrides", {})[key] = value
    else:
        overrides = entry.setdefault("monitoringConfigOverrides", {})
        overrides.setdefault("distribution_constraints", {})[key] = value
    return Constraints.from_dict(edited)


def check(
    statistics: Statistics, constraints: Constraints | dict[str, Any], current: Profile
) -> CheckResults:
    if isinstance(constraints, dict):
        constraints = Constraints.from_dict(constraints)
    return run_checks(statistics, constraints, current)


def feature(results: CheckResults, name: str) -> FeatureResult:
    return next(item for item in results.features if item.name == name)


def kinds(results: CheckResults, name: str) -> list[str]:
    """The check types of `name`'s violations."""
    return [violation.constraint_check_type for violation in feature(results, name).violations]
