"""JSON Lines datasets: typed columns, flattening, mixed types, chunking, and bad input."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modelwatch.errors import ModelwatchError
from modelwatch.readers import Chunk, DatasetSpec, iter_batches, plan_chunks
from modelwatch.readers import jsonl as jsonl_reader

RowReader = Callable[..., list[dict[str, Any]]]


def write_lines(path: Path, objects: list[Any]) -> str:
    path.write_text("".join(json.dumps(item) + "\n" for item in objects))
    return str(path)


def flat(item: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """The pure-Python expectation of one line: dotted keys, lists as compact JSON text."""
    out: dict[str, Any] = {}
    for key, value in item.items():
        if isinstance(value, dict):
            out.update(flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = (
                json.dumps(value, separators=(",", ":")) if isinstance(value, list) else value
            )
    return out


def present(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows without their nulls: a key absent from a block is not a column of that block's batch."""
    return [{key: value for key, value in row.items() if value is not None} for row in rows]


def test_types_follow_json_and_nested_objects_are_flattened(tmp_path: Path) -> None:
    objects = [
        {
            "i": 1,
            "f": 1.5,
            "b": True,
            "s": "x",
            "n": None,
            "o": {"p": {"q": 7}, "r": "y"},
            "l": [1, [2, "z"]],
        },
        {"i": -2, "f": 3, "b": False, "s": "2020-01-01 10:00:00", "n": None, "o": {"p": {"q": 8}}, "l": []},
    ]
    spec = DatasetSpec(write_lines(tmp_path / "d.jsonl", objects))
    (batch,) = iter_batches(spec)
    types = {field.name: field.type for field in batch.schema}
    assert types == {
        "i": pa.int64(),
        "f": pa.float64(),
        "b": pa.bool_(),
        "s": pa.string(),
        "n": pa.null(),
        "o.p.q": pa.int64(),
        "o.r": pa.string(),
        "l": pa.string(),
    }
    assert batch.to_pylist() == [
        {"i": 1, "f": 1.5, "b": True, "s": "x", "n": None, "o.p.q": 7, "o.r": "y", "l": '[1,[2,"z"]]'},
        {
            "i": -2,
            "f": 3.0,
            "b": False,
            "s": "2020-01-01 10:00:00",
            "n": None,
            "o.p.q": 8,
            "o.r": None,
            "l": "[]",
        },
    ]


def test_timestamp_like_text_stays_exactly_as_written(tmp_path: Path) -> None:
    objects = [
        {"t": "2020-01-01", "u": {"v": "2021-02-03T04:05:06"}},
        {"t": "2020-01-02 00:00:00", "u": {"v": None}},
    ]
    (batch,) = iter_batches(DatasetSpec(write_lines(tmp_path / "d.jsonl", objects)))
    assert batch.schema.field("t").type == pa.string()
    assert batch.to_pylist() == [flat(item) for item in objects]


def test_a_column_whose_type_changes_becomes_json_text(tmp_path: Path) -> None:
    objects = [
        {"a": 1, "b": 2.5, "c": True},
        {"a": "x", "b": 1, "c": None},
        {"a": 2.5, "b": None, "c": False},
    ]
    (batch,) = iter_batches(DatasetSpec(write_lines(tmp_path / "d.jsonl", objects)))
    assert batch.schema.field("a").type == pa.string()
    assert batch.schema.field("b").type == pa.float64()
    assert batch.schema.field("c").type == pa.bool_()
    assert batch.column("a").to_pylist() == ["1", "x", "2.5"]
    assert batch.column("b").to_pylist() == [2.5, 1.0, None]


def test_mixed_lists_objects_and_scalars_in_the_slow_path(tmp_path: Path) -> None:
    objects = [{"a": [1, "x"], "o": {"k": 1}}, {"a": "text", "o": {"k": "v"}}, {"a": True, "o": {}}]
    (batch,) = iter_batches(DatasetSpec(write_lines(tmp_path / "d.jsonl", objects)))
    rows = batch.to_pylist()
    assert rows == [{"a": '[1,"x"]', "o.k": "1"}, {"a": "text", "o.k": "v"}, {"a": "true", "o.k": None}]


