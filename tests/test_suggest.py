"""Constraint suggestion from a profile (SageMaker's baseline job, Deequ's rules)."""

from __future__ import annotations

import json

import pyarrow as pa
import pytest

from modelwatch.formats.constraints import Constraints, DistributionConstraints, MonitoringConfig
from modelwatch.profiling.profile import Profile
from modelwatch.suggest import suggest_constraints, suggested_domain
from sagemaker_defaults import SUGGESTED_MONITORING_CONFIG


def _profile(*batches: dict[str, pa.Array]) -> Profile:
    profile = Profile()
    for batch in batches:
        profile.update(pa.record_batch(batch))
    return profile


def test_monitoring_config_defaults_are_what_sagemaker_suggests() -> None:
    document = suggest_constraints(_profile({"x": pa.array([1, 2])})).to_dict()
    assert document["monitoring_config"] == SUGGESTED_MONITORING_CONFIG
    assert document["version"] == 0.0


def test_given_monitoring_config_is_kept() -> None:
    config = MonitoringConfig(
        datatype_check_threshold=0.9,
        distribution_constraints=DistributionConstraints(comparison_method="Simple"),
    )
    assert suggest_constraints(_profile({"x": pa.array([1])}), config).monitoring_config == config


def test_features_completeness_and_non_negativity() -> None:
    profile = _profile(
        {
            "age": pa.array(["34", None, "0", "12"]),
            "delta": pa.array(["-1.5", "2", "3", None]),
            "ratio": pa.array(["0.0", "NaN", "0.5", "1e-3"]),
            "blank": pa.array([None] * 4, pa.string()),
            "only_nan": pa.array(["NaN", "nan", None, None]),
        },
        {"age": pa.array(["1", "2"]), "delta": pa.array(["0", "1"])},
    )
    constraints = suggest_constraints(profile)
    assert [f.name for f in constraints.features] == ["age", "delta", "ratio", "blank", "only_nan"]
    by_name = {f.name: f for f in constraints.features}
    assert (by_name["age"].inferred_type, by_name["age"].completeness, by_name["age"].is_non_negative) == (
        "Integral",
        5 / 6,
        True,
    )
    assert (
        by_name["delta"].inferred_type,
        by_name["delta"].completeness,
        by_name["delta"].is_non_negative,
    ) == (
        "Fractional",
        5 / 6,
        False,
    )
    # Non-finite values are present (they count for completeness) but take no part in the minimum.
    assert by_name["ratio"].completeness == 4 / 6
    assert by_name["ratio"].is_non_negative is True
    assert (by_name["blank"].inferred_type, by_name["blank"].completeness) == ("Unknown", 0.0)
    assert by_name["blank"].is_non_negative is None
    assert by_name["blank"].domains is None
    assert by_name["only_nan"].inferred_type == "Fractional"
    assert by_name["only_nan"].is_non_negative is None
    for feature in constraints.features:
        assert feature.domains is None


def test_written_features_have_sagemaker_keys() -> None:
    profile = _profile({"n": pa.array([3, 1, 2], pa.int64()), "s": pa.array(["a", "a", "b"])})
    document = json.loads(json.dumps(suggest_constraints(profile).to_dict()))
    assert document["features"] == [
        {
            "name": "n",
            "inferred_type": "Integral",
            "completeness": 1.0,
            "num_constraints": {"is_non_negative": True},
        },
        {"name": "s", "inferred_type": "String", "completeness": 1.0},
    ]
    assert Constraints.from_dict(document).to_dict() == document


def _words(counts: dict[str, int]) -> pa.Array:
    return pa.array([value for value, count in counts.items() for _ in range(count)])


@pytest.mark.parametrize(
    ("counts", "domain"),
    [
        ({"red": 5, "green": 3, "blue": 2}, ["blue", "green", "red"]),
        # 10 values, one singleton: exactly 10% singletons is allowed.
        ({f"v{i}": 2 for i in range(9)} | {"once": 1}, sorted([f"v{i}" for i in range(9)] + ["once"])),
        # 9 values, one singleton: 11% singletons, no domain.
        ({f"v{i}": 2 for i in range(8)} | {"once": 1}, None),
        # 120 distinct values is the most a domain may have; 121 is too many.
        ({f"v{i:03d}": 2 for i in range(120)}, sorted(f"v{i:03d}" for i in range(120))),
        ({f"v{i:03d}": 2 for i in range(121)}, None),
        ({"true": 4, "false": 1}, None),
        ({"true": 4, "false": 2, "1": 3}, ["1", "false", "true"]),
    ],
)
def test_domain_rule(counts: dict[str, int], domain: list[str] | None) -> None:
    profile = _profile({"s": _words(counts)}, {"s": pa.array([None, None], pa.string())})
    feature = suggest_constraints(profile).features[0]
    assert feature.inferred_type == "String"
    assert feature.domains == domain
    assert suggested_domain(profile.columns["s"]) == domain
    assert feature.completeness == sum(counts.values()) / (sum(counts.values()) + 2)


def test_typed_boolean_column_gets_a_domain() -> None:
    profile = _profile({"flag": pa.array([True, False, True, None, False])})
    feature = suggest_constraints(profile).features[0]
    assert (feature.inferred_type, feature.domains, feature.completeness) == (
        "String",
        ["false", "true"],
        0.8,
    )


def test_no_domain_once_the_column_has_too_many_distinct_values() -> None:
    values = [f"user-{i}" for i in range(1_500)] * 2
    profile = _profile({"user": pa.array(values)})
    assert not profile.columns["user"].categories.exact
    assert suggest_constraints(profile).features[0].domains is None


def test_empty_profile_and_empty_rows() -> None:
    assert suggest_constraints(Profile()).features == []
    constraints = suggest_constraints(_profile({"x": pa.array([], pa.string())}))
    feature = constraints.features[0]
    assert (feature.inferred_type, feature.completeness, feature.domains, feature.is_non_negative) == (
        "Unknown",
        1.0,
        None,
        None,
    )
