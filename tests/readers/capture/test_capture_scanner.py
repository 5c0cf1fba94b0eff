"""The C capture scanner against its oracle, Python's json line by line (the reader's own fallback):
the same columns for any block it takes, every plain block taken, and any other declined."""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from modelwatch.readers.capture.decode import BlockLines, _decode_lines, _scanned
from modelwatch.readers.capture.problems import Problems


def oracle(data: bytes) -> pa.Table | None:
    """The block's columns as Python's json reads it, or None when a line is not a JSON object."""
    problems = Problems()
    table, _ = _decode_lines("block.jsonl", BlockLines(data, 1), problems, last=True)
    return None if problems.total else table


def comparable(table: pa.Table) -> dict[str, list[Any]]:
    """The columns, `truncated` absent read as false as the reader does (pyarrow gives null, json false)."""
    columns = {}
    for name, column in zip(table.column_names, table.columns, strict=True):
        values = pc.fill_null(column, False) if name.endswith("truncated") else column
        columns[name] = values.to_pylist()
    return columns


def assert_scanned_as_json(data: bytes) -> pa.Table | None:
    """Whatever the scanner takes, Python's json takes alike; returns what the scanner took."""
    scanned = _scanned(data)
    if scanned is not None:
        expected = oracle(data)
        assert expected is not None, "the scanner took a block that is not JSON objects"
        assert comparable(scanned) == comparable(expected)
    return scanned


TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | TEXT,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(TEXT, children, max_size=4),
    max_leaves=12,
)
NAMES = st.text(st.characters(min_codepoint=32, max_codepoint=126, exclude_characters='"\\'), max_size=12)
"""Names JSON writes without an escape: an escaped one beside the kept fields is declined."""


