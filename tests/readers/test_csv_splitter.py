"""The C record splitter against its oracle, pyarrow's CSV reader with the same options: the same
rows from any text, or the same one-line error, also when the splitter hands over mid-chunk."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from modelwatch.errors import ModelwatchError
from modelwatch.readers import DatasetSpec, plan_chunks
from modelwatch.readers import csv as csv_reader
from modelwatch.readers.files import chunk_bytes, open_file


def outcome(read: Callable[[], Any]) -> tuple[str, Any]:
    try:
        return "rows", [row for batch in read() for row in batch.to_pylist()]
    except ModelwatchError as error:
        return "error", str(error)


def both_readers(path: Path, header: bool, target: int) -> list[tuple[tuple[str, Any], tuple[str, Any]]]:
    """(splitter outcome, pyarrow outcome) per chunk of the file."""
    spec = DatasetSpec(str(path), format="csv", header=header)
    results = []
    for chunk in plan_chunks(spec, target):
        with open_file(spec, chunk.file) as handle:
            data = chunk_bytes(spec, chunk, handle)
            arrow = outcome(lambda: csv_reader._read_with_arrow(handle, chunk, data))  # noqa: B023
        results.append((outcome(lambda: csv_reader.read_csv(spec, chunk)), arrow))  # noqa: B023
    return results


def assert_alike(path: Path, header: bool = False, target: int = 2**20) -> None:
    try:
        pairs = both_readers(path, header, target)
    except ModelwatchError:
        return  # planning refused the file (a bad first line): neither reader runs
    for splitter, arrow in pairs:
        assert splitter == arrow


FIELD_BYTES = st.sampled_from(
    [
        b"a",
        b"b",
        b"1",
        b"2.5",
        b" ",
        b",",
        b'"',
        b'""',
        b"\n",
        b"\r\n",
        b"\r",
        b"\xc3\xa9",
        b"\xff",
        b"\xe2\x82",
    ]
)
field = st.lists(FIELD_BYTES, max_size=4).map(b"".join)


def quoted(value: bytes) -> bytes:
    return b'"' + value.replace(b'"', b'""') + b'"'


record = st.lists(
    st.one_of(field, field.map(quoted), st.just(b""), st.just(b'""')), min_size=1, max_size=4
).map(b",".join)
ending = st.sampled_from([b"\n", b"\r\n", b"\n\n", b"\r", b""])
text = st.lists(st.tuples(record, ending).map(b"".join), max_size=12).map(b"".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=text, prefix=st.sampled_from([b"", b"\xef\xbb\xbf"]), batch_rows=st.sampled_from([1, 2, 64]))
@example(body=b'a,b\n"x\r\ny",""\r\n\n"",z', prefix=b"", batch_rows=2)
@example(body=b"a,b\n1,2\n3\n", prefix=b"", batch_rows=1)
@example(body=b"a,b\n1,\xff\n", prefix=b"\xef\xbb\xbf", batch_rows=64)
def test_the_splitter_reads_any_text_as_pyarrow_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: bytes, prefix: bytes, batch_rows: int
) -> None:
    monkeypatch.setattr(csv_reader, "BATCH_ROWS", batch_rows)
    path = tmp_path / "t.csv"
    path.write_bytes(prefix + body)
    assert_alike(path)
    assert_alike(path, header=True, target=16)


def write_rows(path: Path, rows: int, bad: bytes, tail: bytes = b"") -> None:
    path.write_bytes(b"n,t\n" + b"".join(b"%d,x%d\n" % (i, i) for i in range(rows)) + bad + tail)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (b"1,2,3\n", "expected 2 fields, found 3"),
        (b"1,\xff\n", "byte 0xff is not valid UTF-8 text"),
    ],
)
def test_bad_input_after_many_batches_names_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bad: bytes, message: str
) -> None:
    monkeypatch.setattr(csv_reader, "BATCH_ROWS", 1000)
    path = tmp_path / "late.csv"
    write_rows(path, 2500, bad, b"7,y\n")
    spec = DatasetSpec(str(path))
    (chunk,) = plan_chunks(spec)
    batches = csv_reader.read_csv(spec, chunk)
    assert [next(batches).num_rows for _ in range(2)] == [1000, 1000]
    with pytest.raises(ModelwatchError) as raised:
        next(batches)
    assert str(raised.value) == f"{path}:2502: {message}"


def test_pyarrow_takes_over_mid_chunk_without_losing_or_repeating_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(csv_reader, "BATCH_ROWS", 1000)
    path = tmp_path / "cr.csv"
    write_rows(path, 2500, b"lone,cr\r", b"7,y\n")
    spec = DatasetSpec(str(path))
    (chunk,) = plan_chunks(spec)
    rows = [row for batch in csv_reader.read_csv(spec, chunk) for row in batch.to_pylist()]
    assert [row["n"] for row in rows] == [str(i) for i in range(2500)] + ["lone", "7"]


def test_splitter_arguments_are_checked() -> None:
    from modelwatch import _textkernels

    with pytest.raises(ValueError, match="positive"):
        _textkernels.split_csv(b"a\n", 0, 0, 10)
    with pytest.raises(ValueError, match="position"):
        _textkernels.split_csv(b"a\n", 5, 1, 10)
    assert _textkernels.split_csv(b"\n\r\n", 0, 1, 10) == (
        3,
        0,
        [(None, bytearray(b"\0\0\0\0"), bytearray(), 0)],
    )
