"""`statistics.json`: reading SageMaker's documents, writing SageMaker's keys, failing on one line."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from modelwatch.errors import ModelwatchError
from modelwatch.formats.documents import DocumentError
from modelwatch.formats.statistics import (
    CategoricalBucket,
    FeatureStatistics,
    KllBucket,
    KllSketch,
    NumericalStatistics,
    Statistics,
    StringStatistics,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sagemaker"


def _raw() -> dict[str, Any]:
    return json.loads((FIXTURES / "statistics.json").read_text())


def test_reads_the_sagemaker_fixture() -> None:
    statistics = Statistics.from_dict(_raw(), "statistics.json")
    assert statistics.version == 0.0
    assert statistics.item_count == 27
    assert [f.name for f in statistics.features] == ["age", "income", "city", "user_id", "comment"]
    assert [f.inferred_type for f in statistics.features] == [
        "Integral",
        "Fractional",
        "String",
        "String",
        "Unknown",
    ]

    age = statistics.feature("age")
    assert age is not None
    assert age.string is None
    numbers = age.numerical
    assert numbers is not None
    assert (numbers.num_present, numbers.num_missing) == (25, 2)
    assert (age.num_present, age.num_missing) == (25, 2)
    assert (numbers.mean, numbers.sum, numbers.min, numbers.max) == (40.0, 1000.0, 23.0, 62.0)
    assert numbers.std_dev == 10.833282051160673
    assert len(numbers.buckets) == 10
    assert numbers.buckets[0] == KllBucket(23.0, 26.9, 2.0)
    assert numbers.buckets[-1] == KllBucket(58.1, 62.0, 2.0)
    assert numbers.sketch is not None
    assert (numbers.sketch.c, numbers.sketch.k) == (0.64, 2048.0)
    assert len(numbers.sketch.data) == 1
    assert len(numbers.sketch.data[0]) == 25
    assert numbers.sketch.data[0][:3] == [34.0, 45.0, 23.0]  # arrival order kept

    income = statistics.feature("income")
    assert income is not None
    assert income.numerical is not None
    assert income.numerical.sketch is not None
    assert [len(level) for level in income.numerical.sketch.data] == [7, 4, 3]
    assert all(isinstance(item, float) for level in income.numerical.sketch.data for item in level)

    city = statistics.feature("city")
    assert city is not None
    assert city.numerical is None
    assert city.string is not None
    assert (city.num_present, city.num_missing) == (26, 1)
    assert city.string.distinct_count == 3.0
    assert city.string.buckets == [
        CategoricalBucket("Seattle", 14),
        CategoricalBucket("Boston", 8),
        CategoricalBucket("Austin", 4),
    ]

    comment = statistics.feature("comment")
    assert comment is not None
    assert comment.string is not None
    assert comment.string.buckets is None
    assert (comment.num_present, comment.num_missing) == (0, 27)
    assert statistics.feature("nope") is None


def test_writes_sagemaker_keys_and_reads_back_equal() -> None:
    raw = _raw()
    statistics = Statistics.from_dict(raw)
    written = statistics.to_dict()
    assert list(written) == ["version", "dataset", "features"]
    age = written["features"][0]
    assert list(age) == ["name", "inferred_type", "numerical_statistics"]
    assert list(age["numerical_statistics"]) == [
        "common",
        "mean",
        "sum",
        "std_dev",
        "min",
        "max",
        "distribution",
    ]
    assert age["numerical_statistics"]["common"] == {"num_present": 25, "num_missing": 2}
    assert list(age["numerical_statistics"]["distribution"]["kll"]) == ["buckets", "sketch"]
    assert age["numerical_statistics"]["distribution"]["kll"]["sketch"]["parameters"] == {
        "c": 0.64,
        "k": 2048.0,
    }
    city = written["features"][2]
    assert list(city["string_statistics"]) == ["common", "distinct_count", "distribution"]
    # The fixture was written in SageMaker's shape, so writing gives it back key for key.
    assert written == raw
    assert Statistics.from_dict(json.loads(json.dumps(written))) == statistics


def test_tolerant_reading_of_optional_and_odd_values() -> None:
    document = {
        "version": 0,
        "dataset": {"item_count": 4.0},
        "features": [
            {
                "name": "x",
                "inferred_type": "Fractional",
                "numerical_statistics": {
                    "common": {"num_present": 4.0, "num_missing": 0},
                    "mean": "NaN",
                    "sum": None,
                    "std_dev": 1,
                    "distribution": {"kll": {"buckets": [], "sketch": {"data": [[1, 2], []]}}},
                },
            },
            {"name": "y"},
            {"name": "z", "inferred_type": "String", "string_statistics": {"common": {}}},
        ],
    }
    statistics = Statistics.from_dict(document)
    assert statistics.item_count == 4
    assert statistics.version == 0.0
    x, y, z = statistics.features
    assert x.numerical == NumericalStatistics(
        num_present=4,
        num_missing=0,
        mean=None,
        sum=None,
        std_dev=1.0,
        min=None,
        max=None,
        buckets=[],
        sketch=KllSketch(c=0.64, k=2048.0, data=[[1.0, 2.0], []]),
    )
    assert (y.inferred_type, y.numerical, y.string, y.num_present, y.num_missing) == (
        "Unknown",
        None,
        None,
        0,
        0,
    )
    assert z.string == StringStatistics(num_present=0, num_missing=0, distinct_count=0.0, buckets=None)
    assert Statistics.from_dict({"features": []}).item_count == 0


def test_written_document_omits_absent_parts() -> None:
    statistics = Statistics(
        item_count=2,
        features=[
            FeatureStatistics(
                "n", "Fractional", numerical=NumericalStatistics(2, 0, None, None, None, None, None)
            ),
            FeatureStatistics("s", "String", string=StringStatistics(2, 0, 120.0)),
        ],
    )
    n, s = statistics.to_dict()["features"]
    assert n["numerical_statistics"]["distribution"] == {"kll": {"buckets": []}}
    assert n["numerical_statistics"]["mean"] is None
    assert "distribution" not in s["string_statistics"]
    assert s["string_statistics"]["distinct_count"] == 120.0


def _with_feature(feature: Any) -> dict[str, Any]:
    return {"version": 0.0, "dataset": {"item_count": 1}, "features": [feature]}


MALFORMED = {
    "document is a list": ([], "the document"),
    "features missing": ({"dataset": {"item_count": 1}}, "'features'"),
    "features is an object": ({"features": {"name": "a"}}, "'features'"),
    "feature is a string": (_with_feature("age"), "features[0]"),
    "feature without name": (_with_feature({"inferred_type": "Integral"}), "features[0].name"),
    "name is a number": (_with_feature({"name": 7}), "features[0].name"),
    "numerical_statistics is a list": (
        _with_feature({"name": "a", "numerical_statistics": [1]}),
        "features[0] (a)",
    ),
    "string_statistics is a string": (
        _with_feature({"name": "a", "string_statistics": "x"}),
        "features[0] (a)",
    ),
}


@pytest.mark.parametrize(("document", "where"), MALFORMED.values(), ids=list(MALFORMED))
def test_malformed_documents_fail_on_one_line_naming_the_source(document: Any, where: str) -> None:
    with pytest.raises(DocumentError) as raised:
        Statistics.from_dict(document, "s3://bucket/baseline/statistics.json")
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith("s3://bucket/baseline/statistics.json: ")
    assert where in message
    assert isinstance(raised.value, ModelwatchError)


def test_second_feature_is_named_by_index() -> None:
    document = _raw()
    document["features"].append({"inferred_type": "String"})
    with pytest.raises(
        DocumentError, match=r"^statistics: features\[5\]\.name should be a string, found nothing$"
    ):
        Statistics.from_dict(document)


DEEPER_MALFORMED = {
    "kll bucket without count": {
        "name": "a",
        "numerical_statistics": {
            "distribution": {"kll": {"buckets": [{"lower_bound": 1, "upper_bound": 2}]}}
        },
    },
    "mean is text": {"name": "a", "numerical_statistics": {"mean": "abc"}},
    "common is a list": {"name": "a", "numerical_statistics": {"common": [1, 0]}},
    "num_present is text": {"name": "a", "numerical_statistics": {"common": {"num_present": "x"}}},
    "sketch data is a number": {
        "name": "a",
        "numerical_statistics": {"distribution": {"kll": {"sketch": {"data": 5}}}},
    },
    "categorical bucket without value": {
        "name": "a",
        "string_statistics": {"distribution": {"categorical": {"buckets": [{"count": 1}]}}},
    },
}


@pytest.mark.parametrize("feature", DEEPER_MALFORMED.values(), ids=list(DEEPER_MALFORMED))
def test_deeper_malformed_values_fail_as_document_errors(feature: dict[str, Any]) -> None:
    with pytest.raises(DocumentError, match=r"^stats\.json: .*features\[0\]"):
        Statistics.from_dict(_with_feature(copy.deepcopy(feature)), "stats.json")
