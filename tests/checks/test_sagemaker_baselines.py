"""Baselines written by SageMaker (hand-written documents in its exact shape, and the shared
fixtures) checked against real profiles: Deequ's sketch levels, categorical buckets, both override
spellings, the Developer Guide's misspelt `comparion_method`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from checks_builders import check, feature, kinds, profile
from scipy import stats

from modelwatch.formats.statistics import Statistics
from sagemaker_defaults import SUGGESTED_MONITORING_CONFIG

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sagemaker"
LEVEL0 = [34.0, 45.0, 23.0, 51.0, 38.0, 29.0, 62.0]
LEVEL1 = [41.0, 50.0, 63.0]
LEVEL2 = [35.0, 55.0]

STATISTICS = Statistics.from_dict(
    {
        "version": 0.0,
        "dataset": {"item_count": 25},
        "features": [
            {
                "name": "age",
                "inferred_type": "Integral",
                "numerical_statistics": {
                    "common": {"num_present": 21, "num_missing": 4},
                    "mean": 45.0,
                    "sum": 945.0,
                    "std_dev": 11.0,
                    "min": 23.0,
                    "max": 63.0,
                    "distribution": {
                        "kll": {
                            "buckets": [],
                            "sketch": {
                                "parameters": {"c": 0.64, "k": 2048.0},
                                "data": [LEVEL0, LEVEL1, LEVEL2],
                            },
                        }
                    },
                },
            },
            {
                "name": "city",
                "inferred_type": "String",
                "string_statistics": {
                    "common": {"num_present": 25, "num_missing": 0},
                    "distinct_count": 3.0,
                    "distribution": {
                        "categorical": {
                            "buckets": [
                                {"value": "Seattle", "count": 15},
                                {"value": "Boston", "count": 6},
                                {"value": "Austin", "count": 4},
                            ]
                        }
                    },
                },
            },
        ],
    }
)
CONSTRAINTS: dict[str, Any] = {
    "version": 0.0,
    "features": [
        {
            "name": "age",
            "inferred_type": "Integral",
            "completeness": 0.84,
            "num_constraints": {"is_non_negative": True},
            "monitoringConfigOverrides": {"comparison_method": "Simple", "comparison_threshold": 0.2},
        },
        {
            "name": "city",
            "inferred_type": "String",
            "completeness": 1.0,
            "string_constraints": {
                "domains": ["Austin", "Boston", "Seattle"],
                "monitoring_config_overrides": {"domain_content_threshold": 0.9},
            },
        },
    ],
    "monitoring_config": SUGGESTED_MONITORING_CONFIG,
}
AGES = [str(v) for v in [25, 31, 36, 44, 47, 52, 58, 60, 61, 62, 64, 66, 70, 71, 72, 75, 80, 81, 85]] + [
    "41.5"
]
CITIES = ["Seattle"] * 8 + ["Boston"] * 6 + ["Austin"] * 4 + ["Denver"] * 2


def test_hand_written_sagemaker_baseline() -> None:
    results = check(STATISTICS, CONSTRAINTS, profile(age=AGES, city=CITIES))
    age, city = feature(results, "age"), feature(results, "city")

    assert age.type_match == 19 / 20
    baseline_values = LEVEL0 + LEVEL1 * 2 + LEVEL2 * 4  # level h weighs 2^h
    current_numbers = [float(v) for v in AGES]
    assert (age.method, age.threshold) == ("Simple", 0.2)
    assert age.distance == pytest.approx(
        stats.ks_2samp(baseline_values, current_numbers).statistic, abs=1e-12
    )
    assert age.distance > 0.2
    assert kinds(results, "age") == ["data_type_check", "baseline_drift_check"]

    assert city.domain_match == 0.9
    # frequencies: Seattle .6/.4, Boston .24/.3, Austin .16/.2, Denver 0/.1
    robust = 0.2 - 1.8 * np.sqrt((25 + 20) / (25 * 20))
    assert (city.method, city.distance) == ("LInfinity", max(0.0, robust))
    assert kinds(results, "city") == []
    assert [v.feature_name for v in results.violations] == ["age", "age"]


def test_hand_written_baseline_with_every_check_enabled_at_suggested_values() -> None:
    document = json.loads(json.dumps(CONSTRAINTS))
    document["features"][1]["string_constraints"].pop("monitoring_config_overrides")
    results = check(STATISTICS, document, profile(age=AGES, city=CITIES))
    assert kinds(results, "city") == ["categorical_values_check"]
    assert results.violations[-1].description == "Value: 0.9 does not meet the constraint requirement! "


def _fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def test_developer_guide_constraints_fixture() -> None:
    statistics = Statistics.from_dict(_fixture("statistics.json"))
    current = profile(age=["20", "21.5", None, "90"], city=["Austin", "Paris", "Paris", "Paris"])
    results = check(statistics, _fixture("constraints_dg.json"), current)
    age, city = feature(results, "age"), feature(results, "city")
    # age: evaluate_constraints Disabled in the Developer Guide's spelling; numbers still computed.
    assert age.violations == []
    assert age.type_match == 2 / 3
    assert age.method == "Simple"  # the misspelt comparion_method
    assert age.distance is not None
    # city: complete; domain match 0.25 passes 0.1; categorical threshold follows comparison_threshold
    # (0.25) and the LInfinity distance (Simple) is Paris' 0.75.
    assert (city.completeness, city.domain_match, city.distance, city.threshold) == (1.0, 0.25, 0.75, 0.25)
    assert [(v.feature_name, v.constraint_check_type) for v in results.violations] == [
        ("city", "baseline_drift_check")
    ]


def test_sdk_constraints_fixture() -> None:
    statistics = Statistics.from_dict(_fixture("statistics.json"))
    current = profile(age=["20", "21.5", None, "90"], city=["Austin", "Paris", "Paris", "Paris"])
    results = check(statistics, _fixture("constraints_sdk.json"), current)
    age, city = feature(results, "age"), feature(results, "city")
    assert age.violations == []
    assert (age.distance, age.method) == (None, None)  # perform_comparison Disabled globally
    assert results.emit_metrics == {"age": False, "city": False}
    assert results.metrics() == {}
    # city: the SDK spelling's Enabled wins over the Developer Guide's Disabled; its 0.5 threshold stays.
    assert city.domain_match == 0.25
    assert [(v.feature_name, v.constraint_check_type) for v in results.violations] == [
        ("city", "categorical_values_check")
    ]
