"""Deequ's chi-square test: regrouping rules, p-values against scipy, the survival function."""

from __future__ import annotations

import math

import numpy as np
import pytest
from checks_builders import baseline, check, feature, profile, with_setting
from scipy import stats

from modelwatch.checks.chisquare import chi2_sf, chi_square_test


@pytest.mark.parametrize("degrees_of_freedom", [1, 2, 3, 4, 5, 10, 11, 99, 100, 999])
@pytest.mark.parametrize("statistic", [1e-6, 0.1, 1.0, 3.84, 10.0, 100.0, 1000.0, 5000.0])
def test_chi2_sf_matches_scipy(statistic: float, degrees_of_freedom: int) -> None:
    expected = stats.chi2.sf(statistic, degrees_of_freedom)
    assert chi2_sf(statistic, degrees_of_freedom) == pytest.approx(expected, rel=1e-9, abs=1e-300)


def test_chi2_sf_edges() -> None:
    assert chi2_sf(0.0, 3) == 1.0
    assert chi2_sf(math.inf, 3) == 0.0
    with pytest.raises(ValueError, match="degree of freedom"):
        chi2_sf(1.0, 0)


def test_p_value_matches_scipy_on_an_unregrouped_table() -> None:
    baseline_counts = {"a": 50, "b": 30, "c": 20}
    observed = {"a": 40, "b": 45, "c": 15, "new": 30}
    test = chi_square_test(observed, baseline_counts)
    # Expected counts are scaled to the 100 observed values in the baseline's categories.
    assert test.expected == pytest.approx({"a": 50.0, "b": 30.0, "c": 20.0})
    assert test.observed == {"a": 40.0, "b": 45.0, "c": 15.0}
    reference = stats.chisquare([40, 45, 15], [50, 30, 20])
    assert test.statistic == pytest.approx(reference.statistic)
    assert test.p_value == pytest.approx(reference.pvalue, rel=1e-9)


def test_yates_regroups_the_smallest_into_the_second_smallest() -> None:
    baseline_counts = {"a": 400, "b": 300, "c": 200, "d": 6, "e": 3, "f": 1}
    observed = {"a": 380, "b": 310, "c": 210, "d": 4, "e": 5, "f": 1}
    test = chi_square_test(observed, baseline_counts)
    # Six categories allow one (int(0.2·6)) below 5: f merges into e (4.0 < 5), leaving one small.
    assert set(test.expected) == {"a", "b", "c", "d", "e"}
    assert test.expected["e"] == pytest.approx(4.0)
    assert test.observed["e"] == 6.0
    keys = sorted(test.expected)
    reference = stats.chisquare([test.observed[k] for k in keys], [test.expected[k] for k in keys])
    assert test.p_value == pytest.approx(reference.pvalue, rel=1e-9)


def test_regrouping_repeats_until_valid() -> None:
    baseline_counts = {"a": 100, "b": 90, "c": 80, "d": 70, "e": 60, "f": 50, "g": 4, "h": 3, "i": 2, "j": 1}
    observed = {"a": 95, "b": 92, "c": 85, "d": 65, "e": 58, "f": 52, "g": 5, "h": 4, "i": 3, "j": 1}
    test = chi_square_test(observed, baseline_counts)
    # Ten categories allow two below 5: j→i (3). Nine allow one: h (3, the smaller key of a tie)→i (6).
    # Eight allow one: only g (4) is left below 5, so the table is valid.
    assert set(test.expected) == {"a", "b", "c", "d", "e", "f", "g", "i"}
    assert (test.expected["i"], test.observed["i"]) == (6.0, 8.0)
    keys = sorted(test.expected)
    reference = stats.chisquare([test.observed[k] for k in keys], [test.expected[k] for k in keys])
    assert test.p_value == pytest.approx(reference.pvalue, rel=1e-9)
    assert test.statistic == pytest.approx(reference.statistic)


def test_regrouping_can_leave_too_few_categories() -> None:
    # Scaled to 100 observed values: 90.9, 3.6, 2.7, 1.8, 0.9; every merge still leaves small ones,
    # down to two categories with 9.1 < 10 expected (Cochran), then one: no test.
    test = chi_square_test(
        {"a": 90, "b": 5, "c": 2, "d": 2, "e": 1}, {"a": 100, "b": 4, "c": 3, "d": 2, "e": 1}
    )
    assert list(test.expected) == ["a"]
    assert math.isnan(test.p_value)


def test_cochran_two_categories_need_ten_each() -> None:
    valid = chi_square_test({"yes": 30, "no": 70}, {"yes": 10, "no": 90})
    assert valid.p_value == pytest.approx(stats.chisquare([70, 30], [90, 10]).pvalue, rel=1e-9)
    merged = chi_square_test({"yes": 3, "no": 97}, {"yes": 5, "no": 95})
    assert merged.expected == pytest.approx({"no": 100.0})
    assert math.isnan(merged.p_value)


def test_no_shared_category_gives_nan() -> None:
    assert math.isnan(chi_square_test({"x": 10, "y": 10}, {"a": 10, "b": 10}).p_value)


def test_an_empty_baseline_category_seen_now_is_certain_drift() -> None:
    baseline_counts = {"a": 500, "b": 400, "c": 300, "d": 200, "e": 100, "z": 0}
    assert (
        chi_square_test({"a": 100, "b": 80, "c": 60, "d": 40, "e": 20, "z": 0}, baseline_counts).p_value
        == 1.0
    )
    assert (
        chi_square_test({"a": 100, "b": 80, "c": 60, "d": 40, "e": 20, "z": 5}, baseline_counts).p_value
        == 0.0
    )


def test_nan_in_run_checks_is_no_violation() -> None:
    statistics, document = baseline(profile(s=["yes"] * 95 + ["no"] * 5))
    constraints = with_setting(document, "s", "categorical_drift_method", "ChiSquared", "global")
    result = feature(check(statistics, constraints, profile(s=["no"] * 100)), "s")
    assert (result.method, result.distance, result.threshold) == ("ChiSquared", None, 0.1)
    assert not any(v.constraint_check_type == "baseline_drift_check" for v in result.violations)
    assert any("fewer than two categories" in note for note in result.notes)


def test_run_checks_reports_the_p_value() -> None:
    rng = np.random.default_rng(3)
    base = rng.choice(["a", "b", "c", "d"], 5000, p=[0.4, 0.3, 0.2, 0.1])
    current = rng.choice(["a", "b", "c", "d"], 800, p=[0.25, 0.25, 0.25, 0.25])
    statistics, document = baseline(profile(s=base))
    constraints = with_setting(document, "s", "categorical_drift_method", "ChiSquared", "global")
    result = feature(check(statistics, constraints, profile(s=current)), "s")
    keys = ["a", "b", "c", "d"]
    seen = np.array([np.sum(current == key) for key in keys], dtype=float)
    wanted = np.array([np.sum(base == key) for key in keys], dtype=float)
    reference = stats.chisquare(seen, wanted / wanted.sum() * seen.sum()).pvalue
    assert result.distance == pytest.approx(reference, rel=1e-9, abs=1e-300)
    assert [
        v.description for v in result.violations if v.constraint_check_type == "baseline_drift_check"
    ] == [f"Categorical ChiSquared p-value: {result.distance!r} is below categorical threshold: 0.1"]
