"""CSV datasets: text columns, header rules, record-boundary chunking, and bad input."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modelwatch.errors import ModelwatchError
from modelwatch.readers import DatasetSpec, iter_batches, plan_chunks
from modelwatch.readers import csv as csv_reader
from modelwatch.readers.csv import spark_names


def write(path: Path, text: str) -> str:
    path.write_bytes(text.encode())
    return str(path)


def expected_rows(text: str, names: list[str], header: bool = True) -> list[dict[str, str | None]]:
    """What the reader must give, by Python's csv module: every value text, empty fields null."""
    records = [record for record in csv.reader(io.StringIO(text, newline="")) if record]
    return [dict(zip(names, (value or None for value in record), strict=True)) for record in records[header:]]


TRICKY = (
    "id,text,score,flag\n"
    '1,"hello, world",0.5,true\n'
    '2,"she said ""hi""",NaN,\n'
    '3,"line one\nline two\r\nline three",inf,false\n'
    '4,,-inf,""\n'
)


def test_every_column_is_text_and_quotes_commas_newlines_work(tmp_path: Path) -> None:
    spec = DatasetSpec(write(tmp_path / "d.csv", TRICKY))
    batches = list(iter_batches(spec))
    assert all(field.type == pa.string() for batch in batches for field in batch.schema)
    rows = [row for batch in batches for row in batch.to_pylist()]
    assert rows == expected_rows(TRICKY, ["id", "text", "score", "flag"])
    assert rows[1]["score"] == "NaN"
    assert rows[2]["text"] == "line one\nline two\r\nline three"
    assert rows[3]["text"] is None
    assert rows[3]["flag"] is None


def test_matches_pandas_reading_everything_as_text(read_rows: Callable[..., Any], tmp_path: Path) -> None:
    path = write(tmp_path / "d.csv", TRICKY)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    expected = frame.astype(object).where(frame.notna(), None).to_dict("records")
    assert read_rows(DatasetSpec(path)) == expected


def test_without_header_columns_are_named_like_spark(read_rows: Callable[..., Any], tmp_path: Path) -> None:
    text = "1,a,\n2,b,x\n"
    rows = read_rows(DatasetSpec(write(tmp_path / "d.csv", text), header=False))
    assert rows == [{"_c0": "1", "_c1": "a", "_c2": None}, {"_c0": "2", "_c1": "b", "_c2": "x"}]


def test_duplicate_and_empty_header_names_made_unique_like_spark(
    read_rows: Callable[..., Any], tmp_path: Path
) -> None:
    text = "a,a,,b,B\n1,2,3,4,5\n"
    rows = read_rows(DatasetSpec(write(tmp_path / "d.csv", text)))
    assert rows == [{"a0": "1", "a1": "2", "_c2": "3", "b3": "4", "B4": "5"}]


@pytest.mark.parametrize(
    ("header", "names"),
    [
        (["a", "a", "b"], ["a0", "a1", "b"]),
        (["x", "", "y", ""], ["x", "_c1", "y", "_c3"]),
        (["Name", "name", "other"], ["Name0", "name1", "other"]),
        (["p", "q"], ["p", "q"]),
    ],
)
def test_spark_names(header: list[str], names: list[str]) -> None:
    assert spark_names(header) == names


