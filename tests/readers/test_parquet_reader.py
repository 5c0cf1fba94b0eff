"""Parquet datasets: types kept, nested columns flattened, row-group chunks, and bad files."""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from modelwatch.errors import ModelwatchError
from modelwatch.readers import Chunk, DatasetSpec, iter_batches, plan_chunks

RowReader = Callable[..., list[dict[str, Any]]]


def test_types_are_kept_and_nested_columns_flattened(tmp_path: Path) -> None:
    table = pa.table(
        {
            "i": pa.array([1, None], pa.int32()),
            "f": [0.5, float("nan")],
            "b": [True, None],
            "s": ["x", ""],
            "o": [{"p": {"q": 1}, "r": "a"}, {"p": None, "r": None}],
            "l": [[1, 2], None],
            "ls": [[{"k": "v"}], []],
            "m": pa.array([[("a", 1)], None], pa.map_(pa.string(), pa.int64())),
            "c": pa.array(["red", "blue"]).dictionary_encode(),
            "d": [dt.date(2024, 1, 2), None],
            "t": pa.array([dt.datetime(2024, 1, 2, 3, 4, 5), None], pa.timestamp("us")),
            "dec": pa.array([decimal.Decimal("1.25"), None], pa.decimal128(5, 2)),
        }
    )
    path = tmp_path / "d.parquet"
    pq.write_table(table, path)
    (batch,) = iter_batches(DatasetSpec(str(path)))
    types = {field.name: field.type for field in batch.schema}
    assert types == {
        "i": pa.int32(),
        "f": pa.float64(),
        "b": pa.bool_(),
        "s": pa.string(),
        "o.p.q": pa.int64(),
        "o.r": pa.string(),
        "l": pa.string(),
        "ls": pa.string(),
        "m": pa.string(),
        "c": pa.string(),
        "d": pa.string(),
        "t": pa.string(),
        "dec": pa.float64(),
    }
    first, second = batch.to_pylist()
    assert first == {
        "i": 1,
        "f": 0.5,
        "b": True,
        "s": "x",
        "o.p.q": 1,
        "o.r": "a",
        "l": "[1,2]",
        "ls": '[{"k":"v"}]',
        "m": '{"a":1}',
        "c": "red",
        "d": "2024-01-02",
        "t": "2024-01-02 03:04:05.000000",
        "dec": 1.25,
    }
    assert second["l"] is None
    assert second["ls"] == "[]"
    assert second["o.p.q"] is None
    assert second["s"] == ""
    assert second["c"] == "blue"


def test_bytes_become_text_or_base64(read_rows: RowReader, tmp_path: Path) -> None:
    table = pa.table(
        {"text": pa.array([b"caf\xc3\xa9", None]), "raw": pa.array([b"\xff\x00", b"ok"], pa.binary(2))}
    )
    pq.write_table(table, tmp_path / "d.parquet")
    assert read_rows(DatasetSpec(str(tmp_path / "d.parquet"))) == [
        {"text": "café", "raw": "/wA="},
        {"text": None, "raw": "b2s="},
    ]


def test_row_groups_make_the_chunks(read_rows: RowReader, tmp_path: Path) -> None:
    table = pa.table({"n": list(range(1000)), "s": [f"v{i}" for i in range(1000)]})
    path = tmp_path / "d.parquet"
    pq.write_table(table, path, row_group_size=100)
    group_bytes = pq.ParquetFile(path).metadata.row_group(0).total_byte_size
    chunks = plan_chunks(DatasetSpec(str(path)), target_bytes=group_bytes * 3)
    assert [(c.start, c.stop) for c in chunks] == [(0, 3), (3, 6), (6, 9), (9, 10)]
    assert read_rows(DatasetSpec(str(path)), group_bytes * 3) == table.to_pylist()
    assert plan_chunks(DatasetSpec(str(path))) == [Chunk(str(path), 0, 10)]


def test_empty_files_and_files_without_rows_give_nothing(read_rows: RowReader, tmp_path: Path) -> None:
    (tmp_path / "a.parquet").write_bytes(b"")
    pq.write_table(pa.table({"n": pa.array([], pa.int64())}), tmp_path / "b.parquet")
    pq.write_table(pa.table({"n": [7]}), tmp_path / "c.parquet")
    assert read_rows(DatasetSpec(str(tmp_path))) == [{"n": 7}]


def test_a_corrupt_file_is_an_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "d.parquet"
    path.write_bytes(b"this is not parquet at all")
    with pytest.raises(ModelwatchError, match=rf"^{path}: not a readable Parquet file: "):
        plan_chunks(DatasetSpec(str(path)))


def test_a_truncated_file_is_an_error_naming_it(tmp_path: Path) -> None:
    whole = tmp_path / "whole.parquet"
    pq.write_table(pa.table({"n": list(range(100))}), whole)
    path = tmp_path / "d.parquet"
    path.write_bytes(whole.read_bytes()[:-20])
    with pytest.raises(ModelwatchError) as caught:
        list(iter_batches(DatasetSpec(str(path))))
    assert str(caught.value).startswith(f"{path}: not a readable Parquet file: ")
    assert "\n" not in str(caught.value)


def test_a_damaged_data_page_is_an_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "d.parquet"
    pq.write_table(pa.table({"n": list(range(10_000))}), path, row_group_size=2_000)
    page = pq.ParquetFile(path).metadata.row_group(2).column(0).data_page_offset
    data = bytearray(path.read_bytes())
    data[page : page + 100] = b"\xff" * 100
    path.write_bytes(bytes(data))
    with pytest.raises(ModelwatchError, match=rf"^{path}: cannot read the Parquet data: "):
        list(iter_batches(DatasetSpec(str(path))))
