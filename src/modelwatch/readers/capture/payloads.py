"""JSON payloads of the common serving protocols → rows, each a dict (named values) or a list
(positional values, named later by the baseline's positions).

Shapes understood, for a request or a response:
- a flat or nested object: one row, nested objects flattened to dotted names (`a.b`);
- a list of objects (a batch), a list of lists (positional rows);
- SageMaker `{"instances": [...]}` of objects, lists, or `{"features": [...]}` items;
- KServe/MLServer V2 `{"inputs"|"outputs": [{"name", "shape", "datatype", "data"}]}`: a tensor of
  shape [n] or [n, 1] is a column named by the tensor, [n, k] is k positional values per row when
  it is the only tensor and `name.0` ... `name.{k-1}` otherwise (data flattened row-major);
  TensorFlow Serving's `{"inputs": {name: [...]}}` columns and `{"inputs": [[...]]}` rows;
- MLflow `{"dataframe_split": {"columns", "data"}}` and `{"dataframe_records": [...]}`;
- `{"predictions": [...]}`: scalars are one output value per row, objects and lists as above.
A list of scalars is one positional row on the input side (`[1, 2, 3]` is one request of three
features) and one row per value on the output side (`[0.1, 0.7]` is two predictions); a bare
scalar is one positional row.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any

from modelwatch.readers.capture.layout import Side

Row = dict[str, Any] | list[Any]
PROTOCOL_KEYS = ("instances", "inputs", "outputs", "dataframe_split", "dataframe_records", "predictions")


class PayloadError(ValueError):
    """A JSON payload that is valid JSON but not a shape we can turn into rows."""


def json_rows(value: Any, side: Side) -> list[Row]:
    if isinstance(value, dict):
        for key in PROTOCOL_KEYS:
            if key in value:
                return _protocol_rows(key, value[key], side)
        return [dict(flatten(value))]
    if isinstance(value, list):
        return _list_rows(value, side)
    return [[value]]


def _protocol_rows(key: str, body: Any, side: Side) -> list[Row]:
    if key == "dataframe_split":
        if not isinstance(body, dict) or not isinstance(body.get("data"), list):
            raise PayloadError("dataframe_split needs a data list")
        columns = body.get("columns")
        if columns is None:
            return [_positional(row) for row in body["data"]]
        return [dict(flatten(dict(zip(columns, _positional(row), strict=True)))) for row in body["data"]]
    if key in ("inputs", "outputs") and isinstance(body, list) and body and _is_tensor(body[0]):
        return _tensor_rows(body)
    if key in ("inputs", "outputs") and isinstance(body, dict):
        return _columnar_rows(body)
    if key == "predictions" and isinstance(body, list):
        return [[item] if not isinstance(item, (dict, list)) else _item_row(item) for item in body]
    if not isinstance(body, list):
        raise PayloadError(f"{key} should be a list")
    return [_item_row(item) for item in body]


def _list_rows(items: list[Any], side: Side) -> list[Row]:
    if items and all(not isinstance(item, (dict, list)) for item in items):
        return [list(items)] if side == "input" else [[item] for item in items]
    return [_item_row(item) for item in items]


def _item_row(item: Any) -> Row:
    if isinstance(item, dict):
        features = item.get("features")
        if len(item) == 1 and isinstance(features, list):
            return _positional(features)
        return dict(flatten(item))
    return _positional(item)


def _positional(item: Any) -> list[Any]:
    if isinstance(item, list):
        return [_text_if_nested(value) for value in item]
    return [_text_if_nested(item)]


def _is_tensor(item: Any) -> bool:
    return isinstance(item, dict) and "name" in item and "data" in item


def _tensor_rows(tensors: list[Any]) -> list[Row]:
    columns: dict[str, list[Any]] = {}
    positional: list[list[Any]] | None = None
    for tensor in tensors:
        if not _is_tensor(tensor):
            raise PayloadError("every V2 tensor needs a name and data")
        data = list(_flat(tensor["data"]))
        shape = tensor.get("shape") or [len(data)]
        rows = int(shape[0]) if shape else len(data)
        width = math.prod(int(size) for size in shape[1:]) if len(shape) > 1 else 1
        if rows * width != len(data):
            raise PayloadError(f"tensor {tensor['name']!r}: shape {shape} does not match {len(data)} values")
        if width == 1:
            columns[str(tensor["name"])] = data
        elif len(tensors) == 1:
            positional = [data[row * width : (row + 1) * width] for row in range(rows)]
        else:
            for index in range(width):
                columns[f"{tensor['name']}.{index}"] = data[index::width]
    if positional is not None:
        return list(positional)
    return _zip_columns(columns)


def _columnar_rows(columns: dict[str, Any]) -> list[Row]:
    lists = {name: value if isinstance(value, list) else [value] for name, value in columns.items()}
    return _zip_columns(lists)


def _zip_columns(columns: dict[str, list[Any]]) -> list[Row]:
    lengths = {len(values) for values in columns.values()}
    if len(lengths) > 1:
        raise PayloadError(f"columns of different lengths: {sorted(lengths)}")
    count = lengths.pop() if lengths else 0
    return [
        dict(flatten({name: values[index] for name, values in columns.items()})) for index in range(count)
    ]


def _flat(value: Any) -> Iterator[Any]:
    if isinstance(value, list):
        for item in value:
            yield from _flat(item)
    else:
        yield value


def flatten(value: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Nested objects as dotted names; a list value stays one value, as its JSON text."""
    for key, item in value.items():
        if isinstance(item, dict) and item:
            yield from flatten(item, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", _text_if_nested(item)


def _text_if_nested(value: Any) -> Any:
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return value
