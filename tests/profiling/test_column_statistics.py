"""Statistics of a profile against exact computations on the raw values.

Profiles are built with `Profile().update(RecordBatch)` in several batches, from string columns (as
CSV gives them) and from typed int64/float64/bool columns (as JSON Lines and Parquet give them), and
read through `to_statistics`, the document SageMaker users see.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from profiling_oracle import Expected, deequ_edges, expected_of, histogram

from modelwatch.formats.statistics import FeatureStatistics, Statistics
from modelwatch.profiling import kll
from modelwatch.profiling.document import kll_buckets, to_statistics
from modelwatch.profiling.profile import Profile

Value = Any
Column = list[Value]


def _split(rows: int, rng: np.random.Generator, parts: int) -> list[tuple[int, int]]:
    cuts = sorted(rng.choice(np.arange(1, rows), size=parts - 1, replace=False).tolist())
    bounds = [0, *cuts, rows]
    return list(itertools.pairwise(bounds))


def _profile(columns: dict[str, tuple[Column, pa.DataType]], rng: np.random.Generator, parts: int) -> Profile:
    rows = len(next(iter(columns.values()))[0])
    profile = Profile()
    for start, end in _split(rows, rng, parts):
        arrays = {name: pa.array(values[start:end], kind) for name, (values, kind) in columns.items()}
        profile.update(pa.record_batch(arrays))
    return profile


def _csv_cell(rng: np.random.Generator) -> Callable[[str], str | None]:
    def integer() -> str:
        return str(int(rng.integers(-500, 5000)))

    def fractional() -> str:
        x = float(rng.normal(100.0, 40.0))
        return [f"{x:.3f}", f"{x:e}", f"{x:.6E}", repr(x)][int(rng.integers(4))]

    def signed() -> str:
        return f"{rng.choice(['+', '-'])} {rng.integers(0, 99)}"

    def non_finite() -> str:
        return str(rng.choice(["NaN", "nan", "inf", "-inf", "Infinity", "+inf"]))

    def word() -> str:
        return str(rng.choice(["red", "green", "blue", "n/a", "", " ", ".5", "1.", "0x10"]))

    def boolean() -> str:
        return str(rng.choice(["true", "false"]))

    makers = {
        "integer": integer,
        "fractional": fractional,
        "signed": signed,
        "non_finite": non_finite,
        "word": word,
        "boolean": boolean,
    }

    def cell(kind: str) -> str | None:
        return makers[kind]()

    return cell


def _text_column(
    rng: np.random.Generator, rows: int, kinds: list[str], weights: list[float], missing: float
) -> Column:
    cell = _csv_cell(rng)
    probabilities = np.array(weights) / sum(weights)
    column: Column = []
    for _ in range(rows):
        if rng.random() < missing:
            column.append(None)
        else:
            column.append(cell(str(rng.choice(kinds, p=probabilities))))
    return column


def _check_feature(feature: FeatureStatistics, expected: Expected, item_count: int) -> None:
    assert feature.inferred_type == expected.inferred_type
    assert feature.num_present == expected.present
    assert feature.num_missing == expected.missing
    assert expected.present + expected.missing == item_count
    if expected.inferred_type in ("Integral", "Fractional"):
        numbers = feature.numerical
        assert numbers is not None
        assert feature.string is None
        finite = np.array(expected.numbers)
        if len(finite) == 0:
            assert (numbers.mean, numbers.sum, numbers.std_dev, numbers.min, numbers.max) == (None,) * 5
            assert numbers.buckets == []
            assert numbers.sketch is None
            return
        scale = float(np.abs(finite).max()) or 1.0
        assert numbers.mean == pytest.approx(float(finite.mean()), rel=1e-9, abs=1e-12 * scale)
        assert numbers.sum == pytest.approx(float(finite.sum()), rel=1e-9, abs=1e-12 * scale * len(finite))
        assert numbers.std_dev == pytest.approx(float(finite.std(ddof=0)), rel=1e-9, abs=1e-12 * scale)
        assert numbers.min == float(finite.min())
        assert numbers.max == float(finite.max())
        edges = deequ_edges(float(finite.min()), float(finite.max()))
        assert [b.lower_bound for b in numbers.buckets] == edges[:-1]
        assert [b.upper_bound for b in numbers.buckets] == edges[1:]
        assert all(isinstance(b.count, float) for b in numbers.buckets)
        assert [b.count for b in numbers.buckets] == histogram(finite, finite.min(), finite.max())
        assert numbers.sketch is not None
        assert numbers.sketch.k == 2048.0
        # Exact while small: one level holding every finite value.
        assert len(numbers.sketch.data) == 1
        assert sorted(numbers.sketch.data[0]) == sorted(finite.tolist())
    else:
        strings = feature.string
        assert strings is not None
        assert feature.numerical is None
        assert strings.distinct_count == float(len(expected.texts))
        assert strings.buckets is not None
        assert {b.value: b.count for b in strings.buckets} == dict(expected.texts)
        counts = [b.count for b in strings.buckets]
        assert counts == sorted(counts, reverse=True)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_string_columns_as_csv_gives_them(seed: int) -> None:
    rng = np.random.default_rng(seed)
    rows = 1500
    columns: dict[str, Column] = {
        "integers": _text_column(rng, rows, ["integer", "signed"], [9, 1], 0.1),
        "fractional": _text_column(rng, rows, ["integer", "fractional", "non_finite"], [3, 6, 1], 0.2),
        "only_non_finite": _text_column(rng, rows, ["non_finite"], [1], 0.5),
        "strings": _text_column(rng, rows, ["word", "integer", "fractional"], [6, 2, 2], 0.05),
        "booleans": _text_column(rng, rows, ["boolean"], [1], 0.3),
        "booleans_and_numbers": _text_column(rng, rows, ["boolean", "integer"], [1, 1], 0.0),
        "empty": [None] * rows,
    }
    profile = _profile({name: (values, pa.string()) for name, values in columns.items()}, rng, parts=5)
    statistics = to_statistics(profile)
    assert statistics.item_count == rows
    assert [feature.name for feature in statistics.features] == list(columns)
    for name, values in columns.items():
        expected = expected_of(values)
        assert profile.columns[name].types.to_dict() == expected.types(), name
        feature = statistics.feature(name)
        assert feature is not None
        _check_feature(feature, expected, rows)
    inferred = {feature.name: feature.inferred_type for feature in statistics.features}
    assert inferred == {
        "integers": "Integral",
        "fractional": "Fractional",
        "only_non_finite": "Fractional",
        "strings": "String",
        "booleans": "String",
        "booleans_and_numbers": "String",
        "empty": "Unknown",
    }


@pytest.mark.parametrize("seed", [3, 4])
def test_typed_columns_as_json_and_parquet_give_them(seed: int) -> None:
    rng = np.random.default_rng(seed)
    rows = 1800

    def maybe(value: Value, missing: float = 0.15) -> Value:
        return None if rng.random() < missing else value

    special = [math.nan, math.inf, -math.inf]
    columns: dict[str, tuple[Column, pa.DataType]] = {
        "int64": ([maybe(int(rng.integers(-(10**6), 10**6))) for _ in range(rows)], pa.int64()),
        "float64": (
            [
                maybe(float(rng.choice(special)) if rng.random() < 0.05 else float(rng.lognormal(3, 1)))
                for _ in range(rows)
            ],
            pa.float64(),
        ),
        "bool": ([maybe(bool(rng.random() < 0.3)) for _ in range(rows)], pa.bool_()),
        "all_null_int": ([None] * rows, pa.int64()),
    }
    profile = _profile(columns, rng, parts=4)
    statistics = to_statistics(profile)
    assert statistics.item_count == rows
    for name, (values, _kind) in columns.items():
        expected = expected_of(values)
        assert profile.columns[name].types.to_dict() == expected.types(), name
        feature = statistics.feature(name)
        assert feature is not None
        _check_feature(feature, expected, rows)
    inferred = {feature.name: feature.inferred_type for feature in statistics.features}
    assert inferred == {
        "int64": "Integral",
        "float64": "Fractional",
        "bool": "String",
        "all_null_int": "Unknown",
    }


def test_columns_that_come_and_go_between_batches() -> None:
    """A column absent from a batch is missing in all of that batch's rows, before and after it appears."""
    profile = Profile()
    profile.update(pa.record_batch({"a": pa.array(["1", "2"])}))
    profile.update(pa.record_batch({"b": pa.array(["x", None, "y"])}))
    profile.update(pa.record_batch({"a": pa.array(["3.5"]), "b": pa.array(["z"])}))
    statistics = to_statistics(profile)
    assert statistics.item_count == 6
    a, b = statistics.feature("a"), statistics.feature("b")
    assert a is not None
    assert b is not None
    assert (a.inferred_type, a.num_present, a.num_missing) == ("Fractional", 3, 3)
    assert (b.inferred_type, b.num_present, b.num_missing) == ("String", 3, 3)


