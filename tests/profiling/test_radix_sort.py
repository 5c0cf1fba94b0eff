"""The C radix sort of float64 values against numpy's sort: the same order for any values."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from modelwatch import _textkernels
from modelwatch.profiling.kll import sorted_copy


@given(arrays(np.float64, st.integers(0, 3000), elements=st.floats(allow_nan=True, width=64)))
def test_sorts_as_numpy_does(values: np.ndarray) -> None:
    result = values.copy()
    _textkernels.sort_doubles(result)
    np.testing.assert_array_equal(result, np.sort(values))  # NaN in the same places; -0.0 == 0.0


def test_long_arrays_take_the_radix_sort_and_stay_the_callers() -> None:
    values = np.random.default_rng(3).lognormal(0.0, 4.0, 40_000) * np.where(np.arange(40_000) % 3, 1, -1)
    original = values.copy()
    np.testing.assert_array_equal(sorted_copy(values), np.sort(values))
    np.testing.assert_array_equal(values, original)
