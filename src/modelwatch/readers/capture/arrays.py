"""Arrow → numpy for masks and times, straight from the buffers.

Not `to_numpy(zero_copy_only=False)`: for booleans that goes through pyarrow's pandas shim and
imports pandas (a third of a second) on first use. Not `pc.fill_null(mask, False)` either: on a
boolean array that is mostly null (`truncated`, absent in almost every record) it takes ~2 µs a
value, longer than decoding the record.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa


def whole(column: pa.ChunkedArray) -> pa.Array:
    """A column as one array: its only chunk as it is, for `combine_chunks` copies even that one."""
    return column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()


def bools(array: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A boolean array as numpy; null is False."""
    if isinstance(array, pa.ChunkedArray):
        array = whole(array)
    if not len(array) or array.null_count == len(array):
        return np.zeros(len(array), dtype=bool)
    validity, values = array.buffers()
    mask = _bits(values, array.offset, len(array))
    return mask & _bits(validity, array.offset, len(array)) if array.null_count else mask


def _bits(buffer: pa.Buffer, offset: int, count: int) -> np.ndarray:
    packed = np.frombuffer(buffer, dtype=np.uint8)
    return np.unpackbits(packed, count=offset + count, bitorder="little")[offset:].astype(bool)


def int64s(array: pa.Array) -> np.ndarray:
    """The values buffer of a 64-bit array (timestamps), nulls included as whatever they hold."""
    return np.frombuffer(array.buffers()[1], dtype=np.int64)[array.offset : array.offset + len(array)]
