"""Profile ⇄ statistics document: stable round trips, and SageMaker-made documents read as profiles."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from profiling_tables import Table, profile_of, tables

from modelwatch.formats.statistics import Statistics
from modelwatch.profiling import kll
from modelwatch.profiling.document import from_statistics, kll_buckets, to_statistics
from modelwatch.profiling.profile import Profile

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sagemaker"


def _varied_profile(seed: int) -> Profile:
    rng = np.random.default_rng(seed)
    profile = Profile()
    for rows in (700, 2_500, 1_800):
        numbers = rng.normal(10.0, 3.0, size=rows)
        text = [f"{v:.4f}" for v in numbers]
        for i in rng.choice(rows, size=rows // 50, replace=False):
            text[i] = str(rng.choice(["NaN", "inf", "-inf"]))
        ints = rng.integers(0, 100, size=rows)
        profile.update(
            pa.record_batch(
                {
                    "fractional_text": pa.array([None if rng.random() < 0.1 else t for t in text]),
                    "integral_text": pa.array([str(i) for i in ints]),
                    "typed_float": pa.array(rng.exponential(2.0, size=rows)),
                    "typed_int": pa.array(ints, pa.int64()),
                    "colour": pa.array([str(rng.choice(["red", "green", "blue", "1"])) for _ in range(rows)]),
                    "ids": pa.array([f"id-{seed}-{rows}-{i}" for i in range(rows)]),
                    "flags": pa.array(rng.random(rows) < 0.4),
                    "nothing": pa.array([None] * rows, pa.string()),
                }
            )
        )
    profile.update(pa.record_batch({"constant": pa.array(["5"] * 10)}))
    return profile


def _document_round_trip(statistics: Statistics) -> dict[str, Any]:
    text = json.dumps(statistics.to_dict(), allow_nan=False)
    return to_statistics(from_statistics(Statistics.from_dict(json.loads(text), "round trip"))).to_dict()


def _assert_same_document(mine: Any, theirs: Any, path: str = "") -> None:
    """Equal dicts, except std_dev, which may move by float rounding (rel 1e-12)."""
    if isinstance(mine, dict):
        assert isinstance(theirs, dict), path
        assert list(mine) == list(theirs), path
        for key in mine:
            if key == "std_dev" and mine[key] is not None:
                assert theirs[key] == pytest.approx(mine[key], rel=1e-12), path
            else:
                _assert_same_document(mine[key], theirs[key], f"{path}.{key}")
    elif isinstance(mine, list):
        assert isinstance(theirs, list), path
        assert len(mine) == len(theirs), path
        for index, (a, b) in enumerate(zip(mine, theirs, strict=True)):
            _assert_same_document(a, b, f"{path}[{index}]")
    else:
        assert mine == theirs, path
        assert type(mine) is type(theirs), path


@pytest.mark.parametrize("seed", [0, 1])
def test_profile_to_document_and_back_is_stable(seed: int) -> None:
    profile = _varied_profile(seed)
    first = to_statistics(profile).to_dict()
    second = _document_round_trip(to_statistics(profile))
    _assert_same_document(first, second)
    third = _document_round_trip(Statistics.from_dict(second))
    _assert_same_document(first, third)
    kinds = {feature["name"]: feature["inferred_type"] for feature in first["features"]}
    assert kinds == {
        "fractional_text": "Fractional",
        "integral_text": "Integral",
        "typed_float": "Fractional",
        "typed_int": "Integral",
        "colour": "String",
        "ids": "String",
        "flags": "String",
        "nothing": "Unknown",
        "constant": "Integral",
    }
    # The multi-level sketches survive: same weighted items, same n.
    by_name = {feature["name"]: feature for feature in second["features"]}
    sketch = by_name["typed_float"]["numerical_statistics"]["distribution"]["kll"]["sketch"]
    assert len(sketch["data"]) > 1
    assert sum(len(level) << h for h, level in enumerate(sketch["data"])) == 5_000


def test_profile_read_back_from_document_merges_like_the_original() -> None:
    profile = _varied_profile(2)
    back = from_statistics(Statistics.from_dict(to_statistics(profile).to_dict()))
    more = _varied_profile(3)
    mine = to_statistics(profile.merge(more)).to_dict()
    theirs = to_statistics(back.merge(more)).to_dict()
    for a, b in zip(mine["features"], theirs["features"], strict=True):
        assert a["name"] == b["name"]
        assert a["inferred_type"] == b["inferred_type"]
        if "numerical_statistics" in a and a["name"] != "fractional_text":
            x, y = a["numerical_statistics"], b["numerical_statistics"]
            assert x["common"] == y["common"]
            for key in ("mean", "sum", "std_dev", "min", "max"):
                assert y[key] == pytest.approx(x[key], rel=1e-9), (a["name"], key)


def test_non_finite_values_do_not_weigh_in_means_after_a_document_round_trip() -> None:
    baseline = Profile()
    baseline.update(pa.record_batch({"x": pa.array(["1"] * 5 + ["NaN"] * 5)}))
    current = Profile()
    current.update(pa.record_batch({"x": pa.array(["3"] * 5)}))
    back = from_statistics(Statistics.from_dict(to_statistics(baseline).to_dict()))
    merged = to_statistics(back.merge(current)).feature("x")
    assert merged is not None
    assert merged.numerical is not None
    # The finite count (the sketch's n), not num_present, weighs the document's moments (was n = 10 + 5).
    assert merged.numerical.mean == 2.0
    assert merged.numerical.sum == 20.0
    assert merged.numerical.std_dev == 1.0
    assert merged.num_present == 15


def _load(name: str) -> Statistics:
    return Statistics.from_dict(json.loads((FIXTURES / name).read_text()), name)


def test_sagemaker_statistics_fixture_reads_as_a_profile() -> None:
    statistics = _load("statistics.json")
    profile = from_statistics(statistics)
    assert profile.item_count == 27
    assert list(profile.columns) == ["age", "income", "city", "user_id", "comment"]
    raw = json.loads((FIXTURES / "statistics.json").read_text())

    age = profile.columns["age"]
    assert age.inferred_type == "Integral"
    assert (age.present, age.missing) == (25, 2)
    assert age.moments.n == 25
    assert (age.moments.mean, age.moments.sum, age.moments.min, age.moments.max) == (40.0, 1000.0, 23.0, 62.0)
    assert age.moments.std_dev == pytest.approx(10.833282051160673, rel=1e-12)
    assert age.moments.m2 == pytest.approx(10.833282051160673**2 * 25, rel=1e-12)
    assert age.sketch.n == 25
    ages = raw["features"][0]["numerical_statistics"]["distribution"]["kll"]["sketch"]["data"][0]
    assert age.sketch.get_quantile(0.5) == float(np.sort(ages)[12])
    buckets = kll_buckets(age.sketch, age.moments.min, age.moments.max)
    assert [b.count for b in buckets] == [
        b["count"] for b in raw["features"][0]["numerical_statistics"]["distribution"]["kll"]["buckets"]
    ]

    income = profile.columns["income"]
    assert income.inferred_type == "Fractional"
    assert (income.present, income.missing) == (27, 0)
    levels = raw["features"][1]["numerical_statistics"]["distribution"]["kll"]["sketch"]["data"]
    assert [len(level) for level in levels] == [7, 4, 3]
    assert income.sketch.n == 7 + 4 * 2 + 3 * 4 == 27
    items, weights = kll.weighted_items([np.array(level) for level in levels])
    for x in (35000.0, 45500.5, 55000.0, 61000.25, 90000.0):
        inclusive = float(weights[items <= x].sum())
        exclusive = float(weights[items < x].sum())
        assert round(income.sketch.get_rank(x, inclusive=True) * 27) == inclusive
        assert round(income.sketch.get_rank(x, inclusive=False) * 27) == exclusive
    assert income.moments.m2 == pytest.approx(15338.30612526535**2 * 27, rel=1e-12)
    income_buckets = kll_buckets(income.sketch, 35000.0, 90000.0)
    expected_buckets = raw["features"][1]["numerical_statistics"]["distribution"]["kll"]["buckets"]
    assert [b.count for b in income_buckets] == [b["count"] for b in expected_buckets]

    city = profile.columns["city"]
    assert city.inferred_type == "String"
    assert (city.present, city.missing) == (26, 1)
    assert city.categories.counts == {"Seattle": 14, "Boston": 8, "Austin": 4}

    user_id = profile.columns["user_id"]
    assert not user_id.categories.exact
    assert user_id.categories.distinct_count() == 25.0

    comment = profile.columns["comment"]
    assert comment.inferred_type == "Unknown"
    assert (comment.present, comment.missing) == (0, 27)


def test_sagemaker_profile_merges_with_our_own() -> None:
    baseline = from_statistics(_load("statistics.json"))
    current = Profile()
    current.update(
        pa.record_batch(
            {
                "age": pa.array([30, 70, None], pa.int64()),
                "city": pa.array(["Austin", "Denver", "Austin"]),
                "comment": pa.array(["hello", None, None]),
            }
        )
    )
    merged = baseline.merge(current)
    assert merged.item_count == 30
    age = merged.columns["age"]
    assert (age.present, age.missing) == (27, 3)
    assert age.moments.n == 27
    assert age.sketch.n == 27
    assert age.moments.mean == pytest.approx((1000.0 + 100.0) / 27, rel=1e-12)
    assert age.moments.max == 70.0
    income = merged.columns["income"]
    assert (income.present, income.missing) == (27, 3)
    city = merged.columns["city"]
    assert city.categories.counts == {"Seattle": 14, "Boston": 8, "Austin": 6, "Denver": 1}
    comment = merged.columns["comment"]
    assert comment.inferred_type == "String"
    assert (comment.present, comment.missing) == (1, 29)
    document = to_statistics(merged).to_dict()
    assert json.loads(json.dumps(document, allow_nan=False)) == document
    ages = next(f for f in document["features"] if f["name"] == "age")["numerical_statistics"]
    assert sum(b["count"] for b in ages["distribution"]["kll"]["buckets"]) == 27.0
    assert not math.isnan(ages["std_dev"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(tables(), min_size=1, max_size=3))
def test_round_trip_of_random_small_profiles(parts: list[Table]) -> None:
    profile = profile_of(*parts)
    first = to_statistics(profile).to_dict()
    _assert_same_document(first, _document_round_trip(to_statistics(profile)))
