"""Drift distances between a baseline and a current distribution (Deequ's `Distance`).

Numeric features compare CDFs read off two weighted samples (KLL sketch items, each with the weight
2^level); String features compare category frequencies. Both give the L∞ distance, optionally with
the Robust correction that discounts the sampling noise of small samples.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

ROBUST_C_ALPHA = 1.8
"""Two-sample Kolmogorov-Smirnov critical value for α ≈ 0.003 (Knuth), Deequ's default."""


def robust(distance: float, n: float, m: float) -> float:
    """`max(0, d − 1.8·sqrt((n+m)/(n·m)))`: the part of `d` that sampling noise does not explain."""
    return max(0.0, distance - ROBUST_C_ALPHA * math.sqrt((n + m) / (n * m)))


def numerical_linf(
    items1: np.ndarray, weights1: np.ndarray, items2: np.ndarray, weights2: np.ndarray
) -> tuple[float, float, float]:
    """L∞ distance between the CDFs of two weighted samples, and their total weights (n, m).

    At every key of either sample, the CDF is the inclusive rank (the total weight of items ≤ the
    key) divided by the total weight: for unweighted samples this is exactly the two-sample
    Kolmogorov-Smirnov statistic.
    """
    keys = np.union1d(items1, items2)
    cdf1, n = _cdf(items1, weights1, keys)
    cdf2, m = _cdf(items2, weights2, keys)
    return float(np.max(np.abs(cdf1 - cdf2))), n, m


def _cdf(items: np.ndarray, weights: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, float]:
    order = np.argsort(items, kind="stable")
    ranks = np.concatenate(([0.0], np.cumsum(weights[order])))
    total = float(ranks[-1])
    return ranks[np.searchsorted(items[order], keys, side="right")] / total, total


def categorical_linf(
    counts1: Mapping[str, float], counts2: Mapping[str, float]
) -> tuple[float, float, float]:
    """L∞ distance between two categories' frequency tables (not CDFs), and their totals (n, m)."""
    keys = list(counts1.keys() | counts2.keys())
    first = np.array([counts1.get(key, 0) for key in keys], dtype=np.float64)
    second = np.array([counts2.get(key, 0) for key in keys], dtype=np.float64)
    n, m = float(first.sum()), float(second.sum())
    return float(np.max(np.abs(first / n - second / m))), n, m
