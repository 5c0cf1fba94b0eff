"""Capture records as JSON lines, in the thread that submits them: the part of capture that costs CPU.

The record is built as text, skipping the model's frozen objects (four per record, each field set
through `object.__setattr__`: about a third of the time per record). The common record, each kept
body whole, declared as CSV or JSON and UTF-8, is one C call (`_textkernels.LineEncoder.line`, in
`_capturelines.c`) that reads the exchange and writes byte for byte the line of the format module's
JSON builders; any other (a body cut at the limit, kept as base64, or not UTF-8) goes through those
builders. What repeats from one record to the next is worked out once, in the same C object for
both: the encoding of a content type, the text of the current second, a batch of event ids.
"""

from __future__ import annotations

from modelwatch import _textkernels
from modelwatch.capture.exchange import DEFAULT_CONTENT_TYPE, Exchange
from modelwatch.formats.capture import (
    EVENT_VERSION,
    ContentTypes,
    Mode,
    encode_body,
    metadata_json,
    payload_json,
    record_json_line,
)


class RecordEncoder:
    """`line(exchange)`: one capture file line, as `CaptureRecord.to_json_line()` would write it."""

    def __init__(self, modes: frozenset[str], content_types: ContentTypes, max_body_bytes: int) -> None:
        self.keep_input = "input" in modes
        self.keep_output = "output" in modes
        self.max_body_bytes = max_body_bytes
        self.lines = _textkernels.LineEncoder(
            Exchange,
            self.keep_input,
            self.keep_output,
            max_body_bytes,
            content_types.encoding_for,
            DEFAULT_CONTENT_TYPE,
            EVENT_VERSION,
        )

    def line(self, exchange: Exchange) -> bytes:
        line = self.lines.line(exchange)
        if line is not None:
            return line
        # the general case: a body cut at the limit, kept as base64, or not UTF-8
        return record_json_line(
            self._payload(exchange.input_body, exchange.input_content_type, "INPUT", exchange.input_size)
            if self.keep_input
            else None,
            self._payload(exchange.output_body, exchange.output_content_type, "OUTPUT", exchange.output_size)
            if self.keep_output
            else None,
            metadata_json(
                self.lines.next_event_id(),
                self.lines.time_text(exchange.inference_time),
                exchange.inference_id,
                exchange.custom_attributes,
            ),
            EVENT_VERSION,
        ).encode("utf-8")

    def _payload(self, body: bytes, content_type: str, mode: Mode, size: int) -> str:
        content_type = content_type or DEFAULT_CONTENT_TYPE
        encoding = self.lines.encoding(content_type)
        data, encoding, original_size = encode_body(body, encoding, self.max_body_bytes, size)
        return payload_json(content_type, mode, data, encoding, original_size)
