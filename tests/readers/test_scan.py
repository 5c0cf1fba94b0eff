"""The byte scans (a C kernel, numpy) against plain-Python references and Python's csv module, with
blocks small enough to split records."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from modelwatch import _textkernels
from modelwatch.readers import scan


@pytest.fixture(autouse=True)
def tiny_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scan, "_FIRST_BLOCK", 3)
    monkeypatch.setattr(scan, "_MAX_BLOCK", 7)


def reference_cuts(data: bytes, wanted: list[int]) -> list[tuple[int, int]]:
    """Byte by byte: after each newline outside quotes, the next offset is a record boundary."""
    boundaries, quotes, line = [], 0, 1
    for offset, byte in enumerate(data):
        quotes += byte == ord('"')
        if byte == ord("\n"):
            line += 1
            if quotes % 2 == 0:
                boundaries.append((offset + 1, line))
    cuts = [next((b for b in boundaries if b[0] > w), None) for w in wanted]
    return list(dict.fromkeys(cut for cut in cuts if cut is not None))


@given(
    data=st.binary(max_size=200).map(lambda b: b.translate(bytes(b'"\n,a'[i % 4] for i in range(256)))),
    step=st.integers(1, 30),
)
def test_record_cuts_match_a_byte_by_byte_scan(data: bytes, step: int) -> None:
    wanted = list(range(0, len(data), step))
    assert scan.record_cuts(io.BytesIO(data), wanted) == reference_cuts(data, wanted)


def test_record_cuts_from_a_later_start() -> None:
    data = b'h\n1,"a\nb"\n2\n3\n'
    assert scan.record_cuts(io.BytesIO(data), [2, 5, 11], start=2, start_line=2) == [(10, 4), (12, 5)]


def csv_bytes(alphabet: bytes, max_size: int) -> st.SearchStrategy[bytes]:
    return st.binary(max_size=max_size).map(
        lambda b: b.translate(bytes(alphabet[i % len(alphabet)] for i in range(256)))
    )


def reference_ends(data: bytes, offset: int, wanted: list[int], quoted: bool) -> tuple[list, int, bool]:
    """`record_ends` byte by byte: every record-ending newline, then the first at or past each offset."""
    ends, quotes, newlines = [], int(quoted), 0
    for index, byte in enumerate(data):
        quotes += byte == ord('"')
        if byte == ord("\n"):
            newlines += 1
            if quotes % 2 == 0:
                ends.append((index, newlines))
    found = []
    for target in wanted:
        end = next((end for end in ends if end[0] >= target - offset), None)
        if end is None:
            break
        found.append(end)
    return found, newlines, quotes % 2 == 1


@given(
    data=csv_bytes(b'"\n\r,ab', 3000),
    offset=st.integers(0, 50),
    wanted=st.lists(st.integers(0, 3100), max_size=8).map(sorted),
    quoted=st.booleans(),
)
def test_record_ends_kernel_matches_a_byte_by_byte_scan(
    data: bytes, offset: int, wanted: list[int], quoted: bool
) -> None:
    """Texts longer than the kernel's 240-byte counting groups, offsets before, inside and past them."""
    ends, newlines, ends_quoted = _textkernels.record_ends(data, offset, wanted, quoted)
    expected_ends, expected_newlines, expected_quoted = reference_ends(data, offset, wanted, quoted)
    assert ends == expected_ends
    if len(ends) < len(wanted) or not wanted:
        assert (newlines, ends_quoted) == (expected_newlines, expected_quoted)


@given(
    rows=st.lists(st.lists(st.text(alphabet='ab,"\n\r ', max_size=6), min_size=1, max_size=3), max_size=12),
    line_end=st.sampled_from(["\n", "\r\n"]),
    quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]),
    trailing_line_end=st.booleans(),
)
def test_record_cuts_find_the_records_pythons_csv_module_writes(
    rows: list[list[str]], line_end: str, quoting: int, trailing_line_end: bool
) -> None:
    """Quoted newlines and carriage returns, escaped quotes, CRLF, no line end after the last record:
    every record's end is a cut (the next record's start), on the line of its next byte, and nothing
    else is."""
    records = []
    for row in rows:
        text = io.StringIO()
        csv.writer(text, lineterminator=line_end, quoting=quoting).writerow(row)
        records.append(text.getvalue().encode())
    data = b"".join(records)
    if not trailing_line_end:
        data = data.removesuffix(b"\n")
    boundaries = [sum(map(len, records[:index])) for index in range(1, len(records) + 1)]
    expected = [(offset, data[:offset].count(b"\n") + 1) for offset in boundaries if offset <= len(data)]
    assert scan.record_cuts(io.BytesIO(data), range(len(data))) == expected


_TEXT = st.text(alphabet="ab\né€𝄞", max_size=40)


@given(before=_TEXT, bad=st.sampled_from([b"\xff", b"\xc3", b"\xe2\x82", b"\xed\xa0\x80"]), after=_TEXT)
def test_first_invalid_utf8_finds_the_offset_across_blocks(before: str, bad: bytes, after: str) -> None:
    data = before.encode() + bad + after.encode()
    expected = len(before.encode())
    assert scan.first_invalid_utf8(io.BytesIO(data), 0, len(data)) == expected
    assert scan.first_invalid_utf8(io.BytesIO(b"xx" + data), 2, len(data) + 2) == expected + 2


@given(text=_TEXT)
def test_valid_utf8_has_no_invalid_offset(text: str) -> None:
    data = text.encode()
    assert scan.first_invalid_utf8(io.BytesIO(data), 0, len(data)) is None


def test_nth_record_offset_skips_empty_lines_and_quoted_newlines() -> None:
    data = b'1,"a\n\nb"\n\n\r\n2,x\n3,y'
    records = [scan.nth_record_offset(io.BytesIO(data), 0, len(data), n) for n in (1, 2, 3)]
    assert records == [0, data.index(b"2,x"), data.index(b"3,y")]
    assert scan.line_of(io.BytesIO(data), records[2]) == 7
