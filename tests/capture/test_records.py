"""The writer's record encoder writes exactly what the format model writes, and the C line builder
(`_textkernels.capture_line`) exactly what the format module's JSON builders write."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from modelwatch import _textkernels
from modelwatch.capture.exchange import Exchange
from modelwatch.capture.records import RecordEncoder
from modelwatch.formats.capture import (
    EVENT_VERSION,
    CaptureRecord,
    ContentTypes,
    EventMetadata,
    capture_payload,
    format_inference_time,
    metadata_json,
    parse_capture_line,
    payload_json,
    record_json_line,
)

LIMIT = 16
MOMENT = 1_764_379_938.75  # 2025-11-29T01:32:18.75Z
BOTH = frozenset({"input", "output"})


def _model_record(
    exchange: Exchange, event_id: str, modes: frozenset[str], types: ContentTypes
) -> CaptureRecord:
    """The same record through the format model's objects (its time in whole seconds, as written)."""

    def payload(body: bytes, content_type: str, mode: str, size: int):  # type: ignore[no-untyped-def]
        return capture_payload(body, content_type or "application/octet-stream", mode, types, LIMIT, size)  # type: ignore[arg-type]

    return CaptureRecord(
        EventMetadata(
            event_id,
            datetime.fromtimestamp(exchange.inference_time // 1, UTC),
            exchange.inference_id,
            exchange.custom_attributes,
        ),
        payload(exchange.input_body, exchange.input_content_type, "INPUT", exchange.input_size)
        if "input" in modes
        else None,
        payload(exchange.output_body, exchange.output_content_type, "OUTPUT", exchange.output_size)
        if "output" in modes
        else None,
    )


def _check_line(exchange: Exchange, modes: frozenset[str]) -> None:
    """The encoder's line is the model's line for the same record, and parses back to that record."""
    types = ContentTypes()
    line = RecordEncoder(modes, types, LIMIT).line(exchange).decode()
    event_id = json.loads(line)["eventMetadata"]["eventId"]
    record = _model_record(exchange, event_id, modes, types)
    assert line == record.to_json_line()
    assert parse_capture_line(line) == record


EXCHANGES = [
    Exchange(MOMENT, b'{"a": [1, 2]}', 13, "application/json", b"0.5", 3, "text/csv; charset=utf-8"),
    Exchange(MOMENT, b"\xff\x00binary", 8, "image/png", b"", 0, "", 'id-"1"', "k=v\n"),
    Exchange(MOMENT + 0.5, b"1,2,3,4,5,6,7,8,9,10", 40, "text/csv", b"\xe2\x82\xac" * 6, 18, "text/csv"),
    Exchange(MOMENT + 1, "é,ü".encode(), 5, "text/csv", b'{"broken": ', 11, "application/json"),
    Exchange(MOMENT + 2, b"\xff\xfe,1", 4, "text/csv", b"\x80", 1, "application/json"),  # not UTF-8
]


@pytest.mark.parametrize("modes", [BOTH, frozenset({"input"}), frozenset({"output"})])
def test_lines_equal_the_format_models_lines(modes: frozenset[str]) -> None:
    for exchange in EXCHANGES:
        _check_line(exchange, modes)


# Text that needs escaping (a quote, a backslash, control characters), that JSON keeps as it is although
# it looks special (DEL, U+2028) and that is more than one UTF-8 byte, in runs longer than 8 bytes too.
_SPECIAL = st.sampled_from(
    ['"', "\\", "\x00", "\x08", "\x0c", "\n", "\r", "\t", "\x1f", "\x7f", "\u2028", "é", "€", "😀"]
)
_TEXT = st.text(st.characters(codec="utf-8") | _SPECIAL, max_size=40)
_BODY = _TEXT.map(str.encode) | st.binary(max_size=40)  # any bytes: seldom UTF-8 beyond ASCII
_CONTENT_TYPE = st.sampled_from(["application/json", "text/csv; charset=utf-8", "image/png", ""]) | _TEXT
_OPTIONAL_TEXT = st.none() | _TEXT


def _utf8(body: bytes) -> str | None:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return None


@st.composite
def _sides(draw: st.DrawFn, mode: str) -> tuple[str, str, bytes, str] | None:
    if draw(st.booleans()):
        return None
    # repeated, a line goes past the 4 KiB the C builder writes on the stack
    body = draw(_BODY) * draw(st.sampled_from([1, 1, 1, 200]))
    return draw(_CONTENT_TYPE), mode, body, draw(st.sampled_from(["CSV", "JSON"]))


@given(
    endpoint_input=_sides("INPUT"),
    endpoint_output=_sides("OUTPUT"),
    event_id=_TEXT,
    moment=st.datetimes(timezones=st.just(UTC)),
    inference_id=_OPTIONAL_TEXT,
    custom_attributes=_OPTIONAL_TEXT,
    event_version=st.just(EVENT_VERSION) | _TEXT,
)
def test_c_line_is_the_python_builders_line(
    endpoint_input: tuple[str, str, bytes, str] | None,
    endpoint_output: tuple[str, str, bytes, str] | None,
    event_id: str,
    moment: datetime,
    inference_id: str | None,
    custom_attributes: str | None,
    event_version: str,
) -> None:
    """Byte for byte, or None exactly when a body is not UTF-8."""
    inference_time = format_inference_time(moment)
    line = _textkernels.capture_line(
        endpoint_input,
        endpoint_output,
        event_id,
        inference_time,
        inference_id,
        custom_attributes,
        event_version,
    )
    payloads = []
    for side in (endpoint_input, endpoint_output):
        if side is None:
            payloads.append(None)
            continue
        content_type, mode, body, encoding = side
        data = _utf8(body)
        if data is None:
            assert line is None
            return
        payloads.append(payload_json(content_type, mode, data, encoding, None))  # type: ignore[arg-type]
    metadata = metadata_json(event_id, inference_time, inference_id, custom_attributes)
    assert line == record_json_line(*payloads, metadata, event_version).encode("utf-8")


@given(
    modes=st.sampled_from([BOTH, frozenset({"input"}), frozenset({"output"})]),
    moment=st.floats(0, 4e9),
    input_body=_BODY,
    output_body=_BODY,
    input_type=_CONTENT_TYPE,
    output_type=_CONTENT_TYPE,
    inference_id=_OPTIONAL_TEXT,
    custom_attributes=_OPTIONAL_TEXT,
)
def test_every_line_is_the_format_models_line(
    modes: frozenset[str],
    moment: float,
    input_body: bytes,
    output_body: bytes,
    input_type: str,
    output_type: str,
    inference_id: str | None,
    custom_attributes: str | None,
) -> None:
    """Whole bodies (the C builder) and bodies cut at the limit, kept as base64 or not UTF-8 (Python's)."""
    exchange = Exchange(
        moment,
        input_body[: LIMIT + 1],  # what the tee keeps
        len(input_body),
        input_type,
        output_body[: LIMIT + 1],
        len(output_body),
        output_type,
        inference_id,
        custom_attributes,
    )
    _check_line(exchange, modes)


def test_a_text_body_that_is_not_utf8_is_kept_as_base64() -> None:
    side = ("application/json", "INPUT", b'{"a": "\xff"}', "JSON")
    assert (
        _textkernels.capture_line(side, None, "id", "2025-11-29T01:32:18Z", None, None, EVENT_VERSION) is None
    )
    line = RecordEncoder(frozenset({"input"}), ContentTypes(), LIMIT).line(
        Exchange(MOMENT, side[2], len(side[2]), side[0], b"", 0, "")
    )
    assert json.loads(line)["captureData"]["endpointInput"]["encoding"] == "BASE64"


@pytest.mark.parametrize("content_type", ["application/json", "image/png"])  # the C builder, Python's
def test_a_lone_surrogate_raises_as_before(content_type: str) -> None:
    """No UTF-8 for a lone surrogate: encoding the line fails, whichever builder writes it."""
    encoder = RecordEncoder(frozenset({"input"}), ContentTypes(), LIMIT)
    for inference_id, custom_attributes in (("\ud800", None), ("id", "k=\udfff")):
        exchange = Exchange(MOMENT, b"{}", 2, content_type, b"", 0, "", inference_id, custom_attributes)
        with pytest.raises(UnicodeEncodeError):
            encoder.line(exchange)


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
