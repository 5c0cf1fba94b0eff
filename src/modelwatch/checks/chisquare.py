"""Deequ's categorical chi-square goodness-of-fit test, and the chi-square survival function.

The survival function uses closed forms for integer degrees of freedom so that scipy stays a
development dependency: with s = k/2 and y = x/2, Q(s, y) = Γ(s, y)/Γ(s) obeys
Q(s+1, y) = Q(s, y) + y^s·e^(−y)/Γ(s+1), starting from Q(1/2, y) = erfc(√y) or Q(0, y) = 0. Every
term is positive (no cancellation) and is summed in log space, so large statistics underflow
gracefully instead of overflowing.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

YATES_MIN_EXPECTED = 5.0
YATES_MAX_SMALL_FRACTION = 0.2
COCHRAN_MIN_EXPECTED = 10.0


def chi2_sf(statistic: float, degrees_of_freedom: int) -> float:
    """P(X ≥ statistic) for X ~ χ²(degrees_of_freedom), degrees_of_freedom ≥ 1."""
    if degrees_of_freedom < 1:
        raise ValueError("the chi-square distribution needs at least one degree of freedom")
    if statistic <= 0:
        return 1.0
    if math.isinf(statistic):
        return 0.0
    y = statistic / 2
    odd = degrees_of_freedom % 2 == 1
    start = 0.5 if odd else 0.0
    base = math.erfc(math.sqrt(y)) if odd else 0.0
    shapes = start + np.arange(degrees_of_freedom // 2)
    if len(shapes) == 0:
        return base
    # log(y^s·e^(−y)/Γ(s+1)), built up term by term: each step adds log(y) − log(s).
    first = start * math.log(y) - y - math.lgamma(start + 1)
    logs = first + np.concatenate(([0.0], np.cumsum(math.log(y) - np.log(shapes[1:]))))
    return min(1.0, base + float(np.exp(logs).sum()))


@dataclass
class ChiSquareTest:
    """The regrouped table the test ran on, its statistic and p-value (NaN below two categories)."""

    observed: dict[str, float]
    expected: dict[str, float]
    statistic: float
    p_value: float


def chi_square_test(observed: Mapping[str, float], baseline: Mapping[str, float]) -> ChiSquareTest:
    """Deequ's `categoricalChiSquareTest`: does the current table fit the baseline's frequencies?

    The baseline counts are scaled to the current total over the baseline's categories (current
    values the baseline never saw do not enter the test), small categories are regrouped, then
    Pearson's statistic is taken over the baseline's categories with k − 1 degrees of freedom.
    Deequ also runs the test when only current-only categories keep the table at two entries,
    which Spark then rejects; here fewer than two baseline categories always give NaN.
    """
    shared_total = float(sum(count for key, count in observed.items() if key in baseline))
    baseline_total = float(sum(baseline.values()))
    expected = {key: count / baseline_total * shared_total for key, count in baseline.items()}
    sample = {key: float(observed.get(key, 0)) for key in baseline}
    _regroup(sample, expected)
    if len(expected) < 2:
        return ChiSquareTest(sample, expected, math.nan, math.nan)
    keys = list(expected)
    seen = np.array([sample[key] for key in keys])
    wanted = np.array([expected[key] for key in keys])
    # An empty baseline category seen now is infinitely unlikely; one still empty adds nothing (Spark).
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(wanted > 0, np.square(seen - wanted) / wanted, np.where(seen > 0, math.inf, 0.0))
    statistic = float(np.sum(terms))
    return ChiSquareTest(sample, expected, statistic, chi2_sf(statistic, len(keys) - 1))


def _regroup(sample: dict[str, float], expected: dict[str, float]) -> None:
    """Merge the smallest expected category into the second smallest until the table is valid.

    Valid: with two categories, every expected count is at least 10 (Cochran); with more, at most
    20% of them (rounded down) are below 5 (Yates). Ties between equal counts go to the smaller
    key, so the result does not depend on the order of the tables.
    """
    heap = [(count, key) for key, count in expected.items()]
    heapq.heapify(heap)
    while len(heap) >= 2:
        if len(heap) == 2:
            minimum, allowed = COCHRAN_MIN_EXPECTED, 0
        else:
            minimum, allowed = YATES_MIN_EXPECTED, int(YATES_MAX_SMALL_FRACTION * len(heap))
        if sum(1 for count, _ in heap if count < minimum) <= allowed:
            return
        _, smallest = heapq.heappop(heap)
        _, second = heapq.heappop(heap)
        expected[second] += expected.pop(smallest)
        sample[second] += sample.pop(smallest)
        heapq.heappush(heap, (expected[second], second))
