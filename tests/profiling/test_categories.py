"""Distinct values: exact counts while a column has at most 1000 of them, an HLL sketch beyond."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pyarrow as pa
import pytest

from modelwatch.formats.statistics import CategoricalBucket, FeatureStatistics, Statistics, StringStatistics
from modelwatch.profiling.categories import MAX_EXACT_DISTINCT, Categories
from modelwatch.profiling.document import from_statistics, to_statistics
from modelwatch.profiling.profile import Profile


def _profile(values: list[str | None], batch: int) -> Profile:
    profile = Profile()
    for start in range(0, len(values), batch):
        profile.update(pa.record_batch({"s": pa.array(values[start : start + batch], pa.string())}))
    return profile


def _words(count: int, prefix: str = "w") -> list[str]:
    return [f"{prefix}{i:05d}" for i in range(count)]


@pytest.mark.parametrize("batch", [1000, 333, 77])
def test_exact_up_to_1000_distinct(batch: int) -> None:
    rng = np.random.default_rng(batch)
    values: list[str | None] = [str(v) for v in rng.choice(_words(MAX_EXACT_DISTINCT), size=3000)]
    values += _words(MAX_EXACT_DISTINCT)  # every word at least once
    values += [None] * 10
    column = _profile(values, batch).columns["s"]
    assert column.categories.exact
    assert column.categories.counts == dict(Counter(v for v in values if v is not None))
    assert column.categories.distinct_count() == 1000.0
    feature = to_statistics(_profile(values, batch)).feature("s")
    assert feature is not None
    assert feature.string is not None
    assert feature.string.buckets is not None
    assert len(feature.string.buckets) == 1000
    assert feature.string.distinct_count == 1000.0


@pytest.mark.parametrize("batch", [2000, 400])
def test_folds_past_1000_distinct(batch: int) -> None:
    values: list[str | None] = list(_words(1001))
    column = _profile(values, batch).columns["s"]
    assert not column.categories.exact
    assert column.categories.counts is None
    assert column.categories.distinct_count() == pytest.approx(1001, rel=0.03)
    feature = to_statistics(_profile(values, batch)).feature("s")
    assert feature is not None
    assert feature.string is not None
    assert feature.string.buckets is None


@pytest.mark.parametrize("batch", [20_000, 3_000, 999])
def test_distinct_count_of_20000_strings_within_3_percent(batch: int) -> None:
    words = _words(20_000)
    rng = np.random.default_rng(batch)
    values: list[str | None] = [*words, *(str(w) for w in rng.choice(words, size=10_000)), *[None] * 500]
    rng.shuffle(values)  # type: ignore[arg-type]
    column = _profile(values, batch).columns["s"]
    assert column.inferred_type == "String"
    assert (column.present, column.missing) == (30_000, 500)
    assert column.categories.distinct_count() == pytest.approx(20_000, rel=0.03)


def test_merges_of_folded_and_exact_states_count_the_union() -> None:
    left = _profile(list(_words(5_000, "a")), 1_000)
    right = _profile(list(_words(5_000, "b")) + list(_words(2_000, "a")), 700)
    small = _profile(["z1", "z2", "a00001"], 10)
    assert small.columns["s"].categories.exact
    merged = left.merge(right).merge(small)
    assert merged.columns["s"].categories.distinct_count() == pytest.approx(10_002, rel=0.03)
    merged_other_way = small.merge(right.merge(left))
    assert merged_other_way.columns["s"].categories.distinct_count() == pytest.approx(10_002, rel=0.03)


def test_exact_merge_that_crosses_the_limit_folds() -> None:
    left = _profile(list(_words(600, "a")), 600)
    right = _profile(list(_words(600, "b")), 600)
    assert left.columns["s"].categories.exact
    merged = left.merge(right).columns["s"].categories
    assert not merged.exact
    assert merged.distinct_count() == pytest.approx(1200, rel=0.03)


def test_floor_keeps_a_document_distinct_count() -> None:
    categories = Categories(counts={"a": 3, "b": 1})
    categories.fold()
    categories.floor = 500.0
    assert categories.distinct_count() == 500.0
    few = Categories(counts={"c": 1, "d": 1})
    assert categories.merge(few).distinct_count() == 500.0
    assert few.merge(categories).distinct_count() == 500.0
    many = _profile(list(_words(3_000)), 3_000).columns["s"].categories
    assert categories.merge(many).distinct_count() == pytest.approx(3_002, rel=0.03)
    back = Categories.from_dict(categories.to_dict())
    assert back.floor == 500.0
    assert not back.exact
    assert back.distinct_count() == 500.0


def test_to_dict_round_trip() -> None:
    exact = Categories(counts={"x": 2, "y": 5})
    assert Categories.from_dict(exact.to_dict()).counts == {"x": 2, "y": 5}
    folded = _profile(list(_words(4_000)), 4_000).columns["s"].categories
    back = Categories.from_dict(folded.to_dict())
    assert back.distinct_count() == folded.distinct_count()
    assert back.to_dict() == folded.to_dict()


def _string_document(present: int, distinct: float, buckets: list[tuple[str, int]] | None) -> Statistics:
    string = StringStatistics(
        num_present=present,
        num_missing=0,
        distinct_count=distinct,
        buckets=None if buckets is None else [CategoricalBucket(v, c) for v, c in buckets],
    )
    return Statistics(item_count=present, features=[FeatureStatistics("s", "String", string=string)])


def test_document_listing_every_value_reads_back_exact() -> None:
    profile = from_statistics(_string_document(6, 2.0, [("a", 4), ("b", 2)]))
    categories = profile.columns["s"].categories
    assert categories.exact
    assert categories.counts == {"a": 4, "b": 2}
    assert categories.floor == 0.0


@pytest.mark.parametrize("buckets", [[("a", 4), ("b", 2)], [], None])
def test_document_with_partial_buckets_keeps_its_distinct_count_as_floor(
    buckets: list[tuple[str, int]] | None,
) -> None:
    profile = from_statistics(_string_document(700, 450.0, buckets))
    categories = profile.columns["s"].categories
    assert not categories.exact
    assert categories.floor == 450.0
    assert categories.distinct_count() == 450.0
    document = to_statistics(profile).feature("s")
    assert document is not None
    assert document.string is not None
    assert document.string.distinct_count == 450.0
    assert document.string.buckets is None
    # Merged with new data, the count never drops below the floor and grows past it with enough values.
    small = _profile(["p", "q"], 10)
    assert profile.merge(small).columns["s"].categories.distinct_count() == 450.0
    big = _profile(list(_words(2_000)), 2_000)
    assert profile.merge(big).columns["s"].categories.distinct_count() == pytest.approx(2_000, rel=0.03)


def test_distinct_count_of_a_mixed_string_column_does_not_depend_on_batching() -> None:
    values: list[str | None] = [f"w{i}" for i in range(600)] + [str(i) for i in range(600)]
    one_batch = _profile(values, 1_200).columns["s"].categories.distinct_count()
    four_batches = _profile(values, 300).columns["s"].categories.distinct_count()
    assert one_batch == pytest.approx(four_batches, rel=0.03)
