"""Typed Arrow data (JSON, Parquet) reshaped into the flat columns the profiler reads.

Nested structs become dotted columns (`a.b.c`); lists and maps become their JSON text; dates and
times become ISO text; dictionaries are decoded; decimals become float64.
"""

from __future__ import annotations

import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

_ENCODED = "v"


def flat_table(table: pa.Table) -> pa.Table:
    while any(pa.types.is_struct(field.type) for field in table.schema):
        table = table.flatten()
    return pa.table([_plain(column) for column in table.columns], names=table.column_names)


def flat_batches(batch: pa.RecordBatch) -> list[pa.RecordBatch]:
    return flat_table(pa.Table.from_batches([batch])).combine_chunks().to_batches()


def _plain(column: pa.ChunkedArray) -> pa.ChunkedArray:
    kind = column.type
    if pa.types.is_dictionary(kind):
        return _plain(column.cast(kind.value_type))
    if pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_fixed_size_list(kind):
        return json_text(column)
    if pa.types.is_map(kind):
        return json_text(column)
    if pa.types.is_timestamp(kind) or pa.types.is_date(kind) or pa.types.is_time(kind):
        return column.cast(pa.string())
    if pa.types.is_duration(kind):
        return column.cast(pa.int64())
    if pa.types.is_decimal(kind):
        return column.cast(pa.float64())
    if pa.types.is_float16(kind):
        return column.cast(pa.float32())
    return column


def json_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Each value as JSON text (vectorized by polars: a one-field struct encoded, then unwrapped)."""
    prefix = len(f'{{"{_ENCODED}":')
    encoded = (
        pl.from_arrow(pa.table({_ENCODED: column}))
        .select(pl.struct(_ENCODED).struct.json_encode().str.slice(prefix).str.head(-1))
        .to_series()
        .to_arrow()
    )
    return pa.chunked_array(
        [pc.if_else(pc.is_null(column.combine_chunks()), None, encoded).cast(pa.string())]
    )
