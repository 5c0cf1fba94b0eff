"""Requests that are JSON objects go through pyarrow.json in bulk; these tests pin that the bulk
path gives what the per-record path gives, and falls back to it when it cannot."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa

from modelwatch.readers.capture import ReadOptions, read_capture_rows
from modelwatch.readers.capture.jsonbulk import json_objects

from .captures import END, FEATURES, START, T0, capture_file, json_text, read, record


def json_record(request: Any, response: str | None = None, encoding_out: str = "CSV", **kwargs: Any) -> str:
    return record(json_text(request), response, encoding_in="JSON", encoding_out=encoding_out, **kwargs)


def test_objects_are_typed_flattened_and_keep_their_text() -> None:
    payloads = pa.array(
        [
            json_text({"a": 1, "b": 1, "n": {"x": "2026-01-01T00:00:00Z"}, "l": [1, 2], "z": None}),
            '{"a": 2,\n "b": 2.5, "n": {"x": "line\\nbreak"}, "l": [], "z": null}',
        ]
    )
    table = json_objects(payloads)
    assert table is not None
    assert table.schema == pa.schema(
        [("a", pa.int64()), ("b", pa.float64()), ("n.x", pa.string()), ("l", pa.string()), ("z", pa.string())]
    )
    assert table.to_pylist() == [
        {"a": 1, "b": 1.0, "n.x": "2026-01-01T00:00:00Z", "l": "[1,2]", "z": None},
        {"a": 2, "b": 2.5, "n.x": "line\nbreak", "l": "[]", "z": None},
    ]


def test_payloads_that_are_not_plain_objects_are_left_to_the_per_record_path() -> None:
    assert json_objects(pa.array([json_text({"a": 1}), json_text([1, 2])])) is None
    assert json_objects(pa.array([json_text({"a": 1}), json_text({"a": "text"})])) is None
    assert json_objects(pa.array([json_text({"instances": [{"a": 1}]})])) is None
    assert json_objects(pa.array([json_text({"a": 1}), ""])) is None


def test_bulk_and_per_record_paths_agree(tmp_path: Path) -> None:
    lines = [
        json_record({"a": index, "b": index / 2, "c": f"s{index}"}, f"0.{index}") for index in range(300)
    ]
    bulk_rows, bulk = read([capture_file(tmp_path / "bulk", T0, lines)], feature_names=FEATURES)
    mixed = [*lines, json_record([{"a": 300, "b": 150.0, "c": "s300"}], "0.300")]  # a list: per record
    slow_rows, slow = read([capture_file(tmp_path / "slow", T0, mixed)], feature_names=FEATURES)
    assert slow_rows[:300] == bulk_rows
    assert bulk_rows[7] == {"label": "0.7", "a": 7, "b": 3.5, "c": "s7"}
    assert bulk.problems.total == slow.problems.total == 0
    assert bulk.matched_by_position  # the CSV output took the first feature's name by position


def test_type_changes_between_records_fall_back_and_keep_values_as_text(tmp_path: Path) -> None:
    file = capture_file(tmp_path, T0, [json_record({"a": 1}), json_record({"a": "one"})])
    batch = next(read_capture_rows([file], START, END, ReadOptions()).batches)
    assert batch.column("a").to_pylist() == ["1", "one"]


def test_outputs_beside_bulk_requests(tmp_path: Path) -> None:
    broken = json.loads(json_record({"a": 6}, "0.6", encoding_out="BASE64", type_out="text/csv"))
    broken["captureData"]["endpointOutput"]["data"] = "%%%"
    lines = [
        json_record({"a": 1}, json_text({"predictions": [0.1]}), encoding_out="JSON"),
        json_record({"a": 2}, json_text({"label": 0.2}), encoding_out="JSON"),
        json_record({"a": 3}, json_text({"predictions": [0.3, 0.4]}), encoding_out="JSON"),
        json_record({"a": 4}),
        json_record({"a": 5}, "0.5", encoding_out="BASE64", type_out="text/csv"),
        json_text(broken) + "\n",
    ]
    rows, result = read([capture_file(tmp_path, T0, lines)], feature_names=FEATURES)
    assert rows == [
        {"label": 0.1, "a": 1},
        {"label": 0.2, "a": 2},
        {"label": None, "a": 4},
        {"label": "0.5", "a": 5},
    ]
    assert result.problems.counts == {"input/output row count mismatch": 1, "bad base64": 1}


def test_csv_outputs_beside_bulk_requests_with_a_wrong_field_count(tmp_path: Path) -> None:
    lines = [json_record({"a": 1}, "0.1"), json_record({"a": 2}, "0.2,9"), json_record({"a": 3}, "0.3")]
    rows, result = read([capture_file(tmp_path, T0, lines)], feature_names=FEATURES)
    assert rows == [{"label": "0.1", "a": 1}, {"label": "0.3", "a": 3}]
    assert result.problems.counts == {"wrong field count": 1}
    assert result.records.skipped == 1
