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


def new_sketch() -> kll_doubles_sketch:
    return kll_doubles_sketch(K)


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
    everything = np.concatenate([items_by_level[0], *(np.sort(level) for level in items_by_level[1:])])
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
    When that would still be more than k items, the occurrences are fed one by one.
    """
    counts = counts.astype(np.int64)
    bits = [((counts >> level) & 1).astype(bool) for level in range(int(counts.max()).bit_length())]
    if sum(int(bit.sum()) for bit in bits) > k:
        sketch = kll_doubles_sketch(k)
        sketch.update(np.repeat(values, counts))
        return sketch
    return from_levels([values[bit] for bit in bits], k)


def weighted_items(items_by_level: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """All items of the levels with their weights, as two aligned arrays."""
    if not items_by_level:
        return np.empty(0), np.empty(0)
    items = np.concatenate(items_by_level)
    weights = np.concatenate([np.full(len(level), float(2**h)) for h, level in enumerate(items_by_level)])
    return items, weights


def _total_capacity(k: int, num_levels: int) -> int:
    return sum(_level_capacity(k, num_levels, height) for height in range(num_levels))


def _level_capacity(k: int, num_levels: int, height: int) -> int:
    """DataSketches' capacity of a level: about k·(2/3)^depth, with depth counted from the top."""
    depth = num_levels - height - 1
    return max(MIN_LEVEL_WIDTH, ((2 * k << depth) // 3**depth + 1) >> 1)