def test_constant_column_puts_everything_in_the_last_bucket() -> None:
    profile = Profile()
    profile.update(pa.record_batch({"c": pa.array(["7"] * 40 + [None] * 2)}))
    feature = to_statistics(profile).feature("c")
    assert feature is not None
    assert feature.numerical is not None
    assert feature.numerical.std_dev == 0.0
    assert [b.count for b in feature.numerical.buckets] == [0.0] * 9 + [40.0]
    assert [b.lower_bound for b in feature.numerical.buckets] == [7.0] * 10


def test_bucket_edges_are_half_open_except_the_last() -> None:
    """Values exactly on an inner edge go to the bucket above; the maximum stays in the last one."""
    values = [float(v) for v in range(11)]  # edges 0, 1, ..., 10: one value on every edge
    sketch = kll.new_sketch()
    sketch.update(np.array(values))
    counts = [b.count for b in kll_buckets(sketch, 0.0, 10.0)]
    assert counts == [1.0] * 9 + [2.0]
    assert counts == histogram(values, 0.0, 10.0)


def test_reference_example_population_std_dev() -> None:
    """The reference's hand check: 24×1, 21×2, 55×3 gives std_dev 0.83300 (population)."""
    values = ["1"] * 24 + ["2"] * 21 + ["3"] * 55
    profile = Profile()
    for start in range(0, 100, 30):
        profile.update(pa.record_batch({"x": pa.array(values[start : start + 30])}))
    feature = to_statistics(profile).feature("x")
    assert feature is not None
    numbers = feature.numerical
    assert numbers is not None
    assert numbers.std_dev == pytest.approx(0.8330066026148891, rel=1e-12)
    assert (numbers.mean, numbers.sum, numbers.min, numbers.max) == pytest.approx((2.31, 231.0, 1.0, 3.0))
    counts = [b.count for b in numbers.buckets]
    assert counts == [24.0, 0.0, 0.0, 0.0, 0.0, 21.0, 0.0, 0.0, 0.0, 55.0]


