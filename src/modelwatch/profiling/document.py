"""Profile ⇄ statistics document.

The document is only a rendering of a profile, and can be read back into one: a SageMaker baseline
becomes a profile whose sketch holds the same weighted items, so it merges and compares like ours.
"""

from __future__ import annotations

import numpy as np

from modelwatch.formats.statistics import (
    NUMERIC_TYPES,
    CategoricalBucket,
    FeatureStatistics,
    KllBucket,
    KllSketch,
    NumericalStatistics,
    Statistics,
    StringStatistics,
)
from modelwatch.profiling import kll
from modelwatch.profiling.categories import Categories
from modelwatch.profiling.column import ColumnProfile
from modelwatch.profiling.datatypes import TypeCounts
from modelwatch.profiling.moments import Moments
from modelwatch.profiling.profile import Profile

BUCKET_COUNT = 10
SHRINKING_FACTOR = 2 / 3
"""DataSketches' level-capacity ratio, written as `sketch.parameters.c` (Deequ's is 0.64)."""


def to_statistics(profile: Profile) -> Statistics:
    features = [_feature(name, column) for name, column in profile.columns.items()]
    return Statistics(item_count=profile.item_count, features=features)


def _feature(name: str, column: ColumnProfile) -> FeatureStatistics:
    inferred_type = column.inferred_type
    feature = FeatureStatistics(name=name, inferred_type=inferred_type)
    if inferred_type in NUMERIC_TYPES:
        feature.numerical = _numerical(column)
    else:
        feature.string = _string(column)
    return feature


def _numerical(column: ColumnProfile) -> NumericalStatistics:
    moments = column.moments
    statistics = NumericalStatistics(
        num_present=column.present,
        num_missing=column.missing,
        mean=moments.mean if moments.n else None,
        sum=moments.sum if moments.n else None,
        std_dev=moments.std_dev if moments.n else None,
        min=moments.min if moments.n else None,
        max=moments.max if moments.n else None,
    )
    if moments.n:
        statistics.buckets = kll_buckets(column.sketch, moments.min, moments.max)
        levels = [level.tolist() for level in kll.levels(column.sketch)]
        statistics.sketch = KllSketch(c=SHRINKING_FACTOR, k=float(column.sketch.k), data=levels)
    return statistics


def kll_buckets(sketch: kll.kll_doubles_sketch, low: float, high: float) -> list[KllBucket]:
    """Ten equal-width buckets over [low, high] with counts from the sketch's ranks (Deequ's rule).

    Bucket i covers [lo, hi) and counts rank_exclusive(hi) - rank_exclusive(lo); the last bucket is
    closed on the right.
    """
    edges = [low + (high - low) * i / BUCKET_COUNT for i in range(BUCKET_COUNT)] + [high]
    below = np.array([sketch.get_rank(edge, inclusive=False) for edge in edges]) * sketch.n
    below[-1] = sketch.get_rank(high, inclusive=True) * sketch.n
    counts = np.round(np.diff(below))
    return [
        KllBucket(lower_bound=edges[i], upper_bound=edges[i + 1], count=float(counts[i]))
        for i in range(BUCKET_COUNT)
    ]


def _string(column: ColumnProfile) -> StringStatistics:
    categories = column.categories
    buckets = None
    if categories.counts is not None:
        ordered = sorted(categories.counts.items(), key=lambda item: (-item[1], item[0]))
        buckets = [CategoricalBucket(value=value, count=count) for value, count in ordered]
    return StringStatistics(
        num_present=column.present,
        num_missing=column.missing,
        distinct_count=categories.distinct_count(),
        buckets=buckets,
    )


def from_statistics(statistics: Statistics) -> Profile:
    """The profile a statistics document describes (SageMaker's included)."""
    columns = {feature.name: _column(feature) for feature in statistics.features}
    return Profile(statistics.item_count, columns)


def _column(feature: FeatureStatistics) -> ColumnProfile:
    present, missing = feature.num_present, feature.num_missing
    if feature.numerical is not None and feature.inferred_type in NUMERIC_TYPES:
        numbers = feature.numerical
        types = (
            TypeCounts(integral=present)
            if feature.inferred_type == "Integral"
            else TypeCounts(fractional=present)
        )
        levels = [
            np.asarray(level, dtype=np.float64) for level in (numbers.sketch.data if numbers.sketch else [])
        ]
        sketch = kll.from_levels(levels, minimum=numbers.min, maximum=numbers.max)
        # The moments cover the finite values only, which the sketch counts; without a sketch, all present.
        finite = sketch.n if sketch.n else present
        moments = Moments()
        if numbers.mean is not None and finite:
            std_dev = numbers.std_dev or 0.0
            moments = Moments(
                n=finite,
                mean=numbers.mean,
                m2=std_dev * std_dev * finite,
                sum=numbers.sum if numbers.sum is not None else numbers.mean * finite,
                min=numbers.min if numbers.min is not None else numbers.mean,
                max=numbers.max if numbers.max is not None else numbers.mean,
            )
        return ColumnProfile(missing=missing, types=types, moments=moments, sketch=sketch)
    types = TypeCounts(string=present)
    return ColumnProfile(missing=missing, types=types, categories=_categories(feature, present))


def _categories(feature: FeatureStatistics, present: int) -> Categories:
    strings = feature.string
    buckets = strings.buckets if strings is not None and strings.buckets is not None else []
    counts = {bucket.value: bucket.count for bucket in buckets}
    if sum(counts.values()) == present:
        return Categories(counts=counts)
    categories = Categories(counts=counts)
    categories.fold()
    categories.floor = strings.distinct_count if strings is not None else 0.0
    return categories
