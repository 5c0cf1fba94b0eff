"""The C value counter against its oracle, Arrow's value_counts: the same distinct values in the same
(first-seen) order with the same counts, or None exactly when there are more than the limit."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import given
from hypothesis import strategies as st

from modelwatch import _textkernels
from modelwatch.profiling.datatypes import text_buffers

VALUES = st.sampled_from(["", "a", "b", "ab", "1.5", "12345678", "123456789", "x" * 40, "x" * 41, "é", None])


@given(
    st.lists(VALUES | st.text(max_size=20), max_size=200),
    st.integers(0, 20),
    st.integers(0, 10),
    st.booleans(),
)
def test_counts_as_arrow_does(values: list[str | None], limit: int, cut: int, wide: bool) -> None:
    array = pa.array(values, pa.large_string() if wide else pa.string()).slice(min(cut, len(values)))
    counted = _textkernels.count_values(*text_buffers(array), limit)
    expected = pc.value_counts(array.drop_null())
    if len(expected) > limit:
        assert counted is None
        return
    assert counted is not None
    first, counts = (np.frombuffer(part, dtype=np.int64) for part in counted)
    assert array.take(first).to_pylist() == expected.field("values").to_pylist()
    assert counts.tolist() == expected.field("counts").to_pylist()


def test_values_that_share_a_hash_prefix_stay_apart() -> None:
    """Short values differing only in length or in trailing zero bytes are different values."""
    values = ["", "\0", "\0\0", "a", "a\0", "a\0\0\0\0\0\0\0", "a\0\0\0\0\0\0\0\0", "abcdefgh", "abcdefgh\0"]
    array = pa.array(values * 3)
    counted = _textkernels.count_values(*text_buffers(array), 100)
    assert counted is not None
    assert np.frombuffer(counted[1], dtype=np.int64).tolist() == [3] * len(values)
