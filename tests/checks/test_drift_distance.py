"""Drift distances against exact computations on the raw data.

The numeric distance of two sketches is the two-sample Kolmogorov-Smirnov statistic: exactly while
both sketches still hold every value (≤ 2048 values), within the sketches' rank error beyond.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from checks_builders import PLACES, baseline, check, feature, profile, with_setting
from scipy import stats

from modelwatch.checks.distance import categorical_linf, numerical_linf, robust
from modelwatch.profiling import kll

RNG = np.random.default_rng(20261129)


def _simple(base: np.ndarray, current: np.ndarray) -> float | None:
    """The Simple distance `run_checks` reports for column `v` of two real profiles."""
    statistics, document = baseline(profile(v=base))
    constraints = with_setting(document, "v", "comparison_method", "Simple", "global")
    return feature(check(statistics, constraints, profile(v=current)), "v").distance


@pytest.mark.parametrize(
    ("base", "current"),
    [
        (RNG.normal(0, 1, 2048), RNG.normal(0.1, 1, 2048)),
        (RNG.normal(0, 1, 300), RNG.normal(0, 2, 1700)),
        (RNG.integers(0, 20, 2000).astype(float), RNG.integers(0, 25, 900).astype(float)),
        (np.array([5.0]), np.array([4.0, 5.0, 6.0])),
        (RNG.exponential(1.0, 50), RNG.exponential(1.0, 2048)),
    ],
)
def test_small_samples_give_the_exact_ks_statistic(base: np.ndarray, current: np.ndarray) -> None:
    assert _simple(base, current) == pytest.approx(stats.ks_2samp(base, current).statistic, abs=1e-12)


@pytest.mark.parametrize("shift", [0.0, 0.05, 0.3])
def test_large_samples_are_within_the_sketch_error(shift: float) -> None:
    base, current = RNG.normal(0, 1, 100_000), RNG.normal(shift, 1, 100_000)
    distance = _simple(base, current)
    assert distance == pytest.approx(stats.ks_2samp(base, current).statistic, abs=0.01)


def test_baseline_levels_weigh_two_to_the_level() -> None:
    """A document's level h items count 2^h times: the same CDF as the values repeated."""
    levels = [np.array([3.0, 1.0]), np.array([2.0]), np.array([5.0])]
    items, weights = kll.weighted_items(levels)
    flat = np.array([3.0, 1.0, 2.0, 2.0, 5.0, 5.0, 5.0, 5.0])
    other = np.array([1.0, 2.5, 4.0, 6.0])
    distance, n, m = numerical_linf(items, weights, other, np.ones(4))
    assert (n, m) == (8.0, 4.0)
    assert distance == pytest.approx(stats.ks_2samp(flat, other).statistic, abs=1e-12)


@pytest.mark.parametrize("place", PLACES)
def test_robust_suppresses_noise_between_small_samples_of_one_distribution(place: str) -> None:
    base, current = RNG.normal(0, 1, 60), RNG.normal(0, 1, 60)
    statistics, document = baseline(profile(v=base))
    for method, other in (("Simple", "Robust"), ("Robust", "Simple")):
        if place != "global":
            document = with_setting(document, "v", "comparison_method", other, "global").to_dict()
        constraints = with_setting(document, "v", "comparison_method", method, place)
        constraints.monitoring_config.distribution_constraints.comparison_threshold = 0.05
        result = feature(check(statistics, constraints, profile(v=current)), "v")
        ks = stats.ks_2samp(base, current).statistic
        assert ks > 0.05
        if method == "Simple":
            assert result.distance == pytest.approx(ks)
            assert [v.constraint_check_type for v in result.violations] == ["baseline_drift_check"]
        else:
            assert result.distance == 0.0
            assert result.violations == []


@pytest.mark.parametrize("method", ["Simple", "Robust"])
def test_both_methods_catch_a_real_shift_in_small_samples(method: str) -> None:
    base, current = RNG.normal(0, 1, 60), RNG.normal(2, 1, 60)
    statistics, document = baseline(profile(v=base))
    constraints = with_setting(document, "v", "comparison_method", method, "global")
    result = feature(check(statistics, constraints, profile(v=current)), "v")
    ks = stats.ks_2samp(base, current).statistic
    expected = ks if method == "Simple" else ks - 1.8 * math.sqrt(2 / 60)
    assert result.distance == pytest.approx(expected)
    assert result.distance > 0.1
    assert [v.constraint_check_type for v in result.violations] == ["baseline_drift_check"]


def test_robust_correction() -> None:
    assert robust(0.5, 100, 400) == pytest.approx(0.5 - 1.8 * math.sqrt(500 / 40_000))
    assert robust(0.1, 10, 10) == 0.0


def test_categorical_linf_by_hand() -> None:
    distance, n, m = categorical_linf({"a": 6, "b": 3, "c": 1}, {"a": 2, "b": 1, "d": 1})
    # frequencies: a .6/.5, b .3/.25, c .1/0, d 0/.25 → the largest gap is d's .25
    assert (n, m) == (10.0, 4.0)
    assert distance == pytest.approx(0.25)
    assert categorical_linf({"a": 1}, {"a": 5})[0] == 0.0


@pytest.mark.parametrize("method", ["Simple", "Robust"])
def test_categorical_linf_in_run_checks(method: str) -> None:
    statistics, document = baseline(profile(s=["a"] * 600 + ["b"] * 300 + ["c"] * 100))
    constraints = with_setting(document, "s", "comparison_method", method, "global")
    current = profile(s=["a"] * 200 + ["b"] * 200 + ["d"] * 100)
    result = feature(check(statistics, constraints, current), "s")
    simple = max(abs(0.6 - 0.4), abs(0.3 - 0.4), 0.1, 0.2)
    assert result.method == "LInfinity"
    expected = simple if method == "Simple" else simple - 1.8 * math.sqrt(1500 / 500_000)
    assert result.distance == pytest.approx(expected)
