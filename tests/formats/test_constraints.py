"""`constraints.json`: both override spellings, old keys and misspellings read; the SDK form written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from modelwatch.formats.constraints import (
    Constraints,
    DistributionConstraints,
    FeatureConstraints,
    MonitoringConfig,
)
from modelwatch.formats.documents import DocumentError
from sagemaker_defaults import SUGGESTED_MONITORING_CONFIG

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sagemaker"


def _load(name: str) -> Constraints:
    return Constraints.from_dict(json.loads((FIXTURES / name).read_text()), name)


def test_developer_guide_spelling_and_misspelled_comparison_method() -> None:
    constraints = _load("constraints_dg.json")
    age = constraints.feature("age")
    assert age is not None
    assert age.inferred_type == "Integral"
    assert age.completeness == 0.9259
    assert age.is_non_negative is True
    assert age.domains is None
    assert age.overrides == {"evaluate_constraints": "Disabled"}
    city = constraints.feature("city")
    assert city is not None
    assert city.domains == ["Austin", "Boston", "Seattle"]
    assert city.is_non_negative is None
    assert city.overrides == {}
    config = constraints.monitoring_config
    assert (config.datatype_check_threshold, config.domain_content_threshold) == (0.1, 0.1)
    distribution = config.distribution_constraints
    assert distribution.comparison_method == "Simple"  # from `comparion_method`
    assert distribution.comparison_threshold == 0.25
    # Absent: the categorical threshold defaults to comparison_threshold, the method to LInfinity.
    assert distribution.categorical_comparison_threshold == 0.25
    assert distribution.categorical_drift_method == "LInfinity"


def test_sdk_spelling_wins_over_the_feature_level_spelling() -> None:
    constraints = _load("constraints_sdk.json")
    age = constraints.feature("age")
    assert age is not None
    assert age.is_non_negative is False
    assert age.overrides == {"evaluate_constraints": "Disabled", "emit_metrics": "Disabled"}
    city = constraints.feature("city")
    assert city is not None
    # Both spellings present: keys merge, and the SDK's nested form wins where both set a key.
    assert city.overrides == {"evaluate_constraints": "Enabled", "domain_content_threshold": 0.5}
    assert city.domains == ["Austin", "Boston"]
    config = constraints.monitoring_config
    assert config.emit_metrics == "Disabled"
    assert config.distribution_constraints == DistributionConstraints(
        perform_comparison="Disabled",
        comparison_threshold=0.2,
        comparison_method="Robust",
        categorical_comparison_threshold=0.3,
        categorical_drift_method="ChiSquared",
    )


def test_correct_spelling_wins_over_the_misspelling() -> None:
    distribution = DistributionConstraints.from_dict(
        {"comparison_method": "Robust", "comparion_method": "Simple"}
    )
    assert distribution.comparison_method == "Robust"


def test_legacy_distribution_constraints_keys_are_tolerated() -> None:
    constraints = _load("constraints_legacy.json")
    age = constraints.feature("age")
    assert age is not None
    assert age.is_non_negative is True
    assert age.overrides == {}
    config = constraints.monitoring_config
    assert config.distribution_constraints.comparison_threshold == 1.0
    assert config.distribution_constraints.categorical_comparison_threshold == 1.0
    assert config.distribution_constraints.perform_comparison == "Enabled"
    assert (config.datatype_check_threshold, config.domain_content_threshold) == (1.0, 1.0)


def test_overrides_are_written_in_the_sdk_form_only() -> None:
    for name in ("constraints_dg.json", "constraints_sdk.json"):
        written = _load(name).to_dict()
        for entry in written["features"]:
            assert "monitoringConfigOverrides" not in entry
        overridden = [
            e
            for e in written["features"]
            if e.get("string_constraints", {}).get("monitoring_config_overrides")
        ]
        assert overridden
    written = _load("constraints_dg.json").to_dict()
    age = written["features"][0]
    assert age["string_constraints"] == {"monitoring_config_overrides": {"evaluate_constraints": "Disabled"}}
    assert age["num_constraints"] == {"is_non_negative": True}
    city = written["features"][1]
    assert city["string_constraints"] == {"domains": ["Austin", "Boston", "Seattle"]}
    # Reading what we wrote gives the same model back.
    for name in ("constraints_dg.json", "constraints_sdk.json", "constraints_legacy.json"):
        constraints = _load(name)
        assert Constraints.from_dict(json.loads(json.dumps(constraints.to_dict()))) == constraints


def test_written_keys_match_the_reference() -> None:
    constraints = Constraints(
        features=[FeatureConstraints("x", "Fractional", completeness=1.0, is_non_negative=True)],
    )
    document = constraints.to_dict()
    assert list(document) == ["version", "features", "monitoring_config"]
    assert document["version"] == 0.0
    assert document["features"] == [
        {
            "name": "x",
            "inferred_type": "Fractional",
            "completeness": 1.0,
            "num_constraints": {"is_non_negative": True},
        }
    ]
    assert document["monitoring_config"] == SUGGESTED_MONITORING_CONFIG
    minimal = FeatureConstraints("y", "Unknown").to_dict()
    assert minimal == {"name": "y", "inferred_type": "Unknown"}


def test_defaults_when_monitoring_config_is_absent() -> None:
    constraints = Constraints.from_dict({"features": [{"name": "a"}]})
    assert constraints.monitoring_config == MonitoringConfig()
    feature = constraints.features[0]
    assert feature == FeatureConstraints("a", "Unknown")
    assert constraints.version == 0.0


@pytest.mark.parametrize(
    ("document", "where"),
    [
        ({"features": {"a": 1}}, "'features'"),
        ({}, "'features'"),
        ("constraints", "the document"),
        ({"features": [{"inferred_type": "String"}]}, "features[0].name"),
        ({"features": [["age"]]}, "features[0]"),
    ],
)
def test_malformed_constraints_fail_on_one_line(document: Any, where: str) -> None:
    with pytest.raises(DocumentError) as raised:
        Constraints.from_dict(document, "baseline/constraints.json")
    message = str(raised.value)
    assert message.startswith("baseline/constraints.json: ")
    assert where in message
    assert "\n" not in message


@pytest.mark.parametrize(
    "config",
    [{"datatype_check_threshold": "high"}, {"distribution_constraints": [1]}],
    ids=["threshold is text", "distribution_constraints is a list"],
)
def test_malformed_monitoring_config_fails_as_document_error(config: dict[str, Any]) -> None:
    with pytest.raises(DocumentError, match=r"^c\.json: "):
        Constraints.from_dict({"features": [], "monitoring_config": config}, "c.json")
