"""Arrow → numpy for masks and times, without `to_numpy(zero_copy_only=False)`: for booleans that
goes through pyarrow's pandas shim and imports pandas (a third of a second) on first use."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def bools(array: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A boolean array as numpy; null is False."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if array.null_count:
        array = pc.fill_null(array, False)
    if not len(array):
        return np.zeros(0, dtype=bool)
    bits = np.frombuffer(array.buffers()[1], dtype=np.uint8)
    return np.unpackbits(bits, count=array.offset + len(array), bitorder="little")[array.offset :].astype(
        bool
    )


def int64s(array: pa.Array) -> np.ndarray:
    """The values buffer of a 64-bit array (timestamps), nulls included as whatever they hold."""
    return np.frombuffer(array.buffers()[1], dtype=np.int64)[array.offset : array.offset + len(array)]
