"""KLL quantile sketches (Apache DataSketches) and their compactor levels.

`statistics.json` stores a sketch as its compactor levels: level h holds items that each weigh 2^h
(Deequ's form, which SageMaker writes). DataSketches does not expose its levels, so they are read from
and written to its documented serialization: a preamble, the level offsets, min, max, then the items.
That keeps the exact weights when a sketch goes to a document and back, including sketches SageMaker
made with Deequ's (differently sized) levels.
"""

from __future__ import annotations

import struct

import numpy as np
from datasketches import kll_doubles_sketch

from modelwatch import _textkernels

K = 2048
"""Sketch size: Deequ's default, rank error about 0.2% (DESIGN.md)."""
MIN_LEVEL_WIDTH = 8
"""DataSketches' `m`, the smallest capacity of a level."""

_PREAMBLE = struct.Struct("<BBBBHBBQHBB")
_FAMILY_KLL = 15
_SERIAL_VERSION_FULL = 1
_SERIAL_VERSION_SINGLE = 2
_PREAMBLE_INTS_FULL = 5
_FLAG_EMPTY = 1
_FLAG_SINGLE_ITEM = 4

ROW_SORT_MAX = 256
"""Widest row that numpy sorts with a sorting network: a few ns per value, where a longer sort costs
40-60 ns per value on some CPUs (AVX-512 quicksort on AMD Zen 4)."""
RADIX_SORT_MIN = 2048
"""Shorter arrays sort as fast in numpy."""
VECTOR_MIN_VALUES = 4096
"""Smaller batches go to DataSketches' own update: the vectorized path has a fixed cost per call."""

_random = np.random.default_rng()


def new_sketch() -> kll_doubles_sketch:
    return kll_doubles_sketch(K)


def update(sketch: kll_doubles_sketch, values: np.ndarray, rng: np.random.Generator | None = None) -> None:
    """Add a batch of finite float64 `values` to `sketch`, compacted in numpy first.

    DataSketches' update costs about 50 ns per value; this costs 7-40 ns (less the larger the sketch
    already is). The batch is compacted the way KLL compacts, vectorized, and merged as one sketch.
    Let c_h be the capacity of level h at the height the sketch reaches with this batch.

    - Row compactions: while c_h is at most ROW_SORT_MAX (or 1/16 more), the level's items are cut
      into rows of min(c_h, ROW_SORT_MAX) items (rounded down to even); each row is sorted and
      compacted on its own, keeping every other item from a random offset at twice the weight.
    - Whole-level compactions: the items left are sorted once; level by level, the smallest c_h stay
      and the others are halved as a whole, until the rest fits (above the top level everything is
      halved, an odd item out staying behind).

    Error bound. A compaction of a sorted buffer of items weighing w moves the rank of any value by
    +w, -w or 0, +w and -w with equal chance: the errors of all compactions are independent,
    zero-mean and add up, with a variance of at most the sum of w^2 over compactions.
    - Row compactions at level h number at most n / (2^h r_h) for a batch of n values in rows of r_h.
      With r_h = c_h that is the count KLL's analysis bounds a level's compactions by for a sketch of
      this height (Karnin, Lang, Liberty 2016); the sketch's height only grows, and the capacities
      DataSketches later compacts the same level with shrink, so they stay within the final sketch's
      bound. The one capacity of 270 compacted in rows of 256 adds 6% to that level's count.
    - Whole-level compactions are one per level, of weights 2^L .. 2^(T-1) below the batch's top level
      T, so together they move a rank by less than 2^T; each replaces the n / (2^h c_h) >= 1
      compactions KLL would make at that level. A batch of up to 65,536 values into an empty sketch
      gets 2^T < 0.08% of n.
    The merges that follow are DataSketches' own. tests/profiling/test_kll_update.py checks the rank
    error against exact ranks and DataSketches' stated bound
    (`kll_doubles_sketch.get_normalized_rank_error(k, False)`: 0.14% for k = 2048, 99% confidence).
    """
    if len(values) < VECTOR_MIN_VALUES:
        # DataSketches takes only writable arrays; Arrow hands out read-only views.
        sketch.update(np.require(values, np.float64, "W"))
        return
    levels = compacted_levels(values, _height(sketch.k, sketch.n + len(values)), rng or _random, sketch.k)
    sketch.merge(from_levels(levels, sketch.k, float(values.min()), float(values.max())))


def compacted_levels(
    values: np.ndarray, num_levels: int, rng: np.random.Generator, k: int = K
) -> list[np.ndarray]:
    """`values` compacted into KLL levels (level h weighs 2^h) of a sketch `num_levels` high."""
    levels: list[np.ndarray] = []
    items = values
    height = 0
    while height < num_levels - 1:
        capacity = _level_capacity(k, num_levels, height)
        width = min(capacity, ROW_SORT_MAX) & ~1
        rows = len(items) // width
        if capacity > ROW_SORT_MAX + ROW_SORT_MAX // 16 or rows == 0:
            break
        block = np.sort(items[: rows * width].reshape(rows, width), axis=1)
        odd = rng.random((rows, 1)) < 0.5  # a third of the cost of integers(dtype=bool)
        levels.append(items[rows * width :])
        items = np.where(odd, block[:, 1::2], block[:, ::2]).ravel()
        height += 1
    items = sorted_copy(items)
    while len(items) > (capacity := _level_capacity(k, max(num_levels, height + 1), height)):
        # Below the top, a level keeps what it can hold; the top and above keep only an odd item out.
        kept = capacity - (len(items) - capacity) % 2 if height < num_levels - 1 else len(items) % 2
        levels.append(items[:kept])
        items = items[kept + int(rng.integers(0, 2)) :: 2]
        height += 1
    levels.append(items)
    return levels


