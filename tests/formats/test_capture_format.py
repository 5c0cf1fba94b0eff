"""The SageMaker capture record: encoding rules, exact keys on writing, tolerant reading."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest

from modelwatch.errors import ModelwatchError
from modelwatch.formats.capture import (
    CaptureRecord,
    ContentTypes,
    EventMetadata,
    capture_payload,
    parse_capture_line,
)

SAGEMAKER_LINE = (
    '{"captureData":{"endpointInput":{"observedContentType":"text/csv","mode":"INPUT",'
    '"data":"132,25,113.2,96,269.9,107\\n","encoding":"CSV"},"endpointOutput":{"observedContentType":'
    '"text/csv; charset=utf-8","mode":"OUTPUT","data":"0.01076381653547287","encoding":"CSV"}},'
    '"eventMetadata":{"eventId":"feca1ab1-8025-47e3-8f6a-99e3fdd7b8d9","inferenceTime":"2019-11-20T23:33:12Z"},'
    '"eventVersion":"0"}'
)
LIMIT = 1024


def test_reads_a_sagemaker_line() -> None:
    record = parse_capture_line(SAGEMAKER_LINE)
    assert record.endpoint_input is not None
    assert record.endpoint_output is not None
    assert record.endpoint_input.data == "132,25,113.2,96,269.9,107\n"
    assert record.endpoint_output.observed_content_type == "text/csv; charset=utf-8"
    assert record.event_metadata.inference_time == datetime(2019, 11, 20, 23, 33, 12, tzinfo=UTC)
    assert record.event_metadata.inference_id is None
    assert json.loads(record.to_json_line()) == json.loads(SAGEMAKER_LINE)


def test_key_order_does_not_matter() -> None:
    document = json.loads(SAGEMAKER_LINE)
    reordered = {key: document[key] for key in reversed(list(document))}
    reordered["captureData"] = {
        name: dict(reversed(list(payload.items())))
        for name, payload in reversed(document["captureData"].items())
    }
    assert parse_capture_line(json.dumps(reordered)) == parse_capture_line(SAGEMAKER_LINE)


def test_writes_exact_sagemaker_keys_compactly() -> None:
    types = ContentTypes()
    record = CaptureRecord(
        EventMetadata("e-1", datetime(2022, 4, 18, 0, 21, 48, 903000, tzinfo=UTC), "inf-1", "a=b"),
        capture_payload(b'{"x": 1}', "application/json", "INPUT", types, LIMIT),
        capture_payload(b"\x00\x01", "image/png", "OUTPUT", types, LIMIT),
    )
    line = record.to_json_line()
    assert line.endswith("}\n")
    assert ": " not in line.replace('{\\"x\\": 1}', "")
    document = json.loads(line)
    assert set(document) == {"captureData", "eventMetadata", "eventVersion"}
    assert document["eventVersion"] == "0"
    assert document["eventMetadata"] == {
        "eventId": "e-1",
        "inferenceTime": "2022-04-18T00:21:48Z",
        "inferenceId": "inf-1",
        "customAttributes": "a=b",
    }
    assert document["captureData"]["endpointInput"] == {
        "observedContentType": "application/json",
        "mode": "INPUT",
        "data": '{"x": 1}',
        "encoding": "JSON",
    }
    assert document["captureData"]["endpointOutput"]["encoding"] == "BASE64"
    assert base64.b64decode(document["captureData"]["endpointOutput"]["data"]) == b"\x00\x01"


@pytest.mark.parametrize(
    ("content_type", "encoding"),
    [
        ("text/csv", "CSV"),
        ("Text/CSV; charset=utf-8", "CSV"),
        ("application/json", "JSON"),
        ("application/json;charset=UTF-8", "JSON"),
        ("application/jsonlines", "BASE64"),
        ("text/html; charset=utf-8", "BASE64"),
        ("", "BASE64"),
    ],
)
def test_encoding_follows_the_configured_content_types(content_type: str, encoding: str) -> None:
    assert capture_payload(b"1,2", content_type, "INPUT", ContentTypes(), LIMIT).encoding == encoding


def test_custom_content_type_lists() -> None:
    types = ContentTypes(csv=("text/plain",), json=("application/jsonlines",))
    assert capture_payload(b"1,2", "text/plain", "INPUT", types, LIMIT).encoding == "CSV"
    assert capture_payload(b"{}", "application/jsonlines", "INPUT", types, LIMIT).encoding == "JSON"
    assert capture_payload(b"1,2", "text/csv", "INPUT", types, LIMIT).encoding == "BASE64"


def test_bytes_that_are_not_text_go_to_base64_whatever_the_declared_type() -> None:
    payload = capture_payload(b"\xff\xfe1,2", "text/csv", "INPUT", ContentTypes(), LIMIT)
    assert payload.encoding == "BASE64"
    assert payload.payload_bytes() == b"\xff\xfe1,2"


def test_invalid_json_text_is_kept_as_it_came() -> None:
    payload = capture_payload(b'{"a": ', "application/json", "INPUT", ContentTypes(), LIMIT)
    assert (payload.encoding, payload.data) == ("JSON", '{"a": ')


def test_truncation_is_noted_and_a_cut_character_dropped() -> None:
    body = ("é" * 600).encode()  # 2 bytes per character: a limit of 1023 bytes cuts the 512th
    payload = capture_payload(body + b"x", "text/csv", "INPUT", ContentTypes(), 1023)
    assert payload.truncated
    assert payload.original_size_bytes == 1201
    assert payload.encoding == "CSV"
    assert payload.data == "é" * 511
    document = payload.to_dict()
    assert document["truncated"] is True
    assert document["originalSizeBytes"] == 1201


def test_size_of_a_body_known_only_in_part() -> None:
    payload = capture_payload(b"abc", "application/octet-stream", "OUTPUT", ContentTypes(), 2, size=10_000)
    assert payload.original_size_bytes == 10_000
    assert payload.payload_bytes() == b"ab"


def test_custom_attributes_as_a_list_are_read() -> None:
    document = json.loads(SAGEMAKER_LINE)
    document["eventMetadata"]["customAttributes"] = ["a=1", "b=2"]
    assert parse_capture_line(json.dumps(document)).event_metadata.custom_attributes == "a=1,b=2"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "f.jsonl:3: not valid JSON"),
        ("[]", "f.jsonl:3: expected a JSON object"),
        ('{"eventMetadata": {}}', "f.jsonl:3: missing the captureData object"),
        (
            SAGEMAKER_LINE.replace('"mode":"INPUT"', '"mode":"IN"'),
            "f.jsonl:3.captureData.endpointInput.mode: expected INPUT or OUTPUT",
        ),
        (SAGEMAKER_LINE.replace('"encoding":"CSV"', '"encoding":"XML"', 1), "endpointInput.encoding"),
        (SAGEMAKER_LINE.replace("2019-11-20T23:33:12Z", "yesterday"), "eventMetadata.inferenceTime"),
        (SAGEMAKER_LINE.replace('"eventId"', '"id"'), "f.jsonl:3.eventMetadata.eventId: expected a string"),
    ],
)
def test_bad_records_are_one_line_errors_naming_the_place(line: str, message: str) -> None:
    with pytest.raises(ModelwatchError, match=message.replace(".", r"\.")) as caught:
        parse_capture_line(line, "f.jsonl:3")
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    "text", ["plain", 'quote " and \\ backslash', "tab\tnew\nline\x00\x1f", "ünï €😀", "\u2028"]
)
def test_json_line_is_exactly_the_json_of_the_document(text: str) -> None:
    types = ContentTypes(csv=("text/csv",))
    record = CaptureRecord(
        EventMetadata(text, datetime(2022, 4, 18, tzinfo=UTC), text, text),
        capture_payload(text.encode(), "text/csv", "INPUT", types, 3),
        capture_payload(text.encode(), text, "OUTPUT", types, LIMIT),
    )
    line = record.to_json_line()
    assert line == json.dumps(record.to_dict(), separators=(",", ":"), ensure_ascii=False) + "\n"
    assert parse_capture_line(line) == record