def test_byte_order_mark_and_crlf_line_ends(read_rows: Callable[..., Any], tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_bytes(b"\xef\xbb\xbfa,b\r\n1,2\r\n3,\r\n")
    assert read_rows(DatasetSpec(str(path))) == [{"a": "1", "b": "2"}, {"a": "3", "b": None}]
    assert read_rows(DatasetSpec(str(path), header=False), 1)[0] == {"_c0": "a", "_c1": "b"}


def test_header_only_and_empty_files_give_no_rows(read_rows: Callable[..., Any], tmp_path: Path) -> None:
    assert read_rows(DatasetSpec(write(tmp_path / "h.csv", "a,b\n"))) == []
    assert read_rows(DatasetSpec(write(tmp_path / "h2.csv", "a,b"))) == []
    assert read_rows(DatasetSpec(write(tmp_path / "e.csv", ""))) == []


def test_a_column_empty_everywhere_is_all_nulls(tmp_path: Path) -> None:
    spec = DatasetSpec(write(tmp_path / "d.csv", "a,b\n1,\n2,\n"))
    (batch,) = iter_batches(spec)
    assert batch.column("b").null_count == 2
    assert batch.schema.field("b").type == pa.string()


def test_folder_files_share_the_header_and_empty_files_are_skipped(
    read_rows: Callable[..., Any], tmp_path: Path
) -> None:
    write(tmp_path / "0.csv", "")
    write(tmp_path / "1.csv", "a,b\n1,2\n")
    write(tmp_path / "2.csv", "a,b\n3,4\n5,6\n")
    write(tmp_path / "3.csv", "a,b\n")
    rows = read_rows(DatasetSpec(str(tmp_path)))
    assert rows == [{"a": "1", "b": "2"}, {"a": "3", "b": "4"}, {"a": "5", "b": "6"}]


def test_a_file_with_another_header_is_an_error_naming_it(tmp_path: Path) -> None:
    write(tmp_path / "1.csv", "a,b\n1,2\n")
    other = write(tmp_path / "2.csv", "a,c\n3,4\n")
    with pytest.raises(ModelwatchError) as caught:
        plan_chunks(DatasetSpec(str(tmp_path)))
    assert str(caught.value) == f"{other}:1: header column 2 is 'c' but 'b' in {tmp_path / '1.csv'}"


def test_a_header_with_another_column_count_is_an_error(tmp_path: Path) -> None:
    write(tmp_path / "1.csv", "a,b\n1,2\n")
    other = write(tmp_path / "2.csv", "a,b,c\n3,4,5\n")
    with pytest.raises(ModelwatchError, match=rf"^{other}:1: the header has 3 columns but .* has 2$"):
        plan_chunks(DatasetSpec(str(tmp_path)))


def test_without_header_a_file_with_more_fields_is_a_ragged_row(
    read_rows: Callable[..., Any], tmp_path: Path
) -> None:
    write(tmp_path / "1.csv", "1,2\n")
    other = write(tmp_path / "2.csv", "1,2,3\n")
    with pytest.raises(ModelwatchError, match=rf"^{other}:1: expected 2 fields, found 3$"):
        read_rows(DatasetSpec(str(tmp_path), header=False))


def test_ragged_row_names_its_physical_line(tmp_path: Path) -> None:
    path = write(tmp_path / "d.csv", 'a,b\n1,"two\nlines"\n\n3,4\n5\n6,7\n')
    with pytest.raises(ModelwatchError) as caught:
        list(iter_batches(DatasetSpec(path)))
    assert str(caught.value) == f"{path}:6: expected 2 fields, found 1"


@pytest.mark.parametrize("target", [1, 7, 20, 1000])
def test_ragged_row_line_is_right_in_any_chunk(
    read_rows: Callable[..., Any], tmp_path: Path, target: int
) -> None:
    lines = ["a,b", *(f'{i},"x\n{i}"' for i in range(20)), "1,2,3", "4,5"]
    path = write(tmp_path / "d.csv", "\n".join(lines) + "\n")
    with pytest.raises(ModelwatchError) as caught:
        read_rows(DatasetSpec(path), target)
    assert str(caught.value) == f"{path}:42: expected 2 fields, found 3"


@pytest.mark.parametrize("target", [3, 1000])
def test_invalid_utf8_names_its_line(read_rows: Callable[..., Any], tmp_path: Path, target: int) -> None:
    path = tmp_path / "d.csv"
    path.write_bytes(b'a,b\n1,"caf\xc3\xa9\n"\n2,ok\n3,caf\xe9\n4,x\n')
    with pytest.raises(ModelwatchError) as caught:
        read_rows(DatasetSpec(str(path)), target)
    assert str(caught.value) == f"{path}:5: byte 0xe9 is not valid UTF-8 text"


def test_invalid_utf8_in_the_header(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_bytes(b"a,\xff\n1,2\n")
    with pytest.raises(ModelwatchError, match=rf"^{path}:1: the first line is not valid UTF-8"):
        plan_chunks(DatasetSpec(str(path)))


def test_an_empty_first_line_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path / "d.csv", "\na,b\n")
    with pytest.raises(ModelwatchError, match=rf"^{path}:1: the first line is empty$"):
        plan_chunks(DatasetSpec(path))


def test_chunks_split_at_record_boundaries_with_line_numbers(tmp_path: Path) -> None:
    text = 'a,b\n1,"x\ny"\n2,"p,""q"""\n3,z\n'
    path = write(tmp_path / "d.csv", text)
    chunks = plan_chunks(DatasetSpec(path), target_bytes=1)
    assert [(c.start, c.stop, c.first_line) for c in chunks] == [(4, 12, 2), (12, 24, 4), (24, 28, 5)]
    assert all(c.columns == ("a", "b") for c in chunks)


@pytest.mark.parametrize("plain", [True, False], ids=["C splitter", "pyarrow"])
def test_streams_a_large_file_in_many_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, plain: bool
) -> None:
    monkeypatch.setattr(csv_reader, "BLOCK_SIZE", 2**16)
    monkeypatch.setattr(csv_reader, "BATCH_ROWS", 2**12)
    count = 100_000
    path = tmp_path / "big.csv"
    first = "" if plain else 'x"y,z\n'  # a quote inside a field: pyarrow reads the whole file
    path.write_text("n,text\n" + first + "".join(f'{i},"row {i}, quoted"\n' for i in range(count)))
    batches = list(iter_batches(DatasetSpec(str(path))))
    assert len(batches) > 20
    assert max(batch.num_rows for batch in batches) < count / 10
    values = pa.concat_arrays([batch.column("n") for batch in batches])
    assert values.to_pylist() == ([] if plain else ['x"y']) + [str(i) for i in range(count)]