def kept(fields: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """An object with some of `fields` (each a strategy) and other fields the scanner skips."""
    others = st.dictionaries(NAMES.filter(lambda name: name not in fields), JSON_VALUES, max_size=2)
    return st.tuples(st.fixed_dictionaries({}, optional=fields), others).map(
        lambda pair: {**pair[1], **pair[0]}
    )


SIDE = kept(
    {
        "data": st.none() | TEXT,
        "encoding": st.none() | st.sampled_from(["CSV", "JSON", "BASE64"]),
        "observedContentType": st.none() | TEXT,
        "truncated": st.none() | st.booleans(),
        "mode": st.sampled_from(["INPUT", "OUTPUT"]),
    },
)
RECORDS = kept(
    {
        "captureData": st.none()
        | kept({"endpointInput": st.none() | SIDE, "endpointOutput": st.none() | SIDE}),
        "eventMetadata": st.none() | kept({"inferenceTime": st.none() | TEXT, "eventId": TEXT}),
        "eventVersion": st.just("0"),
    },
)


def lines(records: list[dict[str, Any]], ascii_only: bool, spaced: bool) -> bytes:
    separators = (", ", ": ") if spaced else (",", ":")
    text = "\n".join(json.dumps(record, ensure_ascii=ascii_only, separators=separators) for record in records)
    return text.encode() + b"\n"


@given(st.lists(RECORDS, min_size=1, max_size=8), st.booleans(), st.booleans())
def test_every_plain_block_is_scanned_as_json_reads_it(
    records: list[dict[str, Any]], ascii_only: bool, spaced: bool
) -> None:
    data = lines(records, ascii_only, spaced)
    assert assert_scanned_as_json(data) is not None
    assert assert_scanned_as_json(data.rstrip(b"\n")) is not None  # the last line of a file, unterminated


@given(st.lists(RECORDS, min_size=1, max_size=4), st.data())
@example(records=[{"captureData": {"endpointInput": {"data": "a\u00e9\U0001f600"}}}], data=None)
def test_a_mangled_block_is_declined_unless_json_reads_it_alike(
    records: list[dict[str, Any]], data: st.DataObject | None
) -> None:
    text = bytearray(lines(records, ascii_only=True, spaced=False))
    if data is not None:
        for _ in range(data.draw(st.integers(1, 3))):
            at = data.draw(st.integers(0, len(text) - 1))
            byte = data.draw(st.sampled_from([*b'{}[]":,\\ \n\r\t0-.eEu', 0x00, 0x1F, 0x80, 0xC3, 0xFF]))
            action = data.draw(st.sampled_from(["insert", "replace", "delete"]))
            if action == "insert":
                text.insert(at, byte)
            elif action == "replace":
                text[at] = byte
            else:
                del text[at]
    assert_scanned_as_json(bytes(text))


RECORD = (
    b'{"captureData":{"endpointInput":{"data":"1,2","encoding":"CSV"}},"eventMetadata":{"inferenceTime":"t"}}'
)


@pytest.mark.parametrize(
    "line",
    [
        pytest.param(b"", id="blank line"),
        pytest.param(b"  \t", id="whitespace-only line"),
        pytest.param(b"[1]", id="not an object"),
        pytest.param(b'{"a":01}', id="leading zero"),
        pytest.param(b'{"a":1,}', id="trailing comma"),
        pytest.param(b'{"a":[1,]}', id="trailing comma in an array"),
        pytest.param(b'{"a":NaN}', id="NaN"),
        pytest.param(b'{"a":-Infinity}', id="Infinity"),
        pytest.param(b'{"a":tru}', id="cut literal"),
        pytest.param(b'{"a":"\x01"}', id="raw control character"),
        pytest.param(b'{"a":"\\x"}', id="unknown escape"),
        pytest.param(b'{"a":"\\ud800"}', id="lone high surrogate"),
        pytest.param(b'{"a":"\\udc00"}', id="lone low surrogate"),
        pytest.param(b'{"a":"\xc3"}', id="cut UTF-8 sequence"),
        pytest.param(b'{"a":"\xed\xa0\x80"}', id="UTF-8 surrogate"),
        pytest.param(b'{"a":"\xc0\xaf"}', id="overlong UTF-8"),
        pytest.param(b'{"a":1}{"b":2}', id="two objects on a line"),
        pytest.param(b'{"a":1', id="unterminated"),
        pytest.param(b'{"captureData":{"endpointInput":{"data":5}}}', id="number for kept text"),
        pytest.param(b'{"captureData":{"endpointInput":{"truncated":"no"}}}', id="text for a kept flag"),
        pytest.param(b'{"captureData":[]}', id="array for a kept object"),
        pytest.param(b'{"captureData":{},"captureData":{}}', id="kept field twice"),
        pytest.param(b'{"capture\\u0044ata":{}}', id="escaped name beside kept ones"),
        pytest.param(b'{"a":' + b"[" * 300 + b"]" * 300 + b"}", id="deep nesting"),
    ],
)
def test_anything_but_plain_records_is_declined(line: bytes) -> None:
    assert _scanned(RECORD + b"\n" + line + b"\n" + RECORD + b"\n") is None


def test_unkept_values_with_escapes_and_nesting_are_skipped() -> None:
    line = (
        b'{"x":{"\\u0041":[1,-2.5e+3,0.0,true,false,null,"\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00",{}]},'
        b' "captureData" : { "endpointInput" : {"data":"a\\"b\\u00e9\\ud83d\\ude00","truncated":true} } ,'
        b'"eventMetadata":{"inferenceTime":null}}\r'
    )
    table = assert_scanned_as_json(line + b"\n" + RECORD)
    assert table is not None
    assert table.column("endpointInput.data").to_pylist() == ['a"b\u00e9\U0001f600', "1,2"]
    assert table.column("endpointInput.truncated").to_pylist() == [True, None]
    assert table.column("inferenceTime").to_pylist() == [None, "t"]
    assert table.column("captureData").to_pylist() == [True, True]
