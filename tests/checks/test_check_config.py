"""The effective configuration of a feature: global block, overrides in every spelling, bad values."""

from __future__ import annotations

from typing import Any

import pytest

from modelwatch.checks import FeatureConfig, feature_config
from modelwatch.checks.config import ConfigError
from modelwatch.formats.constraints import Constraints, MonitoringConfig


def _document(feature: dict[str, Any], monitoring_config: dict[str, Any] | None = None) -> Constraints:
    return Constraints.from_dict(
        {
            "features": [{"name": "f", "inferred_type": "String", **feature}],
            "monitoring_config": monitoring_config or {},
        }
    )


def _effective(constraints: Constraints) -> FeatureConfig:
    entry = constraints.features[0]
    return feature_config(constraints.monitoring_config, entry.overrides, entry.name)


def test_defaults_are_what_sagemaker_suggests() -> None:
    assert feature_config(MonitoringConfig()) == FeatureConfig()


def test_every_key_in_both_override_spellings() -> None:
    overrides = {
        "evaluate_constraints": "Disabled",
        "emit_metrics": "Disabled",
        "datatype_check_threshold": 0.5,
        "domain_content_threshold": "0.25",
        "perform_comparison": "Disabled",
        "comparison_threshold": 0.3,
        "comparison_method": "Simple",
        "categorical_comparison_threshold": 0.01,
        "categorical_drift_method": "ChiSquared",
    }
    wanted = FeatureConfig(False, False, 0.5, 0.25, False, 0.3, "Simple", 0.01, "ChiSquared")
    assert _effective(_document({"monitoringConfigOverrides": overrides})) == wanted
    sdk = _document({"string_constraints": {"monitoring_config_overrides": overrides}})
    assert _effective(sdk) == wanted


def test_distribution_keys_nested_in_an_override() -> None:
    nested = {
        "distribution_constraints": {"comparison_threshold": 0.4, "categorical_drift_method": "chisquared"}
    }
    effective = _effective(_document({"monitoringConfigOverrides": nested}))
    assert (effective.comparison_threshold, effective.categorical_drift_method) == (0.4, "ChiSquared")
    # A flat key wins over the same nested one.
    both = {**nested, "comparison_threshold": 0.2}
    assert _effective(_document({"monitoringConfigOverrides": both})).comparison_threshold == 0.2


def test_the_categorical_threshold_follows_an_overridden_comparison_threshold() -> None:
    config = {
        "distribution_constraints": {"comparison_threshold": 0.1, "categorical_comparison_threshold": 0.05}
    }
    only_numeric = _effective(_document({"monitoringConfigOverrides": {"comparison_threshold": 0.3}}, config))
    assert only_numeric.categorical_comparison_threshold == 0.3
    both = {"comparison_threshold": 0.3, "categorical_comparison_threshold": 0.2}
    assert (
        _effective(_document({"monitoringConfigOverrides": both}, config)).categorical_comparison_threshold
        == 0.2
    )
    assert _effective(_document({}, config)).categorical_comparison_threshold == 0.05


def test_tolerant_values() -> None:
    overrides = {"evaluate_constraints": False, "emit_metrics": "enabled", "comparion_method": "simple"}
    effective = _effective(_document({"monitoringConfigOverrides": overrides}))
    assert (effective.evaluate_constraints, effective.emit_metrics) == (False, True)
    assert effective.comparison_method == "Simple"


def test_the_sdk_spelling_wins_over_the_developer_guide_one() -> None:
    both = _document(
        {
            "monitoringConfigOverrides": {
                "evaluate_constraints": "Disabled",
                "domain_content_threshold": 0.5,
            },
            "string_constraints": {"monitoring_config_overrides": {"evaluate_constraints": "Enabled"}},
        }
    )
    effective = _effective(both)
    assert (effective.evaluate_constraints, effective.domain_content_threshold) == (True, 0.5)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("comparison_method", "Fancy", "comparison_method should be Simple or Robust, found 'Fancy'"),
        ("categorical_drift_method", "KL", "categorical_drift_method should be LInfinity or ChiSquared"),
        ("evaluate_constraints", "maybe", "evaluate_constraints should be Enabled or Disabled"),
        ("comparison_threshold", "high", "comparison_threshold should be a number, found 'high'"),
        ("datatype_check_threshold", True, "datatype_check_threshold should be a number"),
    ],
)
def test_meaningless_values_name_the_feature_and_key(key: str, value: Any, message: str) -> None:
    with pytest.raises(ConfigError, match=f"feature 'f': {message}"):
        _effective(_document({"monitoringConfigOverrides": {key: value}}))
