"""Locating a dataset: files, folders, globs, formats, fsspec URIs (memory://, s3://), chunks in processes."""

from __future__ import annotations

import multiprocessing
import os
import pickle
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from modelwatch.errors import ModelwatchError
from modelwatch.readers import DatasetSpec, iter_batches, list_files, plan_chunks, read_chunk
from modelwatch.storage import filesystem

RowReader = Callable[..., list[dict[str, Any]]]


def make_tree(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def test_a_folder_is_all_its_files_recursively_sorted_without_hidden_ones(tmp_path: Path) -> None:
    make_tree(
        tmp_path,
        {
            "b.csv": "a\n2\n",
            "a.csv": "a\n1\n",
            "sub/c.csv": "a\n3\n",
            "_SUCCESS": "",
            ".hidden.csv": "a\nx\n",
            "_temporary/0/part.csv": "a\ny\n",
            "sub/.ipynb_checkpoints/c.csv": "a\nz\n",
        },
    )
    expected = [str(tmp_path / name) for name in ("a.csv", "b.csv", "sub/c.csv")]
    assert list_files(DatasetSpec(str(tmp_path))) == expected
    rows = [row for batch in iter_batches(DatasetSpec(str(tmp_path))) for row in batch.to_pylist()]
    assert rows == [{"a": "1"}, {"a": "2"}, {"a": "3"}]


def test_a_glob_expands(read_rows: RowReader, tmp_path: Path) -> None:
    make_tree(tmp_path, {"x1.jsonl": '{"v": 1}\n', "x2.jsonl": '{"v": 2}\n', "y.jsonl": '{"v": 3}\n'})
    spec = DatasetSpec(str(tmp_path / "x*.jsonl"))
    assert list_files(spec) == [str(tmp_path / "x1.jsonl"), str(tmp_path / "x2.jsonl")]
    assert read_rows(spec) == [{"v": 1}, {"v": 2}]


def test_a_file_whose_name_looks_like_a_glob_is_that_file(tmp_path: Path) -> None:
    make_tree(tmp_path, {"d[1].csv": "a\n1\n", "d1.csv": "a\n2\n"})
    assert list_files(DatasetSpec(str(tmp_path / "d[1].csv"))) == [str(tmp_path / "d[1].csv")]


def test_a_glob_matching_folders_reads_them(tmp_path: Path) -> None:
    make_tree(tmp_path, {"day=1/p.csv": "a\n1\n", "day=2/p.csv": "a\n2\n", "_day=3/p.csv": "a\n3\n"})
    files = list_files(DatasetSpec(str(tmp_path / "*")))
    assert files == [str(tmp_path / "day=1/p.csv"), str(tmp_path / "day=2/p.csv")]


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("missing.csv", "no such file or folder"),
        ("nothing*.csv", "no data files match this pattern"),
        ("empty", "the folder holds no data files"),
        ("only_hidden", "the folder holds no data files"),
    ],
)
def test_nothing_to_read_is_an_error(tmp_path: Path, uri: str, message: str) -> None:
    (tmp_path / "empty").mkdir()
    make_tree(tmp_path, {"only_hidden/_SUCCESS": "", "only_hidden/.x.csv": "a\n1\n"})
    with pytest.raises(ModelwatchError) as caught:
        plan_chunks(DatasetSpec(str(tmp_path / uri)))
    assert str(caught.value) == f"{tmp_path / uri}: {message}"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("a\n1\n")
    path.chmod(0)
    with pytest.raises(ModelwatchError, match=rf"^{path}: cannot read this file: Permission denied$"):
        plan_chunks(DatasetSpec(str(path)))


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("d.csv", "v\n1\n", [{"v": "1"}]),
        ("d.CSV", "v\n1\n", [{"v": "1"}]),
        ("d.json", '{"v": 1}\n', [{"v": 1}]),
        ("d.jsonl", '{"v": 1}\n', [{"v": 1}]),
        ("d.ndjson", '{"v": 1}\n', [{"v": 1}]),
    ],
)
def test_format_from_the_extension(
    read_rows: RowReader, tmp_path: Path, name: str, text: str, expected: list[dict[str, Any]]
) -> None:
    make_tree(tmp_path, {name: text})
    assert read_rows(DatasetSpec(str(tmp_path / name))) == expected


def test_parquet_extensions(read_rows: RowReader, tmp_path: Path) -> None:
    pq.write_table(pa.table({"v": [1]}), tmp_path / "a.parquet")
    pq.write_table(pa.table({"v": [2]}), tmp_path / "b.pq")
    assert read_rows(DatasetSpec(str(tmp_path))) == [{"v": 1}, {"v": 2}]


def test_an_explicit_format_reads_any_file_name(read_rows: RowReader, tmp_path: Path) -> None:
    make_tree(tmp_path, {"part-00000": "1,2\n", "part-00001": "3,4\n"})
    spec = DatasetSpec(str(tmp_path), format="csv", header=False)
    assert read_rows(spec) == [{"_c0": "1", "_c1": "2"}, {"_c0": "3", "_c1": "4"}]


