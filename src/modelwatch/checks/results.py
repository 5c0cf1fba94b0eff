"""What the checks found, per feature: the numbers behind every verdict, and the violations."""

from __future__ import annotations

from dataclasses import dataclass, field

from modelwatch.formats.violations import Violation


@dataclass
class FeatureResult:
    """One baseline or current feature, compared. A number is None where it does not apply."""

    name: str
    baseline_type: str | None
    """None for a column that only the current data has."""
    current_type: str | None
    """None for a baseline column missing from the current data."""
    baseline_completeness: float | None = None
    completeness: float | None = None
    """Non-null fraction of the current data."""
    type_match: float | None = None
    """Fraction of the current non-null values that conform to the baseline type."""
    distance: float | None = None
    """Drift distance (after the Robust correction when that method is used), or a χ² p-value."""
    threshold: float | None = None
    method: str | None = None
    """`Simple`, `Robust` (numeric), `LInfinity` or `ChiSquared` (categorical)."""
    violations: list[Violation] = field(default_factory=list)
    domain_match: float | None = None
    """Fraction of the current non-null values inside the baseline `string_constraints.domains`."""
    notes: list[str] = field(default_factory=list)
    """Why a check did not run or did not count (no distribution data, evaluation disabled, …)."""


@dataclass(frozen=True)
class CheckOutcome:
    """What one check of one feature found: its number, its violation, or why it could not run."""

    value: float | None = None
    violation: Violation | None = None
    note: str | None = None


@dataclass
class CheckResults:
    features: list[FeatureResult]
    violations: list[Violation]
    """Every violation, in the order of `features` (dataset-level ones included)."""
    emit_metrics: dict[str, bool] = field(default_factory=dict)
    """Per feature: whether its metrics are emitted (monitoring_config `emit_metrics` and overrides)."""

    def metrics(self) -> dict[str, float]:
        """SageMaker's per-feature metric values: drift distance, completeness, type match."""
        values: dict[str, float] = {}
        for feature in self.features:
            if not self.emit_metrics.get(feature.name, True):
                continue
            for prefix, value in (
                ("feature_baseline_drift_", feature.distance),
                ("feature_non_null_", feature.completeness),
                ("feature_data_type_", feature.type_match),
            ):
                if value is not None:
                    values[prefix + feature.name] = value
        return values
