"""Large batches with few distinct values are sketched from their value counts, exactly."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from modelwatch.profiling import kll
from modelwatch.profiling.datatypes import WEIGHTED_MIN_VALUES, classify
from modelwatch.profiling.profile import Profile

RNG = np.random.default_rng(5)


def low_cardinality(rows: int) -> np.ndarray:
    return RNG.choice(np.array([0, 1, 2, 5, 7, 30, 120]), size=rows, p=[0.5, 0.2, 0.1, 0.1, 0.05, 0.04, 0.01])


@pytest.mark.parametrize("as_text", [True, False], ids=["text", "int64"])
def test_profile_of_a_large_low_cardinality_batch_is_exact(as_text: bool) -> None:
    values = low_cardinality(50_000)
    array = pa.array([str(value) for value in values]) if as_text else pa.array(values, pa.int64())
    profile = Profile()
    profile.update(pa.record_batch({"x": array}))
    column = profile.columns["x"]
    assert column.types.integral == len(values)
    assert column.moments.n == len(values)
    assert column.moments.mean == pytest.approx(values.mean(), rel=1e-12)
    assert column.moments.m2 == pytest.approx(((values - values.mean()) ** 2).sum(), rel=1e-9)
    assert (column.moments.min, column.moments.max) == (0.0, 120.0)
    assert column.sketch.n == len(values)
    for point in (0, 1, 2, 5, 7, 30, 120):
        assert column.sketch.get_rank(point, inclusive=True) == pytest.approx(
            (values <= point).mean(), abs=1e-12
        )


def test_counts_become_levels_by_their_binary_digits() -> None:
    items, weights = kll.weighted_items(kll.levels(kll.from_counts(np.array([3.0, 8.0]), np.array([5, 2]))))
    assert sorted(zip(items.tolist(), weights.tolist(), strict=True)) == [(3.0, 1.0), (3.0, 4.0), (8.0, 2.0)]


def test_too_many_digits_fall_back_to_one_item_per_occurrence() -> None:
    values = np.arange(3000, dtype=float)
    counts = np.full(3000, 3)
    sketch = kll.from_counts(values, counts)
    assert sketch.n == 9000
    assert sketch.get_rank(1499.0, inclusive=True) == pytest.approx(0.5, abs=0.01)


def test_small_batches_keep_every_value_in_order() -> None:
    texts = pa.array(["3", "1", "2", "1"])
    counts = classify(texts, *_value_counts(texts))
    assert counts.weights is None
    assert counts.numbers.tolist() == [3.0, 1.0, 2.0, 1.0]
    large = pa.array(["1", "2"] * WEIGHTED_MIN_VALUES)
    weighted = classify(large, *_value_counts(large))
    assert weighted.weights is not None
    assert dict(zip(weighted.numbers.tolist(), weighted.weights.tolist(), strict=True)) == {
        1.0: WEIGHTED_MIN_VALUES,
        2.0: WEIGHTED_MIN_VALUES,
    }


def test_non_finite_values_are_counted_with_their_weights() -> None:
    values = pa.array(["nan", "1.5", "inf", "1.5"] * 1000)
    classified = classify(values, *_value_counts(values))
    assert classified.counts.fractional == 4000
    assert classified.counts.non_finite == 2000
    assert classified.numbers.tolist() == [1.5]
    assert classified.weights is not None
    assert classified.weights.tolist() == [2000]


def _value_counts(values: pa.Array) -> tuple[pa.Array, pa.Array]:
    counted = values.value_counts()
    return counted.field(0), counted.field(1)