def test_an_unknown_extension_is_an_error(tmp_path: Path) -> None:
    make_tree(tmp_path, {"d.txt": "a\n"})
    with pytest.raises(ModelwatchError, match=rf"^{tmp_path / 'd.txt'}: cannot tell the dataset format"):
        plan_chunks(DatasetSpec(str(tmp_path)))


def test_mixed_extensions_in_a_folder_are_an_error(tmp_path: Path) -> None:
    make_tree(tmp_path, {"a.csv": "a\n1\n", "b.jsonl": '{"a": 1}\n'})
    with pytest.raises(ModelwatchError) as caught:
        plan_chunks(DatasetSpec(str(tmp_path)))
    message = str(caught.value)
    assert message.startswith(f"{tmp_path}: files of several formats: csv ")
    assert message.endswith("pass --dataset-format")


def test_an_unknown_format_is_an_error(tmp_path: Path) -> None:
    make_tree(tmp_path, {"a.csv": "a\n1\n"})
    with pytest.raises(ModelwatchError, match="unknown dataset format 'xml'"):
        plan_chunks(DatasetSpec(str(tmp_path), format="xml"))  # type: ignore[arg-type]


def test_memory_uris(read_rows: RowReader) -> None:
    fs, root = filesystem("memory://readers-test")
    fs.pipe(
        {f"{root}/d/1.csv": b'a,b\n1,"x\ny"\n', f"{root}/d/2.csv": b"a,b\n3,4\n", f"{root}/d/_SUCCESS": b""}
    )
    spec = DatasetSpec("memory://readers-test/d")
    assert list_files(spec) == ["memory:///readers-test/d/1.csv", "memory:///readers-test/d/2.csv"]
    expected = [{"a": "1", "b": "x\ny"}, {"a": "3", "b": "4"}]
    assert read_rows(spec) == expected
    assert read_rows(spec, 1) == expected
    assert read_rows(DatasetSpec("memory://readers-test/d/*.csv")) == expected
    fs.rm(f"{root}", recursive=True)


def test_s3_folder_glob_and_byte_range_chunks(
    read_rows: RowReader, s3_bucket: str, s3_options: dict[str, Any]
) -> None:
    fs, bucket = filesystem(s3_bucket, s3_options)
    lines = ["id,text", *(f'{i},"multi\nline, {i}"' for i in range(200))]
    fs.pipe({f"{bucket}/train/a.csv": "\n".join(lines).encode() + b"\n", f"{bucket}/train/_SUCCESS": b""})
    spec = DatasetSpec(f"{s3_bucket}/train", storage_options=s3_options)
    assert list_files(spec) == [f"{s3_bucket}/train/a.csv"]
    expected = [{"id": str(i), "text": f"multi\nline, {i}"} for i in range(200)]
    chunks = plan_chunks(spec, target_bytes=500)
    assert len(chunks) > 5
    assert read_rows(spec, 500) == expected
    assert read_rows(DatasetSpec(f"{s3_bucket}/train/*.csv", storage_options=s3_options)) == expected


def test_s3_parquet_and_json(read_rows: RowReader, s3_bucket: str, s3_options: dict[str, Any]) -> None:
    fs, bucket = filesystem(s3_bucket, s3_options)
    sink = pa.BufferOutputStream()
    pq.write_table(pa.table({"n": [1, 2], "o": [{"p": 1}, {"p": 2}]}), sink)
    fs.pipe({f"{bucket}/p/d.parquet": sink.getvalue().to_pybytes(), f"{bucket}/j/d.jsonl": b'{"n": 1}\n'})
    assert read_rows(DatasetSpec(f"{s3_bucket}/p", storage_options=s3_options)) == [
        {"n": 1, "o.p": 1},
        {"n": 2, "o.p": 2},
    ]
    assert read_rows(DatasetSpec(f"{s3_bucket}/j", storage_options=s3_options)) == [{"n": 1}]


def test_s3_missing_prefix_is_an_error(s3_bucket: str, s3_options: dict[str, Any]) -> None:
    with pytest.raises(ModelwatchError, match=rf"^{s3_bucket}/nothing: no such file or folder$"):
        plan_chunks(DatasetSpec(f"{s3_bucket}/nothing", storage_options=s3_options))


def _count_rows(spec: DatasetSpec, chunk: Any) -> list[str]:
    return [value for batch in read_chunk(spec, chunk) for value in batch.column("n").to_pylist()]


def test_chunks_are_small_picklable_and_read_in_other_processes(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("n,text\n" + "".join(f'{i},"a\n""b"""\n' for i in range(3000)))
    spec = DatasetSpec(str(path))
    chunks = plan_chunks(spec, target_bytes=4096)
    assert len(chunks) > 5
    assert all(len(pickle.dumps(chunk)) < 500 for chunk in chunks)
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        parts = list(pool.map(_count_rows, [spec] * len(chunks), chunks))
    assert [value for part in parts for value in part] == [str(i) for i in range(3000)]
