"""KLL compactor levels in and out of DataSketches (`kll.levels`, `kll.from_levels`)."""

from __future__ import annotations

import numpy as np
import pytest

from modelwatch.profiling import kll


def _sketch(values: np.ndarray) -> kll.kll_doubles_sketch:
    sketch = kll.new_sketch()
    for chunk in np.array_split(values, 5):
        sketch.update(chunk)
    return sketch


def _weighted_n(levels: list[np.ndarray]) -> int:
    return sum(len(level) << h for h, level in enumerate(levels))


def _same_levels(mine: list[np.ndarray], theirs: list[np.ndarray]) -> bool:
    if len(mine) != len(theirs):
        return False
    return all(np.array_equal(np.sort(a), np.sort(b)) for a, b in zip(mine, theirs, strict=True))


def _weighted_rank(levels: list[np.ndarray], x: float, inclusive: bool) -> float:
    items, weights = kll.weighted_items(levels)
    chosen = items <= x if inclusive else items < x
    return float(weights[chosen].sum())


@pytest.mark.parametrize("n", [1, 2, 100, 2048, 2049, 5_000, 60_000])
def test_round_trip_preserves_each_level_and_n(n: int) -> None:
    values = np.random.default_rng(n).normal(size=n)
    sketch = _sketch(values)
    levels = kll.levels(sketch)
    assert _weighted_n(levels) == n
    rebuilt = kll.from_levels(levels)
    assert rebuilt.n == n
    assert _same_levels(kll.levels(rebuilt), levels)
    # Levels carry only the retained items: the extremes are theirs (exact while n <= 2048).
    retained = np.concatenate(levels)
    assert rebuilt.get_min_value() == retained.min()
    assert rebuilt.get_max_value() == retained.max()
    if n <= 2048:
        assert (rebuilt.get_min_value(), rebuilt.get_max_value()) == (values.min(), values.max())
    for q in (0.1, 0.25, 0.5, 0.75, 0.9):
        assert rebuilt.get_quantile(q) == sketch.get_quantile(q)
        assert rebuilt.get_rank(float(values[0])) == sketch.get_rank(float(values[0]))


def test_exact_until_2048_values() -> None:
    values = np.arange(2048.0)[::-1]
    levels = kll.levels(_sketch(values))
    assert len(levels) == 1
    assert sorted(levels[0].tolist()) == sorted(values.tolist())
    sketch = _sketch(np.arange(2049.0))
    assert _weighted_n(kll.levels(sketch)) == 2049
    assert sketch.is_estimation_mode()


def test_empty_sketch() -> None:
    empty = kll.new_sketch()
    assert kll.levels(empty) == []
    for rebuilt in (kll.from_levels([]), kll.from_levels([np.empty(0)]), kll.from_levels([[], []])):
        assert rebuilt.n == 0
        assert rebuilt.is_empty()
        assert kll.levels(rebuilt) == []
        rebuilt.update(np.array([3.0, 1.0]))
        assert rebuilt.n == 2


def test_single_item_sketch() -> None:
    sketch = kll.new_sketch()
    sketch.update(np.array([4.25]))
    levels = kll.levels(sketch)
    assert [level.tolist() for level in levels] == [[4.25]]
    rebuilt = kll.from_levels(levels)
    assert rebuilt.n == 1
    assert rebuilt.get_quantile(0.5) == 4.25
    rebuilt.update(np.array([1.0]))
    assert rebuilt.n == 2
    assert rebuilt.get_min_value() == 1.0


DEEQU_LIKE = [
    # (level sizes, description): level 0 holds up to 2050 items in Deequ (k=2048, c=0.64).
    [2050, 1300, 820, 520],
    [2050, 0, 700, 3],
    [17, 1, 2050],
    [5, 4, 3],
    [2050, 1310, 839, 537, 343, 219, 140, 89, 57, 36, 23, 14],
]


@pytest.mark.parametrize("sizes", DEEQU_LIKE)
def test_sketch_from_deequ_shaped_levels(sizes: list[int]) -> None:
    rng = np.random.default_rng(sum(sizes))
    levels = [
        np.sort(rng.uniform(0, 1000, size=size)) if h else rng.uniform(0, 1000, size=size)
        for h, size in enumerate(sizes)
    ]
    n = _weighted_n(levels)
    sketch = kll.from_levels(levels)
    assert sketch.n == n
    # Trailing empty levels are dropped, inner empty levels kept.
    assert _same_levels(kll.levels(sketch)[: len(sizes)], levels)
    everything = np.concatenate(levels)
    assert sketch.get_min_value() == everything.min()
    assert sketch.get_max_value() == everything.max()
    # Ranks weigh level h at 2^h, exactly.
    for x in np.quantile(everything, [0.05, 0.3, 0.5, 0.77, 0.99]):
        assert round(sketch.get_rank(float(x), inclusive=True) * n) == _weighted_rank(levels, float(x), True)
        assert round(sketch.get_rank(float(x), inclusive=False) * n) == _weighted_rank(
            levels, float(x), False
        )
    # It accepts updates and merges like any other sketch.
    sketch.update(rng.uniform(0, 1000, size=3000))
    assert sketch.n == n + 3000
    other = kll.from_levels(levels)
    other.merge(sketch)
    assert other.n == 2 * n + 3000
    assert _weighted_n(kll.levels(other)) == other.n
    median = other.get_quantile(0.5)
    assert 300 < median < 700


def test_unsorted_upper_levels_are_accepted() -> None:
    """SageMaker documents may hold upper levels in any order; they come back sorted and intact."""
    levels = [np.array([5.0, 1.0, 3.0]), np.array([9.0, 2.0, 7.0, 4.0])]
    sketch = kll.from_levels(levels)
    assert sketch.n == 3 + 8
    back = kll.levels(sketch)
    assert back[0].tolist() == [5.0, 1.0, 3.0]
    assert back[1].tolist() == [2.0, 4.0, 7.0, 9.0]
    assert sketch.get_quantile(1.0) == 9.0
    assert sketch.get_quantile(0.0) == 1.0


def test_weighted_items() -> None:
    items, weights = kll.weighted_items([np.array([1.0, 2.0]), np.array([]), np.array([3.0])])
    assert items.tolist() == [1.0, 2.0, 3.0]
    assert weights.tolist() == [1.0, 1.0, 4.0]
    empty_items, empty_weights = kll.weighted_items([])
    assert len(empty_items) == len(empty_weights) == 0
