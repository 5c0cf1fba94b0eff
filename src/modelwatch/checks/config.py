"""The effective monitoring configuration of one feature: global `monitoring_config` plus its overrides.

A feature's overrides may carry any monitoring_config key, flat (`comparison_threshold`) or nested
under `distribution_constraints` like the global block; a flat key wins over the same nested key.
Values are read as tolerantly as the documents themselves (`Enabled`/`Disabled` in any case or as
booleans, numbers as text), but a value that means nothing is an error naming the feature and key:
silently checking with a default the user did not ask for would be worse.

When an override sets `comparison_threshold` but not `categorical_comparison_threshold`, the
categorical threshold follows it, as it does globally (its documented default is the numeric one).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from modelwatch.errors import ModelwatchError
from modelwatch.formats.constraints import MonitoringConfig

NUMERIC_METHODS = ("Simple", "Robust")
CATEGORICAL_METHODS = ("LInfinity", "ChiSquared")


class ConfigError(ModelwatchError):
    """A monitoring_config value (global or per feature) that no check can use."""


@dataclass(frozen=True)
class FeatureConfig:
    evaluate_constraints: bool = True
    emit_metrics: bool = True
    datatype_check_threshold: float = 1.0
    domain_content_threshold: float = 1.0
    perform_comparison: bool = True
    comparison_threshold: float = 0.1
    comparison_method: str = "Robust"
    categorical_comparison_threshold: float = 0.1
    categorical_drift_method: str = "LInfinity"


def feature_config(
    config: MonitoringConfig, overrides: Mapping[str, Any] | None = None, feature: str | None = None
) -> FeatureConfig:
    """The settings the checks of `feature` use; `feature=None` reads the global block alone."""
    settings = _flatten(config.to_dict())
    changes = _flatten(overrides or {})
    if "comparison_threshold" in changes and "categorical_comparison_threshold" not in changes:
        changes["categorical_comparison_threshold"] = changes["comparison_threshold"]
    settings.update(changes)
    where = f"feature '{feature}'" if feature is not None else "monitoring_config"
    return FeatureConfig(
        evaluate_constraints=_switch(settings, "evaluate_constraints", where),
        emit_metrics=_switch(settings, "emit_metrics", where),
        datatype_check_threshold=_number(settings, "datatype_check_threshold", where),
        domain_content_threshold=_number(settings, "domain_content_threshold", where),
        perform_comparison=_switch(settings, "perform_comparison", where),
        comparison_threshold=_number(settings, "comparison_threshold", where),
        comparison_method=_choice(settings, "comparison_method", NUMERIC_METHODS, where),
        categorical_comparison_threshold=_number(settings, "categorical_comparison_threshold", where),
        categorical_drift_method=_choice(settings, "categorical_drift_method", CATEGORICAL_METHODS, where),
    )


def _flatten(block: Mapping[str, Any]) -> dict[str, Any]:
    nested = block.get("distribution_constraints") or {}
    flat = {**nested, **{key: value for key, value in block.items() if key != "distribution_constraints"}}
    if "comparion_method" in flat:  # an early Developer Guide misspelling
        flat.setdefault("comparison_method", flat.pop("comparion_method"))
    return flat


def _switch(settings: Mapping[str, Any], key: str, where: str) -> bool:
    value = settings[key]
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("enabled", "disabled"):
        return text == "enabled"
    raise ConfigError(f"constraints: {where}: {key} should be Enabled or Disabled, found {value!r}")


def _number(settings: Mapping[str, Any], key: str, where: str) -> float:
    value = settings[key]
    try:
        if isinstance(value, bool):
            raise ValueError
        return float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"constraints: {where}: {key} should be a number, found {value!r}") from None


def _choice(settings: Mapping[str, Any], key: str, choices: tuple[str, ...], where: str) -> str:
    value = settings[key]
    for choice in choices:
        if str(value).strip().lower() == choice.lower():
            return choice
    raise ConfigError(f"constraints: {where}: {key} should be {' or '.join(choices)}, found {value!r}")
