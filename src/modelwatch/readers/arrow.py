"""Typed Arrow data (JSON, Parquet) reshaped into the flat columns the profiler reads.

Nested structs become dotted columns (`a.b.c`); lists and maps become their JSON text; dates and
times become ISO text; bytes become text (base64 unless UTF-8); dictionaries are decoded; decimals
become float64.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

_ENCODED = "v"


def string_array(
    rows: int, validity: bytearray | None, offsets: bytearray, data: bytearray, nulls: int
) -> pa.Array:
    """A string array of the buffers a C kernel built (`column_list` in `_kernels.h`), not copied."""
    bitmap = pa.py_buffer(validity) if validity is not None else None
    return pa.StringArray.from_buffers(rows, pa.py_buffer(offsets), pa.py_buffer(data), bitmap, nulls)


def flat_table(table: pa.Table) -> pa.Table:
    table = _without_structs(table)
    for index, name in enumerate(table.column_names):
        table = table.set_column(index, name, _plain(table.column(index)))
    return table


def flat_batches(batch: pa.RecordBatch) -> list[pa.RecordBatch]:
    return flat_table(pa.Table.from_batches([batch])).combine_chunks().to_batches()


def _without_structs(table: pa.Table) -> pa.Table:
    """Each struct column replaced by its fields, named `struct.field`, recursively.

    Unlike `Table.flatten`, this keeps the row count when no column is left (`{"a": {}}` rows).
    """
    index = 0
    while index < table.num_columns:
        field = table.schema.field(index)
        if not pa.types.is_struct(field.type):
            index += 1
            continue
        children = table.column(index).flatten()
        table = table.remove_column(index)
        for offset, child in enumerate(children):
            table = table.add_column(index + offset, f"{field.name}.{field.type.field(offset).name}", child)
    return table


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
    if pa.types.is_binary(kind) or pa.types.is_large_binary(kind) or pa.types.is_fixed_size_binary(kind):
        return _binary_text(column)
    return column


def _binary_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Bytes as text when they are UTF-8 (strings some writers store unannotated), else base64."""
    try:
        return column.cast(pa.string())
    except pa.ArrowInvalid:
        import polars as pl  # imported on first use: it costs half a second to load in every worker

        return pa.chunked_array([pl.from_arrow(column.combine_chunks()).bin.encode("base64").to_arrow()])


def json_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Each value as JSON text (vectorized by polars: a one-field struct encoded, then unwrapped)."""
    import polars as pl  # imported on first use: it costs half a second to load in every worker

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
