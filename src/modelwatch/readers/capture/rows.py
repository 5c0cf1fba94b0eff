"""Rows from Python values → one typed Arrow batch; pairing a record's input rows with its output rows."""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa

from modelwatch.readers.capture import problems as kinds
from modelwatch.readers.capture.layout import Layout
from modelwatch.readers.capture.payloads import Row
from modelwatch.readers.capture.sides import PayloadProblemError

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
OUTPUT_PREFIX = "output."


def paired_rows(
    inputs: list[Row] | None, outputs: list[Row] | None, layout: Layout
) -> tuple[list[dict[str, Any]], bool]:
    """A record's rows, output row i beside input row i; and whether positional values were named
    by baseline position. An output name that an input already has is kept as `output.<name>`."""
    if inputs is not None and outputs is not None and len(inputs) != len(outputs):
        raise PayloadProblemError(
            kinds.ROW_COUNT_MISMATCH, f"{len(inputs)} input rows, {len(outputs)} output rows"
        )
    count = len(inputs if inputs is not None else outputs or [])
    rows = []
    positional = False
    for index in range(count):
        source_in = inputs[index] if inputs is not None else {}
        source_out = outputs[index] if outputs is not None else {}
        width_in = len(source_in) if isinstance(source_in, list) else 0
        width_out = len(source_out) if isinstance(source_out, list) else 0
        named_in = _named(source_in, "input", width_out, layout)
        named_out = _named(source_out, "output", width_in, layout)
        positional |= bool(width_in or width_out)
        row = dict(named_in)
        for name, value in named_out.items():
            row[OUTPUT_PREFIX + name if name in row else name] = value
        rows.append(row)
    return rows, positional and layout.feature_names is not None


def _named(row: Row, side: str, other: int, layout: Layout) -> dict[str, Any]:
    if isinstance(row, dict):
        return row
    names = layout.side_names("input" if side == "input" else "output", len(row), other)
    if names is None:
        raise PayloadProblemError(
            kinds.WRONG_FIELD_COUNT,
            f"{side} has {len(row)} fields; the baseline has {len(layout.feature_names or ())} features",
        )
    return dict(zip(names, row, strict=True))


def rows_batch(rows: list[dict[str, Any]], layout: Layout) -> pa.RecordBatch:
    """Columns in baseline order, each typed from its values (int64, float64, bool, string)."""
    names = layout.ordered(list(dict.fromkeys(name for row in rows for name in row)))
    return pa.RecordBatch.from_arrays(
        [typed_column([row.get(name) for row in rows]) for name in names], names=names
    )


def typed_column(values: list[Any]) -> pa.Array:
    """Values of one type keep it (ints with floats become float64); a mix becomes text."""
    kinds_seen = {type(value) for value in values if value is not None}
    if not kinds_seen:
        return pa.nulls(len(values), pa.string())
    if kinds_seen == {bool}:
        return pa.array(values, pa.bool_())
    if kinds_seen == {int} and all(
        _INT64_MIN <= value <= _INT64_MAX for value in values if value is not None
    ):
        return pa.array(values, pa.int64())
    if kinds_seen <= {int, float}:
        return pa.array([value if value is None else float(value) for value in values], pa.float64())
    return pa.array(
        [value if value is None or isinstance(value, str) else _text(value) for value in values], pa.string()
    )


def _text(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
