"""Capture records as JSON lines, in the thread that submits them: the part of capture that costs CPU.

The record is built as text, skipping the model's frozen objects (four per record, each field set
through `object.__setattr__`: about a third of the time per record). The common record, each kept
body whole, declared as CSV or JSON and UTF-8, is one C call (`_textkernels.capture_line`, in
`_capturelines.c`) that writes byte for byte the line of the format module's JSON builders; any
other (a body cut at the limit, kept as base64, or not UTF-8) goes through those builders. What
repeats from one record to the next is worked out once: the encoding of a content type, the text
of the current second, a batch of event ids.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

from modelwatch import _textkernels
from modelwatch.capture.exchange import DEFAULT_CONTENT_TYPE, Exchange
from modelwatch.formats.capture import (
    EVENT_VERSION,
    ContentTypes,
    Encoding,
    Mode,
    encode_body,
    format_inference_time,
    metadata_json,
    payload_json,
    record_json_line,
)

_MAX_CACHED_CONTENT_TYPES = 64  # clients choose content types: the cache must stay bounded

_Side = tuple[str, Mode, bytes, Encoding]
"""A kept side as `_textkernels.capture_line` takes it: (observed content type, mode, body, encoding)."""


class EventIds:
    """Random (version 4) UUID strings, made 256 at a time from one `os.urandom` call:
    `uuid.uuid4()` makes a system call and a UUID object per id, and formatting each id from its
    hex digits cost a microsecond per record. Here each position of the 36-character layout is
    filled for the whole batch by one strided slice assignment."""

    _PER_DRAW = 256
    _TEXT_LENGTH = 36

    def __init__(self) -> None:
        self._batch = ""
        self._at = 0

    def next(self) -> str:
        if self._at >= len(self._batch):
            self._batch = self._draw()
            self._at = 0
        at = self._at
        self._at = at + self._TEXT_LENGTH
        return self._batch[at : at + self._TEXT_LENGTH]

    def _draw(self) -> str:
        count, width = self._PER_DRAW, self._TEXT_LENGTH
        digits = os.urandom(16 * count).hex().encode("ascii")  # 32 random hex digits per id
        text = bytearray(width * count)
        for position, digit in _DIGIT_POSITIONS:
            text[position::width] = digits[digit::32]
        for position in (8, 13, 18, 23):
            text[position::width] = b"-" * count
        text[14::width] = b"4" * count  # the version, in place of digit 12
        text[19::width] = digits[16::32].translate(_UUID_VARIANT)
        return text.decode("ascii")


# (position in the text, random hex digit) of `xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx`
_DIGIT_POSITIONS = (
    *zip(range(0, 8), range(0, 8), strict=True),
    *zip(range(9, 13), range(8, 12), strict=True),
    *zip(range(15, 18), range(13, 16), strict=True),
    *zip(range(20, 23), range(17, 20), strict=True),
    *zip(range(24, 36), range(20, 32), strict=True),
)
_UUID_VARIANT = bytes.maketrans(b"0123456789abcdef", b"89ab89ab89ab89ab")  # the two top bits 10


class RecordEncoder:
    """`line(exchange)`: one capture file line, as `CaptureRecord.to_json_line()` would write it."""

    def __init__(self, modes: frozenset[str], content_types: ContentTypes, max_body_bytes: int) -> None:
        self.keep_input = "input" in modes
        self.keep_output = "output" in modes
        self.content_types = content_types
        self.max_body_bytes = max_body_bytes
        self.event_ids = EventIds()
        self._encodings: dict[str, Encoding] = {}
        self._second = -1
        self._second_text = ""

    def line(self, exchange: Exchange) -> bytes:
        event_id = self.event_ids.next()
        inference_time = self._time_text(exchange.inference_time)
        endpoint_input = endpoint_output = None
        whole_text = True  # every kept body whole and declared as text: the common record
        if self.keep_input:
            endpoint_input = self._side(exchange.input_body, exchange.input_content_type, "INPUT")
            whole_text = exchange.input_size <= self.max_body_bytes and endpoint_input[3] != "BASE64"
        if self.keep_output:
            endpoint_output = self._side(exchange.output_body, exchange.output_content_type, "OUTPUT")
            whole_text = (
                whole_text and exchange.output_size <= self.max_body_bytes and endpoint_output[3] != "BASE64"
            )
        if whole_text:
            line = _textkernels.capture_line(
                endpoint_input,
                endpoint_output,
                event_id,
                inference_time,
                exchange.inference_id,
                exchange.custom_attributes,
                EVENT_VERSION,
            )
            if line is not None:
                return line
            # a body that is not UTF-8: encode_body keeps it as base64
        return record_json_line(
            None if endpoint_input is None else self._payload(endpoint_input, exchange.input_size),
            None if endpoint_output is None else self._payload(endpoint_output, exchange.output_size),
            metadata_json(event_id, inference_time, exchange.inference_id, exchange.custom_attributes),
            EVENT_VERSION,
        ).encode("utf-8")

    def _side(self, body: bytes, content_type: str, mode: Mode) -> _Side:
        content_type = content_type or DEFAULT_CONTENT_TYPE
        encoding = self._encodings.get(content_type)
        if encoding is None:
            if len(self._encodings) >= _MAX_CACHED_CONTENT_TYPES:
                self._encodings.clear()
            encoding = self._encodings[content_type] = self.content_types.encoding_for(content_type)
        return content_type, mode, body, encoding

    def _payload(self, side: _Side, size: int) -> str:
        """The general case: a body cut at the limit, kept as base64, or not UTF-8."""
        content_type, mode, body, encoding = side
        data, encoding, original_size = encode_body(body, encoding, self.max_body_bytes, size)
        return payload_json(content_type, mode, data, encoding, original_size)

    def _time_text(self, moment: float) -> str:
        """`inferenceTime` has whole seconds: records of the same second share its text."""
        second = int(moment // 1)
        if second != self._second:
            self._second = second
            self._second_text = format_inference_time(datetime.fromtimestamp(second, UTC))
        return self._second_text
