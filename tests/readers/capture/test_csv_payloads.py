from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pyarrow as pa
import pytest

from modelwatch.readers.capture import ReadOptions, csvbulk, read_capture_rows
from modelwatch.readers.capture.csvbulk import parse, split_lines

from .captures import END, FEATURES, START, T0, capture_file, read, record


def test_records_are_kept_by_inference_time_in_the_half_open_window(tmp_path: Path) -> None:
    moments = [
        START - timedelta(seconds=1),
        START,
        START + timedelta(minutes=30),
        END - timedelta(seconds=1),
        END,
    ]
    file = capture_file(
        tmp_path, T0, [record(f"{i},1,1", f"{i}", moment=moment) for i, moment in enumerate(moments)]
    )
    rows, result = read([file], feature_names=FEATURES)
    assert [row["label"] for row in rows] == ["1", "2", "3"]
    assert result.records.read == 5
    assert result.records.in_window == 3
    assert result.records.rows == 3


def test_output_first_then_inputs_matched_by_position(tmp_path: Path) -> None:
    file = capture_file(tmp_path, T0, [record("1,2.5,x", "0.9")])
    rows, result = read([file], feature_names=FEATURES)
    assert rows == [{"label": "0.9", "a": "1", "b": "2.5", "c": "x"}]
    assert result.matched_by_position
    rows, _ = read([file], feature_names=["a", "b", "c", "label"], output_columns_position="end")
    assert rows == [{"a": "1", "b": "2.5", "c": "x", "label": "0.9"}]


def test_columns_are_strings_and_empty_fields_missing(tmp_path: Path) -> None:
    file = capture_file(tmp_path, T0, [record("1,,3\n", "0\n")])
    result_rows, result = read([file], feature_names=FEATURES)
    assert result_rows == [{"label": "0", "a": "1", "b": None, "c": "3"}]
    batch = next(read_capture_rows([file], START, END, ReadOptions(feature_names=FEATURES)).batches)
    assert all(field.type == pa.string() for field in batch.schema)
    assert result.problems.total == 0


def test_without_baseline_names_columns_are_numbered_like_spark(tmp_path: Path) -> None:
    file = capture_file(tmp_path, T0, [record("1,2", "0")])
    rows, result = read([file])
    assert rows == [{"_c0": "0", "_c1": "1", "_c2": "2"}]
    assert not result.matched_by_position


def test_batch_requests_pair_output_lines_with_input_lines(tmp_path: Path) -> None:
    file = capture_file(
        tmp_path,
        T0,
        [record("1,1,1\r\n2,2,2\r\n\r\n3,3,3\r\n", "0.1\n0.2\n0.3\n"), record("4,4,4", "0.4")],
    )
    rows, result = read([file], feature_names=FEATURES)
    assert [(row["label"], row["a"]) for row in rows] == [
        ("0.1", "1"),
        ("0.2", "2"),
        ("0.3", "3"),
        ("0.4", "4"),
    ]
    assert result.records.rows == 4
    assert result.problems.total == 0


def test_multi_column_outputs(tmp_path: Path) -> None:
    file = capture_file(tmp_path, T0, [record("1,2", "0,0.7"), record("3,4", "1,0.2")])
    rows, _ = read([file], feature_names=["label", "score", "a", "b"])
    assert rows == [
        {"label": "0", "score": "0.7", "a": "1", "b": "2"},
        {"label": "1", "score": "0.2", "a": "3", "b": "4"},
    ]


def test_input_only_capture_takes_the_input_positions(tmp_path: Path) -> None:
    file = capture_file(tmp_path, T0, [record("1,2,3"), record(None, "0.5")])
    rows, _ = read([file], feature_names=FEATURES)
    assert rows == [{"a": "1", "b": "2", "c": "3"}, {"label": "0.5"}]


def test_quoted_fields_and_quoted_line_breaks(tmp_path: Path) -> None:
    file = capture_file(tmp_path, T0, [record('1,"x,y",3', "0"), record('2,"two\nlines",4', "1")])
    rows, result = read([file], feature_names=FEATURES)
    assert sorted(rows, key=lambda row: row["a"]) == [
        {"label": "0", "a": "1", "b": "x,y", "c": "3"},
        {"label": "1", "a": "2", "b": "two\nlines", "c": "4"},
    ]
    assert result.problems.total == 0


def test_many_files_stream_batch_by_batch(tmp_path: Path) -> None:
    files = [
        capture_file(tmp_path, T0 + timedelta(minutes=minute), [record(f"{minute},1,1", "0")])
        for minute in range(3)
    ]
    batches = list(read_capture_rows(sorted(files), START, END, ReadOptions()).batches)
    assert [batch.num_rows for batch in batches] == [1, 1, 1]


@pytest.mark.parametrize(
    "payloads",
    [
        ["1,2,3", "4,,6", ",,", "7,8,9\n10,11,12"],
        ['"a,b",c,d', '"",x,"y ""quoted"""', "\ufeff1,2,3"],
        ["1,2,3", "", "4,5,6\n\n7,8,9"],
        ["1,2,3", "1,2", "1,2,3,4", "5,6,7"],  # wrong field counts: pyarrow says which lines
        ["1,2,3", 'a"b,c,d', "x,y,z"],  # a quote inside a field: pyarrow's reading of it
    ],
)
def test_payload_lines_split_by_the_kernel_as_pyarrow_parses_them(
    payloads: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = split_lines(pa.array(payloads))
    names = ["a", "b", "c"]
    split = parse(lines, names)
    monkeypatch.setattr(csvbulk, "_split_plain", lambda lines, names: None)
    parsed = parse(lines, names)
    assert split[0].equals(parsed[0])
    assert split[1].tolist() == parsed[1].tolist()
    assert split[2] == parsed[2]
