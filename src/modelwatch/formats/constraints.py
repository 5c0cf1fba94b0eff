"""`constraints.json`: typed model, tolerant reading, SageMaker's exact keys on writing.

Per-feature overrides occur under two spellings: the Developer Guide's feature-level
`monitoringConfigOverrides` and the SDK's `string_constraints.monitoring_config_overrides`. Both are
read (the SDK's wins where both set a key); the SDK's form is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from modelwatch.formats.documents import MALFORMED, DocumentError, expect, expect_list

if TYPE_CHECKING:
    import pandas

ENABLED = "Enabled"
DISABLED = "Disabled"


@dataclass
class DistributionConstraints:
    perform_comparison: str = ENABLED
    comparison_threshold: float = 0.1
    comparison_method: str = "Robust"
    categorical_comparison_threshold: float = 0.1
    categorical_drift_method: str = "LInfinity"

    def to_dict(self) -> dict[str, Any]:
        return {
            "perform_comparison": self.perform_comparison,
            "comparison_threshold": self.comparison_threshold,
            "comparison_method": self.comparison_method,
            "categorical_comparison_threshold": self.categorical_comparison_threshold,
            "categorical_drift_method": self.categorical_drift_method,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DistributionConstraints:
        threshold = float(data.get("comparison_threshold", 0.1))
        return cls(
            perform_comparison=str(data.get("perform_comparison", ENABLED)),
            comparison_threshold=threshold,
            comparison_method=str(data.get("comparison_method", data.get("comparion_method", "Robust"))),
            categorical_comparison_threshold=float(data.get("categorical_comparison_threshold", threshold)),
            categorical_drift_method=str(data.get("categorical_drift_method", "LInfinity")),
        )


@dataclass
class MonitoringConfig:
    """The analyzer's settings; defaults are the values SageMaker's baseline job suggests."""

    evaluate_constraints: str = ENABLED
    emit_metrics: str = ENABLED
    datatype_check_threshold: float = 1.0
    domain_content_threshold: float = 1.0
    distribution_constraints: DistributionConstraints = field(default_factory=DistributionConstraints)

    def to_dict(self) -> dict[str, Any]:
        return {
            "evaluate_constraints": self.evaluate_constraints,
            "emit_metrics": self.emit_metrics,
            "datatype_check_threshold": self.datatype_check_threshold,
            "domain_content_threshold": self.domain_content_threshold,
            "distribution_constraints": self.distribution_constraints.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MonitoringConfig:
        return cls(
            evaluate_constraints=str(data.get("evaluate_constraints", ENABLED)),
            emit_metrics=str(data.get("emit_metrics", ENABLED)),
            datatype_check_threshold=float(data.get("datatype_check_threshold", 1.0)),
            domain_content_threshold=float(data.get("domain_content_threshold", 1.0)),
            distribution_constraints=DistributionConstraints.from_dict(
                data.get("distribution_constraints") or {}
            ),
        )


@dataclass
class FeatureConstraints:
    name: str
    inferred_type: str
    completeness: float | None = None
    is_non_negative: bool | None = None
    domains: list[str] | None = None
    overrides: dict[str, Any] = field(default_factory=dict)
    """Per-feature monitoring_config keys (e.g. `evaluate_constraints`, any threshold)."""

    def to_dict(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"name": self.name, "inferred_type": self.inferred_type}
        if self.completeness is not None:
            entry["completeness"] = self.completeness
        if self.is_non_negative is not None:
            entry["num_constraints"] = {"is_non_negative": self.is_non_negative}
        string_constraints: dict[str, Any] = {}
        if self.domains is not None:
            string_constraints["domains"] = self.domains
        if self.overrides:
            string_constraints["monitoring_config_overrides"] = self.overrides
        if string_constraints:
            entry["string_constraints"] = string_constraints
        return entry


@dataclass
class Constraints:
    features: list[FeatureConstraints]
    monitoring_config: MonitoringConfig = field(default_factory=MonitoringConfig)
    version: float = 0.0

    def feature(self, name: str) -> FeatureConstraints | None:
        return next((feature for feature in self.features if feature.name == name), None)

    def to_pandas(self) -> pandas.DataFrame:
        """One row per feature, for notebooks (needs pandas)."""
        from modelwatch.formats.tables import constraints_table, to_pandas

        return to_pandas(constraints_table(self))

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "features": [feature.to_dict() for feature in self.features],
            "monitoring_config": self.monitoring_config.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Any, source: str = "constraints") -> Constraints:
        document = expect(data, dict, source, "the document")
        entries = expect_list(document.get("features"), source, "'features'")
        features = [_feature_from_dict(entry, source, index) for index, entry in enumerate(entries)]
        try:
            monitoring_config = MonitoringConfig.from_dict(document.get("monitoring_config") or {})
            version = float(document.get("version", 0.0))
        except MALFORMED as error:
            raise DocumentError.malformed(source, "monitoring_config", error) from error
        return cls(features=features, monitoring_config=monitoring_config, version=version)


def _feature_from_dict(data: Any, source: str, index: int) -> FeatureConstraints:
    where = f"features[{index}]"
    entry = expect(data, dict, source, where)
    name = expect(entry.get("name"), str, source, f"{where}.name")
    try:
        return _feature_constraints(name, entry)
    except MALFORMED as error:
        raise DocumentError.malformed(source, f"{where} ({name})", error) from error


def _feature_constraints(name: str, entry: dict[str, Any]) -> FeatureConstraints:
    string_constraints = entry.get("string_constraints") or {}
    numeric = entry.get("num_constraints") or {}
    domains = string_constraints.get("domains")
    overrides = {
        **(entry.get("monitoringConfigOverrides") or {}),
        **(string_constraints.get("monitoring_config_overrides") or {}),
    }
    completeness = entry.get("completeness")
    non_negative = numeric.get("is_non_negative")
    return FeatureConstraints(
        name=name,
        inferred_type=str(entry.get("inferred_type", "Unknown")),
        completeness=float(completeness) if completeness is not None else None,
        is_non_negative=bool(non_negative) if non_negative is not None else None,
        domains=[str(value) for value in domains] if domains is not None else None,
        overrides=overrides,
    )