def levels(sketch: kll_doubles_sketch) -> list[np.ndarray]:
    """The items of `sketch` per level, lowest (weight 1) first."""
    data = sketch.serialize()
    flags = data[3]
    if flags & _FLAG_EMPTY:
        return []
    if flags & _FLAG_SINGLE_ITEM:
        return [np.frombuffer(data, dtype="<f8", count=1, offset=8).copy()]
    num_levels = data[18]
    offsets = np.frombuffer(data, dtype="<u4", count=num_levels, offset=_PREAMBLE.size).astype(np.int64)
    items = np.frombuffer(data, dtype="<f8", offset=_PREAMBLE.size + 4 * num_levels + 16)
    bounds = [*(offsets - offsets[0]).tolist(), len(items)]
    return [items[bounds[h] : bounds[h + 1]].copy() for h in range(num_levels)]


def from_levels(
    items_by_level: list[np.ndarray],
    k: int = K,
    minimum: float | None = None,
    maximum: float | None = None,
) -> kll_doubles_sketch:
    """A DataSketches sketch holding exactly these weighted items (level h weighs 2^h).

    `minimum`/`maximum` are the exact extremes of the data when known (a document's min and max):
    a compacted sketch may no longer retain them, and its quantiles 0 and 1 should be them.
    """
    items_by_level = [np.asarray(level, dtype=np.float64) for level in items_by_level]
    while items_by_level and len(items_by_level[-1]) == 0:
        items_by_level.pop()
    sketch = kll_doubles_sketch(k)
    if len(items_by_level) <= 1:
        if items_by_level:
            sketch.update(items_by_level[0])
        return sketch
    retained = sum(len(level) for level in items_by_level)
    num_levels = len(items_by_level)
    while _total_capacity(k, num_levels) < retained:
        num_levels += 1
        items_by_level.append(np.empty(0))
    capacity = _total_capacity(k, num_levels)
    sizes = np.array([len(level) for level in items_by_level], dtype=np.int64)
    offsets = capacity - retained + np.concatenate([[0], np.cumsum(sizes)[:-1]])
    everything = np.concatenate([items_by_level[0], *(_sorted(level) for level in items_by_level[1:])])
    n = int(sum(len(level) << h for h, level in enumerate(items_by_level)))
    preamble = _PREAMBLE.pack(
        _PREAMBLE_INTS_FULL, _SERIAL_VERSION_FULL, _FAMILY_KLL, 0, k, MIN_LEVEL_WIDTH, 0, n, k, num_levels, 0
    )
    low = everything.min() if minimum is None else min(minimum, everything.min())
    high = everything.max() if maximum is None else max(maximum, everything.max())
    body = offsets.astype("<u4").tobytes() + struct.pack("<dd", low, high)
    return kll_doubles_sketch.deserialize(preamble + body + everything.astype("<f8").tobytes())


def from_counts(values: np.ndarray, counts: np.ndarray, k: int = K) -> kll_doubles_sketch:
    """A sketch of distinct `values` occurring `counts` times each, exact while small.

    Each count is written in binary: a value sits once on level h for every bit h of its count, so
    the sketch holds exactly those weights with a few items per value instead of one per occurrence.
    When that would still be more than k items, the occurrences are sketched as a batch.
    """
    counts = counts.astype(np.int64)
    bits = [((counts >> level) & 1).astype(bool) for level in range(int(counts.max()).bit_length())]
    if sum(int(bit.sum()) for bit in bits) > k:
        sketch = kll_doubles_sketch(k)
        update(sketch, np.repeat(values, counts))
        return sketch
    return from_levels([values[bit] for bit in bits], k)


def weighted_items(items_by_level: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """All items of the levels with their weights, as two aligned arrays."""
    if not items_by_level:
        return np.empty(0), np.empty(0)
    items = np.concatenate(items_by_level)
    weights = np.concatenate([np.full(len(level), float(2**h)) for h, level in enumerate(items_by_level)])
    return items, weights


def _sorted(items: np.ndarray) -> np.ndarray:
    return items if bool(np.all(items[1:] >= items[:-1])) else sorted_copy(items)


def sorted_copy(items: np.ndarray) -> np.ndarray:
    """`np.sort(items)` as float64; a long array by the C radix sort, which costs a third of numpy's
    quicksort where that is slow (35-60 ns per value on AMD Zen 4)."""
    if len(items) < RADIX_SORT_MIN:
        return np.sort(items)
    result = np.array(items, dtype=np.float64)
    _textkernels.sort_doubles(result)
    return result


def _height(k: int, n: int) -> int:
    """The fewest levels whose capacities, filled, weigh at least n (a sketch of n values has as many)."""
    num_levels = 1
    while sum(_level_capacity(k, num_levels, height) << height for height in range(num_levels)) < n:
        num_levels += 1
    return num_levels


def _total_capacity(k: int, num_levels: int) -> int:
    return sum(_level_capacity(k, num_levels, height) for height in range(num_levels))


def _level_capacity(k: int, num_levels: int, height: int) -> int:
    """DataSketches' capacity of a level: about k·(2/3)^depth, with depth counted from the top."""
    depth = num_levels - height - 1
    return max(MIN_LEVEL_WIDTH, ((2 * k << depth) // 3**depth + 1) >> 1)
