"""Chart data: both sides on common bins from the sketch levels (or KLL buckets), top categories."""

from __future__ import annotations

import dataclasses

import numpy as np
import pyarrow as pa
import pytest
from report_inputs import profile

from modelwatch.formats.statistics import NumericalStatistics, StringStatistics
from modelwatch.ui.distributions import common_histogram, top_categories, weighted_items


def numerical(values: np.ndarray) -> NumericalStatistics:
    numbers = profile({"x": pa.array(values)}).features[0].numerical
    assert numbers is not None
    return numbers


def strings(values: list[str]) -> StringStatistics:
    text = profile({"x": pa.array(values)}).features[0].string
    assert text is not None
    return text


def exact_shares(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    return np.histogram(values, bins=edges)[0] / len(values)


@pytest.fixture(scope="module")
def samples() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    return rng.normal(0, 1, 20_000), rng.normal(3, 1.5, 9_000)


def test_sketch_items_weigh_two_to_their_level(samples: tuple[np.ndarray, np.ndarray]) -> None:
    numbers = numerical(samples[0])
    assert numbers.sketch is not None
    assert len(numbers.sketch.data) > 1, "the sample should compact"
    items = weighted_items(numbers)
    assert items is not None
    assert set(np.unique(items[1])) <= {2.0**h for h in range(len(numbers.sketch.data))}
    assert items[1].sum() == pytest.approx(len(samples[0]), rel=1e-9)


def test_both_sides_share_bins_spanning_both_ranges(samples: tuple[np.ndarray, np.ndarray]) -> None:
    baseline, current = samples
    histogram = common_histogram([numerical(baseline), numerical(current)])
    assert histogram is not None
    assert histogram.edges[0] == pytest.approx(min(baseline.min(), current.min()))
    assert histogram.edges[-1] == pytest.approx(max(baseline.max(), current.max()))
    assert np.allclose(np.diff(histogram.edges), histogram.width)
    for shares, values in zip(histogram.fractions, samples, strict=True):
        assert shares is not None
        assert shares.sum() == pytest.approx(1.0)
        assert np.abs(shares - exact_shares(values, histogram.edges)).max() < 0.01


def test_a_document_without_sketch_spreads_its_kll_buckets(samples: tuple[np.ndarray, np.ndarray]) -> None:
    baseline, current = samples
    old = dataclasses.replace(numerical(baseline), sketch=None)
    histogram = common_histogram([old, numerical(current)])
    assert histogram is not None
    assert histogram.fractions[0] is not None
    assert histogram.fractions[0].sum() == pytest.approx(1.0)
    # ten buckets spread evenly over 24 bins: coarse, but every bin within a few points of the truth
    assert np.abs(histogram.fractions[0] - exact_shares(baseline, histogram.edges)).max() < 0.03
    assert histogram.fractions[0][histogram.edges[:-1] > baseline.max()].sum() == 0.0


def test_a_constant_column_without_sketch_lands_in_one_bin() -> None:
    constant = dataclasses.replace(numerical(np.full(50, 4.25)), sketch=None)
    histogram = common_histogram([constant, None])
    assert histogram is not None
    assert histogram.fractions[0] is not None
    assert histogram.fractions[0].tolist() == [1.0]
    assert histogram.fractions[1] is None


def test_small_integer_ranges_get_one_bin_per_integer() -> None:
    rng = np.random.default_rng(3)
    baseline, current = rng.integers(0, 6, 1000), rng.integers(2, 9, 800)
    histogram = common_histogram([numerical(baseline), numerical(current)], integral=True)
    assert histogram is not None
    assert histogram.integral
    assert histogram.edges.tolist() == [x - 0.5 for x in range(10)]
    assert histogram.fractions[0] == pytest.approx(np.bincount(baseline, minlength=9) / 1000)
    assert histogram.fractions[1] == pytest.approx(np.bincount(current, minlength=9) / 800)


def test_wide_integer_ranges_put_whole_integers_in_each_bin() -> None:
    values = np.random.default_rng(4).integers(18, 90, 3000)
    histogram = common_histogram([numerical(values), None], integral=True)
    assert histogram is not None
    assert histogram.integral
    assert histogram.width == 3.0
    assert histogram.edges[0] == 17.5
    assert histogram.edges[-1] >= 89.5
    assert np.all(histogram.edges % 1 == 0.5)


def test_top_categories_show_a_category_new_in_the_window() -> None:
    baseline = strings(["a"] * 50 + ["b"] * 30 + ["c"] * 15 + ["d"] * 5)
    current = strings(["a"] * 40 + ["new"] * 40 + ["b"] * 20)
    shares = top_categories([baseline, current], top=3)
    assert shares is not None
    assert shares.labels == ["a", "new", "b"]
    assert shares.other
    baseline_shares, current_shares = shares.fractions
    assert baseline_shares is not None
    assert current_shares is not None
    assert baseline_shares.tolist() == pytest.approx([0.5, 0.0, 0.3, 0.2])
    assert current_shares.tolist() == pytest.approx([0.4, 0.4, 0.2, 0.0])


def test_categories_of_one_side_only() -> None:
    shares = top_categories([None, strings(["x", "y", "y"])])
    assert shares is not None
    assert shares.labels == ["y", "x"]
    assert not shares.other
    assert shares.fractions[0] is None
    assert shares.fractions[1] is not None
    assert shares.fractions[1].tolist() == pytest.approx([2 / 3, 1 / 3])


def test_no_category_counts_means_no_chart_data() -> None:
    without = StringStatistics(num_present=10, num_missing=0, distinct_count=10.0, buckets=None)
    assert top_categories([without, None]) is None
