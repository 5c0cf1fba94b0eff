"""Flat or nested JSON objects in bulk: a block's request payloads joined into JSON Lines and decoded
by pyarrow.json in one call, typed, nested objects flattened to dotted names, lists as JSON text.

Only requests that are one object each and use no serving protocol's key go this way; the outputs
beside them are single CSV values in bulk, or anything else record by record. A block whose
payloads pyarrow cannot take as one table (a type that changes between records, a payload that is
not an object) goes record by record as a whole.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from modelwatch.readers.arrow import flat_table
from modelwatch.readers.capture import problems as kinds
from modelwatch.readers.capture.arrays import bools, whole
from modelwatch.readers.capture.csvbulk import field_count, join_payloads, parse, payload_offsets, split_lines
from modelwatch.readers.capture.layout import Layout
from modelwatch.readers.capture.payloads import PROTOCOL_KEYS
from modelwatch.readers.capture.problems import Problems
from modelwatch.readers.capture.rows import OUTPUT_PREFIX, paired_rows, typed_column
from modelwatch.readers.capture.sides import PayloadProblemError, side_rows
from modelwatch.readers.jsonl import read_json_block

NEWLINE, CARRIAGE_RETURN, SPACE, BRACE = 10, 13, 32, ord("{")


def json_objects(payloads: pa.Array) -> pa.Table | None:
    """One flat row per payload, or None when the payloads are not all plain objects."""
    payloads = payloads.cast(pa.string())
    if not len(payloads) or payloads.null_count:
        return None
    offsets = payload_offsets(payloads)
    body = join_payloads(payloads).copy()
    starts = offsets[:-1] - offsets[0] + np.arange(len(payloads))
    if bool((np.diff(offsets) == 0).any()) or bool((body[starts] != BRACE).any()):
        return None
    separators = offsets[1:] - offsets[0] + np.arange(len(payloads))
    body[(body == NEWLINE) | (body == CARRIAGE_RETURN)] = SPACE  # JSON strings hold no raw line breaks
    body[separators] = NEWLINE
    try:
        table = read_json_block(pa.py_buffer(body))
    except pa.ArrowInvalid:
        return None
    if table.num_rows != len(payloads) or any(name in PROTOCOL_KEYS for name in table.column_names):
        return None
    table = flat_table(table)
    for index, field in enumerate(table.schema):
        if pa.types.is_null(field.type):
            table = table.set_column(index, field.name, table.column(index).cast(pa.string()))
    return table


def json_batch(
    table: pa.Table, where: Callable[[int], str], layout: Layout, problems: Problems
) -> tuple[pa.RecordBatch | None, np.ndarray, bool] | None:
    """(batch, rows per record, positional names used) for records with a JSON object request, or
    None to leave them all to the per-record path."""
    inputs = json_objects(whole(table.column("endpointInput.data")))
    if inputs is None:
        return None
    good = np.ones(table.num_rows, dtype=bool)
    outputs, positional = _outputs(table, good, where, layout, problems)
    columns: dict[str, pa.Array] = {}
    keep = None if good.all() else pa.array(good)
    for name, column in zip(inputs.column_names, inputs.columns, strict=True):
        columns[name] = whole(column if keep is None else column.filter(keep))
    for name, values in outputs.items():
        array = values if keep is None else values.filter(keep)
        columns[OUTPUT_PREFIX + name if name in columns else name] = array
    produced = good.astype(np.int64)
    if not good.any():
        return None, produced, positional
    order = layout.ordered(list(columns))
    return pa.RecordBatch.from_arrays([columns[name] for name in order], names=order), produced, positional


def _outputs(
    table: pa.Table, good: np.ndarray, where: Callable[[int], str], layout: Layout, problems: Problems
) -> tuple[dict[str, pa.Array], bool]:
    """Each record's one output row as columns (missing where a record has no output); a record
    whose output gives no single row is counted and marked bad in `good`."""
    data = whole(table.column("endpointOutput.data"))
    present = bools(data.is_valid())
    records = np.flatnonzero(present)
    if not len(records):
        return {}, False
    encodings = pc.utf8_upper(whole(table.column("endpointOutput.encoding")).take(records))
    if bool(pc.all(pc.equal(encodings, "CSV")).as_py()):
        bulk = _csv_values(data.take(records), layout)
        if bulk is not None:
            columns, parsed = bulk
            good[records[~parsed]] = False
            for record in records[~parsed]:
                problems.add(
                    kinds.WRONG_FIELD_COUNT, where(int(record)), "the output line has another field count"
                )
            full = np.full(table.num_rows, -1)
            full[records] = np.arange(len(records))
            indices = pa.array(full, mask=full < 0)
            return {
                name: column.take(indices) for name, column in columns.items()
            }, layout.feature_names is not None
    return _outputs_by_record(table, records, good, where, layout, problems)


def _csv_values(payloads: pa.Array, layout: Layout) -> tuple[dict[str, pa.Array], np.ndarray] | None:
    lines = split_lines(payloads)
    if bool(lines.quoted_lines.any()) or not bool((lines.rows == 1).all()):
        return None
    names = layout.side_names("output", field_count(lines))
    if names is None:
        return None
    parsed_table, parsed, _ = parse(lines, names)
    full = np.full(len(payloads), -1)
    full[parsed] = np.arange(int(parsed.sum()))
    indices = pa.array(full, mask=full < 0)
    return {name: whole(parsed_table.column(name)).take(indices) for name in names}, parsed


def _outputs_by_record(
    table: pa.Table,
    records: np.ndarray,
    good: np.ndarray,
    where: Callable[[int], str],
    layout: Layout,
    problems: Problems,
) -> tuple[dict[str, pa.Array], bool]:
    values = table.select(
        ["endpointOutput.data", "endpointOutput.encoding", "endpointOutput.observedContentType"]
    ).to_pydict()
    rows: list[dict[str, Any]] = [{} for _ in range(table.num_rows)]
    positional = False
    for record in records.tolist():
        try:
            found = side_rows(*(values[name][record] for name in values), "output")
            named, record_positional = paired_rows([{}], found, layout)
        except PayloadProblemError as problem:
            problems.add(problem.kind, where(record), problem.detail)
            good[record] = False
            continue
        rows[record] = named[0]
        positional |= record_positional
    names = list(dict.fromkeys(name for row in rows for name in row))
    return {name: typed_column([row.get(name) for row in rows]) for name in names}, positional