def test_nan_and_infinity_are_floats(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text('{"x": NaN}\n{"x": Infinity}\n{"x": -Infinity}\n{"x": 1}\n')
    (batch,) = iter_batches(DatasetSpec(str(path)))
    values = batch.column("x").to_pylist()
    assert batch.schema.field("x").type == pa.float64()
    assert math.isnan(values[0])
    assert values[1:] == [math.inf, -math.inf, 1.0]


def test_integers_too_big_for_int64_become_floats(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text('{"x": 1}\n{"x": 123456789012345678901234}\n{"y": [1, "a"]}\n')
    (batch,) = iter_batches(DatasetSpec(str(path)))
    assert batch.column("x").to_pylist() == [1.0, 1.2345678901234568e23, None]


def test_blank_lines_are_skipped_and_empty_files_give_nothing(read_rows: RowReader, tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text('{"a": 1}\n\n   \n{"a": 2}')
    assert read_rows(DatasetSpec(str(path))) == [{"a": 1}, {"a": 2}]
    (tmp_path / "e.ndjson").write_text("")
    assert read_rows(DatasetSpec(str(tmp_path / "e.ndjson"))) == []


def test_invalid_json_names_its_line(read_rows: RowReader, tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text('{"a": 1}\n{"a": 2}\n\n{"a": 3,}\n{"a": 4}\n')
    for target in (1, 5, 1000):
        with pytest.raises(ModelwatchError) as caught:
            read_rows(DatasetSpec(str(path)), target)
        assert str(caught.value).startswith(f"{path}:4: invalid JSON: ")


def test_a_line_that_is_not_an_object_is_an_error(read_rows: RowReader, tmp_path: Path) -> None:
    path = tmp_path / "d.json"
    path.write_text('{"a": 1}\n[1, 2]\n')
    with pytest.raises(ModelwatchError, match=rf"^{path}:2: expected a JSON object, found list$"):
        read_rows(DatasetSpec(str(path)))


def test_invalid_utf8_names_its_line(read_rows: RowReader, tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_bytes(b'{"a": "caf\xc3\xa9"}\n{"a": "caf\xe9"}\n')
    for target in (1, 1000):
        with pytest.raises(ModelwatchError) as caught:
            read_rows(DatasetSpec(str(path)), target)
        assert str(caught.value) == f"{path}:2: byte 0xe9 is not valid UTF-8 text"


def test_error_line_is_counted_across_blocks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jsonl_reader, "BLOCK_SIZE", 64)
    path = tmp_path / "d.jsonl"
    path.write_text("".join(f'{{"n": {i}}}\n' for i in range(100)) + "{oops}\n")
    with pytest.raises(ModelwatchError, match=rf"^{path}:101: invalid JSON"):
        list(iter_batches(DatasetSpec(str(path))))


def test_chunks_start_at_line_starts(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "d.jsonl", [{"a": "x" * 10}, {"a": 1}, {"a": 22}])
    chunks = plan_chunks(DatasetSpec(path), target_bytes=5)
    lines = Path(path).read_bytes().splitlines(keepends=True)
    ends = [sum(len(line) for line in lines[: i + 1]) for i in range(len(lines))]
    assert [(c.start, c.stop) for c in chunks] == list(zip([0, *ends[:-1]], ends, strict=True))
    assert plan_chunks(DatasetSpec(path), target_bytes=25) == [Chunk(path, 0, ends[1]), chunks[2]]


def test_streams_a_large_file_in_many_batches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jsonl_reader, "BLOCK_SIZE", 2**16)
    count = 50_000
    objects = [{"n": i, "s": {"t": f"v{i}"}} for i in range(count)]
    batches = list(iter_batches(DatasetSpec(write_lines(tmp_path / "big.jsonl", objects))))
    assert len(batches) > 20
    assert pa.concat_arrays([batch.column("n") for batch in batches]).to_pylist() == list(range(count))
    assert batches[-1].column("s.t").to_pylist()[-1] == f"v{count - 1}"


_SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=False, allow_infinity=False, width=32).filter(lambda x: not x.is_integer()),
    st.text(alphabet='ab"\\é\n', max_size=5),
)
_OBJECT = st.fixed_dictionaries(
    {},
    optional={
        "a": _SCALAR,
        "b": st.integers(0, 9),
        "c": st.fixed_dictionaries({}, optional={"d": _SCALAR, "e": st.text(max_size=3)}),
    },
)


def same_values(row: dict[str, Any], item: dict[str, Any]) -> bool:
    """The row holds the line's values; a non-text value may be its JSON text (a mixed-type block)."""
    expected = {key: value for key, value in flat(item).items() if value is not None}
    return row.keys() == expected.keys() and all(
        row[key] == value or (not isinstance(value, str) and row[key] == json.dumps(value))
        for key, value in expected.items()
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(objects=st.lists(_OBJECT, max_size=20), target=st.integers(1, 40))
def test_tiny_chunks_give_the_same_rows_as_one_chunk(
    read_rows: RowReader, tmp_path: Path, objects: list[dict[str, Any]], target: int
) -> None:
    path = write_lines(tmp_path / "h.jsonl", objects)
    for rows in (read_rows(DatasetSpec(path)), read_rows(DatasetSpec(path), target)):
        assert len(rows) == len(objects)
        assert all(same_values(row, item) for row, item in zip(present(rows), objects, strict=True))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    objects=st.lists(
        st.fixed_dictionaries({"n": st.integers(-5, 5)}, optional={"s": st.text()}), max_size=20
    ),
    target=st.integers(1, 40),
)
def test_tiny_chunks_of_one_typed_columns_are_exactly_the_whole(
    read_rows: RowReader, tmp_path: Path, objects: list[dict[str, Any]], target: int
) -> None:
    path = write_lines(tmp_path / "h.jsonl", objects)
    whole = read_rows(DatasetSpec(path))
    assert present(read_rows(DatasetSpec(path), target)) == present(whole) == objects


@pytest.mark.parametrize("lines", [["null"], ['{"a": 1}', "null"], ['{"a": 1}', "7"], ['  {"a": 1}', '"s"']])
def test_a_line_that_is_null_or_a_scalar_is_an_error(
    read_rows: RowReader, tmp_path: Path, lines: list[str]
) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ModelwatchError, match=rf"^{path}:{len(lines)}: expected a JSON object, found "):
        read_rows(DatasetSpec(str(path)))


def test_a_key_given_twice_keeps_the_last_value(read_rows: RowReader, tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text('{"a": 1, "a": 2}\n{"a": 3}\n')
    assert read_rows(DatasetSpec(str(path))) == [{"a": 2}, {"a": 3}]


def test_byte_order_mark_and_crlf_line_ends(read_rows: RowReader, tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"a": 1}\r\n\r\n{"a": 2}\r\n')
    assert read_rows(DatasetSpec(str(path))) == [{"a": 1}, {"a": 2}]
    assert read_rows(DatasetSpec(str(path)), 1) == [{"a": 1}, {"a": 2}]
    path.write_bytes(b'\xef\xbb\xbf{"a": 1}\r\n{"a": "x"}\r\n')
    assert read_rows(DatasetSpec(str(path))) == [{"a": "1"}, {"a": "x"}]