RANK_ERROR = 0.002
"""KLL with k=2048: rank error about 0.2% of n (DESIGN.md)."""


def _rank_bounds(sorted_values: np.ndarray, x: float) -> tuple[float, float]:
    n = len(sorted_values)
    return (
        float(np.searchsorted(sorted_values, x, "left")) / n,
        float(np.searchsorted(sorted_values, x, "right")) / n,
    )


def test_quantiles_and_buckets_within_sketch_error_on_big_data() -> None:
    rng = np.random.default_rng(11)
    rows = 120_000
    values = rng.lognormal(2.0, 0.8, size=rows)
    texts = [f"{v:.6f}" for v in values]
    numbers = np.array([float(t) for t in texts])
    # Several merged profiles of several batches each, as the local engine builds them.
    chunks = np.array_split(np.arange(rows), 3)
    profiles = []
    for chunk in chunks:
        profile = Profile()
        for part in np.array_split(chunk, 4):
            profile.update(pa.record_batch({"v": pa.array([texts[i] for i in part])}))
        profiles.append(profile)
    merged = profiles[0].merge(profiles[1]).merge(profiles[2])
    column = merged.columns["v"]
    assert column.sketch.n == rows
    assert column.moments.n == rows
    assert column.moments.mean == pytest.approx(float(numbers.mean()), rel=1e-9)
    assert column.moments.std_dev == pytest.approx(float(numbers.std()), rel=1e-9)
    ordered = np.sort(numbers)
    for q in np.linspace(0.0, 1.0, 201):
        estimate = column.sketch.get_quantile(float(q))
        low, high = _rank_bounds(ordered, estimate)
        assert low - RANK_ERROR <= q <= high + RANK_ERROR, (q, estimate, low, high)
    feature = to_statistics(merged).feature("v")
    assert feature is not None
    assert feature.numerical is not None
    exact = histogram(numbers, float(numbers.min()), float(numbers.max()))
    counts = [b.count for b in feature.numerical.buckets]
    assert sum(counts) == rows
    for got, want in zip(counts, exact, strict=True):
        assert abs(got - want) <= 2 * RANK_ERROR * rows
    sketch = feature.numerical.sketch
    assert sketch is not None
    assert len(sketch.data) > 1
    assert sum(len(level) << h for h, level in enumerate(sketch.data)) == rows
    # Past the fold (more than 1000 distinct values) the categories hold only a distinct estimate.
    assert not column.categories.exact


def test_statistics_document_is_json_ready() -> None:
    """to_dict gives SageMaker's keys and plain JSON values (no numpy scalars, no inf)."""
    profile = Profile()
    profile.update(
        pa.record_batch({"x": pa.array(["1", "2", "NaN", None]), "s": pa.array(["a", "b", "a", None])})
    )
    document = to_statistics(profile).to_dict()
    text = json.dumps(document, allow_nan=False)
    assert json.loads(text) == document
    assert document["version"] == 0.0
    assert document["dataset"] == {"item_count": 4}
    x, s = document["features"]
    assert x["inferred_type"] == "Fractional"
    assert x["numerical_statistics"]["common"] == {"num_present": 3, "num_missing": 1}
    kll_entry = x["numerical_statistics"]["distribution"]["kll"]
    assert len(kll_entry["buckets"]) == 10
    assert set(kll_entry["sketch"]) == {"parameters", "data"}
    assert set(kll_entry["sketch"]["parameters"]) == {"c", "k"}
    assert s["string_statistics"]["distinct_count"] == 2.0
    assert s["string_statistics"]["distribution"]["categorical"]["buckets"] == [
        {"value": "a", "count": 2},
        {"value": "b", "count": 1},
    ]
    assert Statistics.from_dict(document).to_dict() == document
