"""The vectorized KLL update (`kll.update`): exact weights and extremes, rank error within KLL's bound."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modelwatch.profiling import kll

EPSILON = kll.kll_doubles_sketch.get_normalized_rank_error(kll.K, False)
"""DataSketches' stated normalized rank error for k = 2048 (99% confidence)."""

QUANTILES = np.linspace(0.01, 0.99, 99)


def _data(distribution: str, n: int, rng: np.random.Generator) -> np.ndarray:
    if distribution == "normal":
        return rng.normal(100.0, 15.0, n)
    if distribution == "heavy duplicates":
        return rng.integers(0, 20, n).astype(float)
    if distribution == "sorted":
        return np.sort(rng.exponential(1.0, n))
    if distribution == "all equal":
        return np.full(n, 3.5)
    return rng.pareto(1.5, n)


def _sketched(values: np.ndarray, batch: int, rng: np.random.Generator) -> kll.kll_doubles_sketch:
    sketch = kll.new_sketch()
    for start in range(0, len(values), batch):
        kll.update(sketch, values[start : start + batch], rng)
    return sketch


def _rank_error(sketch: kll.kll_doubles_sketch, values: np.ndarray) -> float:
    """Largest distance between a quantile asked for and the exact rank range of the value returned."""
    ordered = np.sort(values)
    estimates = np.array([sketch.get_quantile(float(q)) for q in QUANTILES])
    low = np.searchsorted(ordered, estimates, "left") / len(ordered)
    high = np.searchsorted(ordered, estimates, "right") / len(ordered)
    return float(np.max(np.maximum(low - QUANTILES, 0) + np.maximum(QUANTILES - high, 0)))


def _weighted_n(levels: list[np.ndarray]) -> int:
    return sum(len(level) << h for h, level in enumerate(levels))


@pytest.mark.parametrize("distribution", ["normal", "heavy duplicates", "sorted", "all equal", "pareto"])
@pytest.mark.parametrize(
    ("n", "batch"),
    [
        (2_047, 65_536),
        (4_097, 65_536),
        (70_000, 65_536),
        (300_000, 65_536),
        (1_000_000, 65_536),
        (200_000, 5_000),
    ],
)
def test_rank_error_within_the_kll_bound(distribution: str, n: int, batch: int) -> None:
    rng = np.random.default_rng(n + len(distribution))
    values = _data(distribution, n, rng)
    sketch = _sketched(values, batch, rng)
    assert sketch.n == n
    assert (sketch.get_min_value(), sketch.get_max_value()) == (values.min(), values.max())
    assert _weighted_n(kll.levels(sketch)) == n
    assert _rank_error(sketch, values) <= EPSILON


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(kll.VECTOR_MIN_VALUES, 40_000),
    distinct=st.integers(1, 100_000),
    num_levels=st.integers(1, 12),
    seed=st.integers(0, 2**32 - 1),
)
def test_compacted_levels_keep_every_weight_within_capacity(
    n: int, distinct: int, num_levels: int, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    values = rng.integers(0, distinct, n).astype(float)
    levels = kll.compacted_levels(values, num_levels, rng)
    assert _weighted_n(levels) == n
    assert np.isin(np.concatenate(levels), values).all()
    top = len(levels) - 1
    assert len(levels[top]) <= kll._level_capacity(kll.K, max(num_levels, top + 1), top)
    sketch = kll.from_levels(levels, minimum=float(values.min()), maximum=float(values.max()))
    assert (sketch.n, sketch.get_min_value(), sketch.get_max_value()) == (n, values.min(), values.max())


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(kll.VECTOR_MIN_VALUES, 150_000),
    distinct=st.integers(1, 10**6),
    seed=st.integers(0, 2**32 - 1),
)
def test_one_batch_within_the_bound(n: int, distinct: int, seed: int) -> None:
    """A single batch into an empty sketch: the fewest levels, so the largest error relative to n."""
    rng = np.random.default_rng(seed)
    values = rng.integers(0, distinct, n).astype(float)
    sketch = kll.new_sketch()
    kll.update(sketch, values, rng)
    assert _rank_error(sketch, values) <= EPSILON


def test_merged_batch_sketches_stay_within_the_bound() -> None:
    """Sketches of chunks, each updated batch by batch, merged by DataSketches as the engines do."""
    rng = np.random.default_rng(5)
    values = rng.lognormal(0.0, 1.0, 600_000)
    merged = kll.new_sketch()
    for chunk in np.array_split(values, 7):
        merged.merge(_sketched(chunk, 65_536, rng))
    assert merged.n == len(values)
    assert _rank_error(merged, values) <= EPSILON


def test_small_batches_stay_exact_up_to_k() -> None:
    values = np.arange(kll.K, dtype=float)[::-1]
    sketch = kll.new_sketch()
    kll.update(sketch, values[:1000])
    kll.update(sketch, values[1000:])
    assert len(kll.levels(sketch)) == 1
    assert sorted(np.concatenate(kll.levels(sketch)).tolist()) == sorted(values.tolist())
