"""Chart data from statistics documents: both sides on common bins, and the top categories.

Each side (baseline, current) may be None — a Failed window, or a column only one side has — and
stays None in the result, so a chart draws whichever sides exist in a fixed order and colour.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from modelwatch.formats.statistics import KllBucket, NumericalStatistics, StringStatistics

BINS = 24
TOP_CATEGORIES = 10


@dataclass
class Histogram:
    edges: np.ndarray
    """len(bins) + 1 increasing edges, shared by every side."""
    fractions: list[np.ndarray | None]
    """Per side, the share of its values in each bin (sums to 1)."""
    integral: bool
    """Bins hold whole integers: edges sit at half-integers, `width` integers per bin."""

    @property
    def width(self) -> float:
        return float(self.edges[1] - self.edges[0])


@dataclass
class CategoryShares:
    labels: list[str]
    """The top categories, most frequent first, then (when `other`) the rest as one row."""
    fractions: list[np.ndarray | None]
    """Per side, the share of its values in each row."""
    other: bool


def weighted_items(numbers: NumericalStatistics) -> tuple[np.ndarray, np.ndarray] | None:
    """The sketch's items and weights (2^level): the distribution the sketch stands for."""
    levels = numbers.sketch.data if numbers.sketch is not None else []
    if not any(levels):
        return None
    values = np.concatenate([np.asarray(level, dtype=float) for level in levels])
    weights = np.repeat(2.0 ** np.arange(len(levels)), [len(level) for level in levels])
    finite = np.isfinite(values)
    return values[finite], weights[finite]


def common_histogram(
    sides: Sequence[NumericalStatistics | None], integral: bool = False, bins: int = BINS
) -> Histogram | None:
    """Each side's distribution over one set of equal-width bins spanning every side's range.

    Items come from the sketch levels; a document without a sketch (an older SageMaker baseline)
    spreads each of its KLL buckets' counts evenly over the bins it overlaps.
    """
    items = [weighted_items(side) if side is not None else None for side in sides]
    ranges = [_range(side, found) for side, found in zip(sides, items, strict=True) if side is not None]
    ranges = [bounds for bounds in ranges if bounds is not None]
    if not ranges:
        return None
    low, high = min(bounds[0] for bounds in ranges), max(bounds[1] for bounds in ranges)
    integral = integral and float(low).is_integer() and float(high).is_integer()
    edges = _edges(low, high, integral, bins)
    fractions: list[np.ndarray | None] = []
    for side, found in zip(sides, items, strict=True):
        if side is None:
            fractions.append(None)
            continue
        mass = _item_mass(*found, edges) if found is not None else _bucket_mass(side.buckets, edges)
        total = mass.sum()
        fractions.append(mass / total if total > 0 else None)
    return Histogram(edges, fractions, integral)


def _range(
    numbers: NumericalStatistics, items: tuple[np.ndarray, np.ndarray] | None
) -> tuple[float, float] | None:
    if numbers.min is not None and numbers.max is not None and np.isfinite([numbers.min, numbers.max]).all():
        return numbers.min, numbers.max
    if items is not None and items[0].size:
        return float(items[0].min()), float(items[0].max())
    finite = [b for b in numbers.buckets if np.isfinite([b.lower_bound, b.upper_bound]).all()]
    if finite:
        return min(b.lower_bound for b in finite), max(b.upper_bound for b in finite)
    return None


def _edges(low: float, high: float, integral: bool, bins: int) -> np.ndarray:
    if integral:
        width = max(1, math.ceil((high - low + 1) / bins))
        count = math.ceil((high - low + 1) / width)
        return low - 0.5 + width * np.arange(count + 1)
    if high <= low:
        return np.array([low - 0.5, low + 0.5])
    return np.linspace(low, high, bins + 1)


def _item_mass(values: np.ndarray, weights: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Weights summed per bin (the last bin closed on the right), without np.histogram's sort."""
    bins = len(edges) - 1
    index = np.clip(np.searchsorted(edges, values, side="right") - 1, 0, bins - 1)
    return np.bincount(index, weights=weights, minlength=bins)


def _bucket_mass(buckets: list[KllBucket], edges: np.ndarray) -> np.ndarray:
    """Each bucket's count spread evenly over its width; a zero-width bucket lands in one bin."""
    if not buckets:
        return np.zeros(len(edges) - 1)
    lower = np.array([b.lower_bound for b in buckets])
    upper = np.array([b.upper_bound for b in buckets])
    counts = np.array([b.count for b in buckets])
    width = upper - lower
    overlap = np.minimum(upper[:, None], edges[None, 1:]) - np.maximum(lower[:, None], edges[None, :-1])
    share = np.clip(overlap, 0.0, None) / np.where(width > 0, width, 1.0)[:, None]
    point = width <= 0
    share[point] = 0.0
    home = np.clip(np.searchsorted(edges, lower[point], side="right") - 1, 0, len(edges) - 2)
    share[np.flatnonzero(point), home] = 1.0
    return counts @ share


def top_categories(
    sides: Sequence[StringStatistics | None], top: int = TOP_CATEGORIES
) -> CategoryShares | None:
    """The categories with the largest share on any side (a new category in the window shows up)."""
    tables = [
        {bucket.value: bucket.count for bucket in side.buckets} if side is not None and side.buckets else None
        for side in sides
    ]
    names = list(dict.fromkeys(name for table in tables if table is not None for name in table))
    if not names:
        return None
    shares = np.zeros((len(names), len(sides)))
    for column, (side, table) in enumerate(zip(sides, tables, strict=True)):
        if side is None or table is None:
            continue
        counts = np.array([table.get(name, 0) for name in names], dtype=float)
        shares[:, column] = counts / max(float(side.num_present), counts.sum())
    order = np.lexsort((np.arange(len(names)), -shares.max(axis=1)))[:top]
    chosen = shares[order]
    rest = np.clip(1.0 - chosen.sum(axis=0), 0.0, None)
    counted = [column for column, table in enumerate(tables) if table is not None]
    other = bool((rest[counted] > 1e-9).any())
    rows = np.vstack([chosen, rest]) if other else chosen
    fractions = [rows[:, column] if table is not None else None for column, table in enumerate(tables)]
    return CategoryShares([names[index] for index in order], fractions, other)
