from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from modelwatch.readers.capture import ReadOptions, read_capture_rows

from .captures import END, FEATURES, START, T0, capture_file, json_text, read, record


def rows_of(tmp_path: Path, request: Any, response: Any = None, **options: Any) -> list[dict[str, Any]]:
    out = None if response is None else json_text(response)
    file = capture_file(
        tmp_path, T0, [record(json_text(request), out, encoding_in="JSON", encoding_out="JSON")]
    )
    rows, result = read([file], **options)
    assert result.problems.total == 0, result.problems.summary_lines()
    return rows


def test_flat_object_with_a_named_prediction(tmp_path: Path) -> None:
    rows = rows_of(tmp_path, {"a": 1, "b": 2.5, "c": "x", "d": True}, {"label": 0.9}, feature_names=FEATURES)
    assert rows == [{"label": 0.9, "a": 1, "b": 2.5, "c": "x", "d": True}]


def test_nested_objects_are_flattened_with_dotted_names(tmp_path: Path) -> None:
    rows = rows_of(tmp_path, {"user": {"age": 30, "geo": {"country": "FR"}}, "tags": [1, 2]})
    assert rows == [{"user.age": 30, "user.geo.country": "FR", "tags": "[1,2]"}]


def test_a_list_of_objects_is_a_batch_paired_with_predictions_by_index(tmp_path: Path) -> None:
    request = [{"a": 1}, {"a": 2}]
    rows = rows_of(tmp_path, request, {"predictions": [0.1, 0.2]}, feature_names=FEATURES)
    assert rows == [{"label": 0.1, "a": 1}, {"label": 0.2, "a": 2}]


def test_unnamed_outputs_take_the_last_feature_when_outputs_come_last(tmp_path: Path) -> None:
    rows = rows_of(
        tmp_path, {"a": 1}, 0.5, feature_names=["a", "b", "c", "label"], output_columns_position="end"
    )
    assert rows == [{"a": 1, "label": 0.5}]


@pytest.mark.parametrize(
    "request_body",
    [
        {"instances": [{"a": 1, "b": 2, "c": 3}, {"a": 4, "b": 5, "c": 6}]},
        {"instances": [[1, 2, 3], [4, 5, 6]]},
        {"instances": [{"features": [1, 2, 3]}, {"features": [4, 5, 6]}]},
        {"inputs": [{"name": "input-0", "shape": [2, 3], "datatype": "FP32", "data": [1, 2, 3, 4, 5, 6]}]},
        {
            "inputs": [
                {"name": "input-0", "shape": [2, 3], "datatype": "FP32", "data": [[1, 2, 3], [4, 5, 6]]}
            ]
        },
        {
            "inputs": [
                {"name": "a", "shape": [2], "datatype": "INT64", "data": [1, 4]},
                {"name": "b", "shape": [2, 1], "datatype": "INT64", "data": [2, 5]},
                {"name": "c", "shape": [2], "datatype": "INT64", "data": [3, 6]},
            ]
        },
        {"inputs": {"a": [1, 4], "b": [2, 5], "c": [3, 6]}},
        {"dataframe_split": {"columns": ["a", "b", "c"], "data": [[1, 2, 3], [4, 5, 6]]}},
        {"dataframe_records": [{"a": 1, "b": 2, "c": 3}, {"a": 4, "b": 5, "c": 6}]},
        [[1, 2, 3], [4, 5, 6]],
    ],
)
def test_serving_protocol_requests(tmp_path: Path, request_body: Any) -> None:
    rows = rows_of(tmp_path, request_body, {"predictions": [0, 1]}, feature_names=FEATURES)
    assert rows == [{"label": 0, "a": 1, "b": 2, "c": 3}, {"label": 1, "a": 4, "b": 5, "c": 6}]


@pytest.mark.parametrize(
    "response",
    [
        {"predictions": [0.1, 0.2]},
        {"predictions": [{"label": 0.1}, {"label": 0.2}]},
        {"outputs": [{"name": "label", "shape": [2], "datatype": "FP64", "data": [0.1, 0.2]}]},
        {"outputs": [{"name": "output-0", "shape": [2, 1], "datatype": "FP64", "data": [[0.1], [0.2]]}]},
        [0.1, 0.2],
    ],
)
def test_serving_protocol_responses(tmp_path: Path, response: Any) -> None:
    rows = rows_of(tmp_path, [{"a": 1}, {"a": 2}], response, feature_names=FEATURES)
    values = [{key: value for key, value in row.items() if key != "output-0"} for row in rows]
    assert [row.get("label", row.get("output-0")) for row in rows] == [0.1, 0.2]
    assert [row["a"] for row in values] == [1, 2]


def test_v2_tensors_of_several_columns_are_named_by_index(tmp_path: Path) -> None:
    request = {
        "inputs": [
            {"name": "x", "shape": [1, 2], "datatype": "FP32", "data": [1.5, 2.5]},
            {"name": "flag", "shape": [1], "datatype": "BOOL", "data": [True]},
        ]
    }
    assert rows_of(tmp_path, request) == [{"x.0": 1.5, "x.1": 2.5, "flag": True}]


def test_json_columns_are_typed(tmp_path: Path) -> None:
    file = capture_file(
        tmp_path,
        T0,
        [
            record(json_text({"i": 1, "f": 1, "s": "a", "b": True}), encoding_in="JSON"),
            record(json_text({"i": 2, "f": 2.5, "s": "b", "b": False}), encoding_in="JSON"),
        ],
    )
    batch = next(read_capture_rows([file], START, END, ReadOptions()).batches)
    assert batch.schema == pa.schema(
        [("i", pa.int64()), ("f", pa.float64()), ("s", pa.string()), ("b", pa.bool_())]
    )


def test_csv_input_with_json_output(tmp_path: Path) -> None:
    file = capture_file(
        tmp_path, T0, [record("1,2,3", json_text({"predictions": [0.7]}), encoding_out="JSON")]
    )
    rows, result = read([file], feature_names=FEATURES)
    assert rows == [{"label": 0.7, "a": "1", "b": "2", "c": "3"}]
    assert result.matched_by_position


def test_json_input_with_csv_output(tmp_path: Path) -> None:
    file = capture_file(
        tmp_path, T0, [record(json_text({"a": 1, "b": 2, "c": 3}), "0.25", encoding_in="JSON")]
    )
    rows, _ = read([file], feature_names=FEATURES)
    assert rows == [{"label": "0.25", "a": 1, "b": 2, "c": 3}]


def test_base64_payloads_are_read_by_their_content_type(tmp_path: Path) -> None:
    file = capture_file(
        tmp_path,
        T0,
        [
            record(
                "1,2,3",
                "0.5",
                encoding_in="BASE64",
                type_in="text/csv",
                encoding_out="BASE64",
                type_out="text/csv",
            ),
            record(
                json_text({"a": 4}), "0.6", encoding_in="BASE64", type_in="application/json; charset=utf-8"
            ),
            record('{"a": 5}\n{"a": 6}\n', "0.7\n0.8", encoding_in="BASE64", type_in="application/jsonlines"),
        ],
    )
    rows, result = read([file], feature_names=FEATURES)
    assert result.problems.total == 0
    assert sorted(rows, key=lambda row: str(row["a"])) == [
        {"label": "0.5", "a": "1", "b": "2", "c": "3"},
        {"label": "0.6", "a": "4", "b": None, "c": None},
        {"label": "0.7", "a": "5", "b": None, "c": None},
        {"label": "0.8", "a": "6", "b": None, "c": None},
    ]  # one batch for the per-record path: JSON 4 beside CSV "1" is text, absent columns missing
