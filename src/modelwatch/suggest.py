"""Suggest constraints from a profile, following the rules of SageMaker's analyzer (Deequ's rules).

- `inferred_type` and `completeness` (the non-null fraction) as observed;
- numeric features get `num_constraints.is_non_negative` (true when the minimum is ≥ 0);
- String features get `string_constraints.domains` when they have few distinct values
  (Deequ's histogram threshold, 120) and at most 10% of those values occur only once
  (Deequ's `CategoricalRangeRule`);
- `monitoring_config` carries the values SageMaker's baseline job suggests.
"""

from __future__ import annotations

from modelwatch.formats.constraints import Constraints, FeatureConstraints, MonitoringConfig
from modelwatch.formats.statistics import NUMERIC_TYPES
from modelwatch.profiling.column import ColumnProfile
from modelwatch.profiling.profile import Profile

DOMAIN_MAX_DISTINCT = 120
DOMAIN_MAX_SINGLETON_RATIO = 0.1


def suggest_constraints(profile: Profile, monitoring_config: MonitoringConfig | None = None) -> Constraints:
    features = [_feature(name, column, profile.item_count) for name, column in profile.columns.items()]
    return Constraints(features=features, monitoring_config=monitoring_config or MonitoringConfig())


def _feature(name: str, column: ColumnProfile, item_count: int) -> FeatureConstraints:
    inferred_type = column.inferred_type
    feature = FeatureConstraints(
        name=name,
        inferred_type=inferred_type,
        completeness=column.present / item_count if item_count else 1.0,
    )
    if inferred_type in NUMERIC_TYPES and column.moments.n:
        feature.is_non_negative = column.moments.min >= 0
    if inferred_type == "String":
        feature.domains = suggested_domain(column)
    return feature


def suggested_domain(column: ColumnProfile) -> list[str] | None:
    counts = column.categories.counts
    if not counts or len(counts) > DOMAIN_MAX_DISTINCT:
        return None
    singletons = sum(1 for count in counts.values() if count == 1)
    if singletons / len(counts) > DOMAIN_MAX_SINGLETON_RATIO:
        return None
    return sorted(counts)
