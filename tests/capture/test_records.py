"""The writer's record encoder writes exactly what the format model writes. Its C part,
`_textkernels.LineEncoder`, writes the common record's line exactly as the format module's JSON builders
do, and makes every record's event id and inference time text."""

from __future__ import annotations

import json
import math
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from modelwatch import _textkernels
from modelwatch.capture.exchange import DEFAULT_CONTENT_TYPE, Exchange
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
# repeated, a line goes past the 4 KiB the C builder writes on the stack
_LONG_BODY = st.tuples(_BODY, st.sampled_from([1, 1, 1, 200])).map(lambda pair: pair[0] * pair[1])
_CONTENT_TYPE = st.sampled_from(["application/json", "text/csv; charset=utf-8", "image/png", ""]) | _TEXT
_OPTIONAL_TEXT = st.none() | _TEXT
_MODES = st.sampled_from([BOTH, frozenset({"input"}), frozenset({"output"})])

# The seconds a datetime holds (Python formats no other): 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z.
FIRST_SECOND = -62_135_596_800
LAST_SECOND = 253_402_300_799
_MOMENT = st.floats(FIRST_SECOND, LAST_SECOND)


def _utf8(body: bytes) -> str | None:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _python_time_text(moment: float) -> str:
    """The inference time as the format module writes it: the UTC second of the moment."""
    return format_inference_time(datetime.fromtimestamp(int(moment // 1), UTC))


def _check_event_id(text: str) -> None:
    parsed = uuid.UUID(text)
    assert str(parsed) == text
    assert (parsed.version, parsed.variant) == (4, uuid.RFC_4122)


def _line_encoder(
    modes: frozenset[str],
    limit: int,
    event_version: str = EVENT_VERSION,
    exchange_type: type = Exchange,
) -> _textkernels.LineEncoder:
    return _textkernels.LineEncoder(
        exchange_type,
        "input" in modes,
        "output" in modes,
        limit,
        ContentTypes().encoding_for,
        DEFAULT_CONTENT_TYPE,
        event_version,
    )


def _builders_line(
    exchange: Exchange, modes: frozenset[str], limit: int, event_id: str, event_version: str
) -> bytes | None:
    """The Python builders' line of a common record (each kept body whole, declared as text and UTF-8)
    with this event id; None for any other record."""
    types = ContentTypes()
    payloads = []
    for mode, body, size, declared_type in (
        ("INPUT", exchange.input_body, exchange.input_size, exchange.input_content_type),
        ("OUTPUT", exchange.output_body, exchange.output_size, exchange.output_content_type),
    ):
        if mode.lower() not in modes:
            payloads.append(None)
            continue
        content_type = declared_type or DEFAULT_CONTENT_TYPE
        encoding = types.encoding_for(content_type)
        data = _utf8(body)
        if size > limit or encoding == "BASE64" or data is None:
            return None
        payloads.append(payload_json(content_type, mode, data, encoding, None))  # type: ignore[arg-type]
    time_text = _python_time_text(exchange.inference_time)
    metadata = metadata_json(event_id, time_text, exchange.inference_id, exchange.custom_attributes)
    return record_json_line(*payloads, metadata, event_version).encode("utf-8")


@given(
    modes=_MODES,
    limit=st.integers(0, 48) | st.just(1 << 20),
    input_body=_LONG_BODY,
    output_body=_LONG_BODY,
    input_type=_CONTENT_TYPE,
    output_type=_CONTENT_TYPE,
    moment=_MOMENT,
    inference_id=_OPTIONAL_TEXT,
    custom_attributes=_OPTIONAL_TEXT,
    event_version=st.just(EVENT_VERSION) | _TEXT,
)
def test_c_line_is_the_python_builders_line(
    modes: frozenset[str],
    limit: int,
    input_body: bytes,
    output_body: bytes,
    input_type: str,
    output_type: str,
    moment: float,
    inference_id: str | None,
    custom_attributes: str | None,
    event_version: str,
) -> None:
    """Byte for byte for the same event id and time, or None exactly when the record is not the common one
    (a body past the limit, declared as binary or not UTF-8)."""
    exchange = Exchange(
        moment,
        input_body,
        len(input_body),
        input_type,
        output_body,
        len(output_body),
        output_type,
        inference_id,
        custom_attributes,
    )
    line = _line_encoder(modes, limit, event_version).line(exchange)
    if line is None:
        assert _builders_line(exchange, modes, limit, "", event_version) is None
        return
    event_id = json.loads(line)["eventMetadata"]["eventId"]
    _check_event_id(event_id)
    assert line == _builders_line(exchange, modes, limit, event_id, event_version)


@given(
    modes=_MODES,
    moment=_MOMENT,
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


@pytest.mark.parametrize("size", [LIMIT - 1, LIMIT, LIMIT + 1])
def test_bodies_around_the_limit(size: int) -> None:
    """Whole up to the limit (the C line), cut past it (the Python builders'): the model's line both ways."""
    body = ("é" * size).encode()[:size]  # a cut inside a character too
    tee = body + b"," * (LIMIT + 1 - len(body))  # what the tee keeps
    for modes in (BOTH, frozenset({"input"}), frozenset({"output"})):
        exchange = Exchange(MOMENT, tee[:size], size, "text/csv", tee[:size], size, "application/json")
        line = _line_encoder(modes, LIMIT).line(exchange)
        assert (line is None) == (size > LIMIT or _utf8(tee[:size]) is None)
        _check_line(exchange, modes)


def test_a_text_body_that_is_not_utf8_is_kept_as_base64() -> None:
    body = b'{"a": "\xff"}'
    exchange = Exchange(MOMENT, body, len(body), "application/json", b"", 0, "")
    assert _line_encoder(frozenset({"input"}), LIMIT).line(exchange) is None
    line = RecordEncoder(frozenset({"input"}), ContentTypes(), LIMIT).line(exchange)
    assert json.loads(line)["captureData"]["endpointInput"]["encoding"] == "BASE64"


@pytest.mark.parametrize("content_type", ["application/json", "image/png"])  # the C line, Python's
def test_a_lone_surrogate_raises_as_before(content_type: str) -> None:
    """No UTF-8 for a lone surrogate: encoding the line fails, whichever builder writes it."""
    encoder = RecordEncoder(frozenset({"input"}), ContentTypes(), LIMIT)
    for inference_id, custom_attributes in (("\ud800", None), ("id", "k=\udfff")):
        exchange = Exchange(MOMENT, b"{}", 2, content_type, b"", 0, "", inference_id, custom_attributes)
        with pytest.raises(UnicodeEncodeError):
            encoder.line(exchange)


@dataclass
class _PlainExchange:
    """Not slots: LineEncoder reads its fields by name."""

    inference_time: float
    input_body: bytes
    input_size: int
    input_content_type: str
    output_body: bytes
    output_size: int
    output_content_type: str
    inference_id: str | None = None
    custom_attributes: str | None = None


class _ExchangeSubclass(Exchange):
    __slots__ = ()


def _without_event_id(line: bytes) -> bytes:
    return re.sub(rb'"eventId":"[0-9a-f-]{36}"', b'"eventId":""', line)


def test_fields_read_by_slot_or_by_name_give_the_same_line() -> None:
    """An Exchange's fields are read from their slots; any other object's (another class, a subclass) by
    name, as PyObject_GetAttr reads them."""
    fields = (MOMENT, b'{"a": 1}', 8, "application/json", b"0.5", 3, "text/csv", "id-1", "k=v")
    expected = _without_event_id(_line_encoder(BOTH, LIMIT).line(Exchange(*fields)))
    names = [name for name in Exchange.__dataclass_fields__]
    for exchange_type, exchange in [
        (Exchange, _ExchangeSubclass(*fields)),
        (Exchange, _PlainExchange(*fields)),
        (Exchange, SimpleNamespace(**dict(zip(names, fields, strict=True)))),
        (_PlainExchange, _PlainExchange(*fields)),
        (_PlainExchange, Exchange(*fields)),
    ]:
        line = _line_encoder(BOTH, LIMIT, exchange_type=exchange_type).line(exchange)
        assert _without_event_id(line) == expected
    with pytest.raises(AttributeError):  # a slot never set
        _line_encoder(BOTH, LIMIT).line(Exchange.__new__(Exchange))
    with pytest.raises(AttributeError):
        _line_encoder(BOTH, LIMIT).line(SimpleNamespace(inference_time=MOMENT))


def test_event_ids_are_distinct_version_4_uuids_from_one_generator() -> None:
    """The C line's ids, the Python builders' and next_event_id's, over 40 batches of random bytes."""
    encoder = RecordEncoder(BOTH, ContentTypes(), LIMIT)
    common = Exchange(MOMENT, b"{}", 2, "application/json", b"1", 1, "text/csv")
    binary = Exchange(MOMENT, b"\x89PNG", 4, "image/png", b"1", 1, "text/csv")
    drawn = []
    for index in range(40 * 256):
        if index % 3 == 2:
            drawn.append(encoder.lines.next_event_id())
        else:
            line = encoder.line(common if index % 3 == 0 else binary)
            drawn.append(json.loads(line)["eventMetadata"]["eventId"])
    assert len(set(drawn)) == len(drawn)
    for text in drawn:
        _check_event_id(text)
    assert {text[19] for text in drawn} == set("89ab")


_ANY_MOMENT = (
    st.floats()  # NaN and the infinities, and far past either end of datetime's years
    | st.floats(FIRST_SECOND - 2, FIRST_SECOND + 2)
    | st.floats(LAST_SECOND - 2, LAST_SECOND + 2)
    | st.floats(-4e9, 4e9)
    | st.integers(FIRST_SECOND - 2, LAST_SECOND + 2)
)


@given(moments=st.lists(_ANY_MOMENT, max_size=20))
def test_time_text_is_the_python_formatting(moments: list[float]) -> None:
    """For any time datetime holds, before 1970 too; for any other (outside the years 1 to 9999, which
    Python cannot format, NaN, the infinities), ValueError. One encoder for them all: the text it keeps
    follows the second."""
    lines = _line_encoder(BOTH, LIMIT)
    for moment in moments:
        try:
            expected = _python_time_text(moment)
        except (ValueError, OverflowError, OSError):  # as datetime.fromtimestamp raises them
            with pytest.raises(ValueError, match="not within the years 1 to 9999"):
                lines.time_text(moment)
        else:
            assert lines.time_text(moment) == expected


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (MOMENT, "2025-11-29T01:32:18Z"),
        (0.0, "1970-01-01T00:00:00Z"),
        (-0.25, "1969-12-31T23:59:59Z"),
        (951_782_400.5, "2000-02-29T00:00:00Z"),
        (FIRST_SECOND, "0001-01-01T00:00:00Z"),
        (LAST_SECOND + 0.5, "9999-12-31T23:59:59Z"),
        (FIRST_SECOND - 0.5, None),
        (LAST_SECOND + 1, None),
        (1e20, None),
        (-1e20, None),
        (math.nan, None),
        (math.inf, None),
        (-math.inf, None),
    ],
)
def test_time_text_at_the_edges(moment: float, text: str | None) -> None:
    """Outside datetime's years a record cannot be written, by the C line or the Python builders: the
    writer drops it."""
    encoder = RecordEncoder(BOTH, ContentTypes(), LIMIT)
    for content_type in ("application/json", "image/png"):  # the C line, Python's
        exchange = Exchange(moment, b"{}", 2, content_type, b"", 0, "")
        if text is None:
            with pytest.raises(ValueError, match="not within the years 1 to 9999"):
                encoder.line(exchange)
        else:
            assert json.loads(encoder.line(exchange))["eventMetadata"]["inferenceTime"] == text


def test_time_text_follows_the_second() -> None:
    encoder = RecordEncoder(frozenset({"input"}), ContentTypes(), LIMIT)
    times = []
    for offset in (0.0, 0.2, 1.3, 3599.0, -0.3):
        line = encoder.line(Exchange(MOMENT + offset, b"{}", 2, "application/json", b"", 0, ""))
        times.append(json.loads(line)["eventMetadata"]["inferenceTime"])
    assert times == [
        "2025-11-29T01:32:18Z",
        "2025-11-29T01:32:18Z",
        "2025-11-29T01:32:20Z",
        "2025-11-29T02:32:17Z",
        "2025-11-29T01:32:18Z",
    ]


def test_content_type_cache_is_cleared_when_full() -> None:
    encoder = RecordEncoder(frozenset({"input"}), ContentTypes(), LIMIT)
    counts = []
    for index in range(500):
        line = encoder.line(Exchange(MOMENT, b"x", 1, f"application/x-{index}", b"", 0, ""))
        assert json.loads(line)["captureData"]["endpointInput"]["encoding"] == "BASE64"
        counts.append(encoder.lines.cached_content_types)
    assert counts[:66] == [*range(1, 65), 1, 2]
    assert max(counts) == 64


@given(content_types=st.lists(_CONTENT_TYPE, max_size=300))
def test_content_type_cache_stays_bounded(content_types: list[str]) -> None:
    """Whatever content types clients send, at most 64 are kept, and each gets encoding_for's answer."""
    types = ContentTypes(csv=("text/csv", "text/plain"))
    lines = _textkernels.LineEncoder(
        Exchange, True, True, LIMIT, types.encoding_for, DEFAULT_CONTENT_TYPE, EVENT_VERSION
    )
    for content_type in content_types:
        assert lines.encoding(content_type) == types.encoding_for(content_type)
        assert 1 <= lines.cached_content_types <= 64


def test_the_line_queue_puts_the_line_of_a_common_record_given_by_its_fields() -> None:
    """`LineQueue.put(*fields)` writes the line `line(Exchange(*fields))` writes and queues it with its time;
    what it does not take (a record line() leaves to the builders, a field it cannot read, a full or
    closed queue) it declines with False, raising nothing, and queues nothing."""
    encoder = _line_encoder(BOTH, LIMIT)
    queue = _textkernels.LineQueue(encoder, 2)
    common = (MOMENT, b'{"a": 1}', 8, "application/json", b"0.5", 3, "text/csv", "id-1", None)
    assert queue.put(*common)
    assert not queue.put(MOMENT, b"\x89PNG", 4, "image/png", b"1", 1, "text/csv", None, None)  # base64
    assert not queue.put(MOMENT, b"{}", 2, 7, b"1", 1, "text/csv", None, None)  # a content type not a str
    assert not queue.put("soon", b"{}", 2, "application/json", b"1", 1, "text/csv", None, None)
    with pytest.raises(TypeError):
        queue.put(MOMENT, b"{}")  # not an Exchange's fields: a mistake in the caller, not in the record
    assert queue.append(b"made elsewhere\n", MOMENT + 1)
    assert not queue.put(*common)  # full
    assert (len(queue), queue.submitted) == (2, 2)

    lines, times = queue.take()
    assert _without_event_id(lines[0]) == _without_event_id(encoder.line(Exchange(*common)))
    assert lines[1:] == [b"made elsewhere\n"]
    assert times == [MOMENT, MOMENT + 1]
    assert (len(queue), queue.submitted, queue.take()) == (0, 2, ([], []))
    queue.closed = True
    assert not queue.put(*common)
    assert not queue.append(b"late\n", MOMENT)
    assert len(queue) == 0


def test_the_line_queue_keeps_its_limit_when_encoding_runs_python_code() -> None:
    """Encoding may call Python code (a content type's first encoding_for), where another thread can fill
    the queue: put checks for room again before it queues."""
    queue: _textkernels.LineQueue

    def encoding_for(content_type: str) -> str:
        queue.append(b"from another thread\n", MOMENT)
        return ContentTypes().encoding_for(content_type)

    encoder = _textkernels.LineEncoder(
        Exchange, True, True, LIMIT, encoding_for, DEFAULT_CONTENT_TYPE, EVENT_VERSION
    )
    queue = _textkernels.LineQueue(encoder, 1)
    assert not queue.put(MOMENT, b"{}", 2, "application/json", b"1", 1, "text/csv", None, None)
    assert queue.take() == ([b"from another thread\n"], [MOMENT])
