"""The writer's record encoder writes exactly what the format model writes."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from modelwatch.capture.exchange import Exchange
from modelwatch.capture.records import RecordEncoder
from modelwatch.formats.capture import (
    CaptureRecord,
    ContentTypes,
    EventMetadata,
    capture_payload,
    parse_capture_line,
)

LIMIT = 16
MOMENT = 1_764_379_938.75  # 2025-11-29T01:32:18.75Z


def _model_line(exchange: Exchange, event_id: str, modes: frozenset[str], types: ContentTypes) -> str:
    """The same record through the format model's objects."""

    def payload(body: bytes, content_type: str, mode: str, size: int):  # type: ignore[no-untyped-def]
        return capture_payload(body, content_type or "application/octet-stream", mode, types, LIMIT, size)  # type: ignore[arg-type]

    return CaptureRecord(
        EventMetadata(
            event_id,
            datetime.fromtimestamp(exchange.inference_time, UTC),
            exchange.inference_id,
            exchange.custom_attributes,
        ),
        payload(exchange.input_body, exchange.input_content_type, "INPUT", exchange.input_size)
        if "input" in modes
        else None,
        payload(exchange.output_body, exchange.output_content_type, "OUTPUT", exchange.output_size)
        if "output" in modes
        else None,
    ).to_json_line()


EXCHANGES = [
    Exchange(MOMENT, b'{"a": [1, 2]}', 13, "application/json", b"0.5", 3, "text/csv; charset=utf-8"),
    Exchange(MOMENT, b"\xff\x00binary", 8, "image/png", b"", 0, "", 'id-"1"', "k=v\n"),
    Exchange(MOMENT + 0.5, b"1,2,3,4,5,6,7,8,9,10", 40, "text/csv", b"\xe2\x82\xac" * 6, 18, "text/csv"),
    Exchange(MOMENT + 1, "é,ü".encode(), 5, "text/csv", b'{"broken": ', 11, "application/json"),
    Exchange(MOMENT + 2, b"\xff\xfe,1", 4, "text/csv", b"\x80", 1, "application/json"),  # not UTF-8
]


@pytest.mark.parametrize(
    "modes", [frozenset({"input", "output"}), frozenset({"input"}), frozenset({"output"})]
)
def test_lines_equal_the_format_models_lines(modes: frozenset[str]) -> None:
    types = ContentTypes()
    encoder = RecordEncoder(modes, types, LIMIT)
    for exchange in EXCHANGES:
        line = encoder.line(exchange).decode()
        event_id = json.loads(line)["eventMetadata"]["eventId"]
        assert line == _model_line(exchange, event_id, modes, types)
        parse_capture_line(line)


def test_time_text_follows_the_second_and_content_type_cache_stays_bounded() -> None:
    encoder = RecordEncoder(frozenset({"input"}), ContentTypes(), LIMIT)
    times = []
    for offset in (0.0, 0.2, 1.3, 3599.0):
        line = encoder.line(Exchange(MOMENT + offset, b"{}", 2, "application/json", b"", 0, ""))
        times.append(json.loads(line)["eventMetadata"]["inferenceTime"])
    assert times == [
        "2025-11-29T01:32:18Z",
        "2025-11-29T01:32:18Z",
        "2025-11-29T01:32:20Z",
        "2025-11-29T02:32:17Z",
    ]
    for index in range(500):
        line = encoder.line(Exchange(MOMENT, b"x", 1, f"application/x-{index}", b"", 0, ""))
        assert json.loads(line)["captureData"]["endpointInput"]["encoding"] == "BASE64"
    assert len(encoder._encodings) <= 64