_FIELD = st.one_of(
    st.just(""),
    st.text(alphabet='ab ,"\n\r\té', max_size=8),
    st.from_regex(r"-?[0-9]{1,4}(\.[0-9]{1,2})?", fullmatch=True),
)


def _csv_text(rows: list[list[str]], quote_all: bool) -> str:
    """RFC 4180 text: a field is quoted when it must be (or always, with `quote_all`)."""

    def field(value: str, alone: bool) -> str:
        if quote_all or any(c in value for c in ',"\r\n') or (alone and not value):
            return '"' + value.replace('"', '""') + '"'
        return value

    return "".join(",".join(field(value, len(row) == 1) for value in row) + "\n" for row in rows)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.integers(1, 4).flatmap(
        lambda width: st.lists(st.lists(_FIELD, min_size=width, max_size=width), max_size=25)
    ),
    target=st.integers(1, 64),
    quote_all=st.booleans(),
)
def test_tiny_chunks_give_the_same_rows_as_one_chunk(
    read_rows: Callable[..., Any], tmp_path: Path, rows: list[list[str]], target: int, quote_all: bool
) -> None:
    width = len(rows[0]) if rows else 1
    names = [f"c{i}" for i in range(width)]
    path = write(tmp_path / "h.csv", _csv_text([names, *rows], quote_all))
    whole = read_rows(DatasetSpec(path))
    assert read_rows(DatasetSpec(path), target) == whole
    assert whole == [dict(zip(names, (v or None for v in row), strict=True)) for row in rows]


def test_a_reader_left_half_read_lets_the_interpreter_exit(tmp_path: Path) -> None:
    """pyarrow reads ahead in a thread; it must never be left calling back into a dying interpreter."""
    path = tmp_path / "big.csv"
    path.write_text('n\nx"y\n' + "".join(f"{i}\n" for i in range(300_000)))  # not plain: pyarrow reads it
    script = (
        "from modelwatch.readers import DatasetSpec, csv, iter_batches\n"
        "csv.BLOCK_SIZE = 2**12\n"
        f"next(iter_batches(DatasetSpec({str(path)!r})))\n"
    )
    finished = subprocess.run([sys.executable, "-c", script], timeout=60, capture_output=True, check=False)
    assert finished.returncode == 0, finished.stderr.decode()
