"""The numpy byte scans against plain-Python references, with blocks small enough to split records."""

from __future__ import annotations

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

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
