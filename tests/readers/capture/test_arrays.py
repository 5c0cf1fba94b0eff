import numpy as np
import pyarrow as pa
import pytest

from modelwatch.readers.capture.arrays import bools


@pytest.mark.parametrize("offset", [0, 1, 3, 8, 11])
@pytest.mark.parametrize("count", [0, 1, 7, 8, 9, 100])
def test_bools_reads_values_and_nulls_at_any_offset(offset: int, count: int) -> None:
    pattern = [True, None, False, True, True, None, False, False, True]
    values = (pattern * 20)[: offset + count + 3]
    array = pa.array(values, pa.bool_()).slice(offset, count)
    expected = np.array([bool(value) for value in values[offset : offset + count]], dtype=bool)
    assert bools(array).tolist() == expected.tolist()
    assert bools(pa.chunked_array([array, array])).tolist() == [*expected.tolist(), *expected.tolist()]


def test_bools_of_an_all_null_array_is_all_false() -> None:
    assert bools(pa.nulls(5, pa.bool_())).tolist() == [False] * 5
    assert bools(pa.array([], pa.bool_())).tolist() == []
