"""The SageMaker data-capture record: one compact JSON object per line of a capture file.

Writing uses SageMaker's exact key names; reading looks keys up by name, so key order never matters.
One key goes past SageMaker: a payload cut at the capture size limit carries `"truncated": true`
and `"originalSizeBytes"` beside its four SageMaker keys, so a reader knows the data is partial.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from modelwatch.errors import ModelwatchError

_quote: Callable[[str], str] = json.encoder.encode_basestring  # type: ignore[attr-defined]

Encoding = Literal["CSV", "JSON", "BASE64"]
Mode = Literal["INPUT", "OUTPUT"]

DEFAULT_CSV_CONTENT_TYPES: tuple[str, ...] = ("text/csv",)
DEFAULT_JSON_CONTENT_TYPES: tuple[str, ...] = ("application/json",)
EVENT_VERSION = "0"
_ENCODINGS = ("CSV", "JSON", "BASE64")


@dataclass(frozen=True, slots=True)
class ContentTypes:
    """Which content types are kept as text (SageMaker's `CaptureContentTypeHeader`)."""

    csv: tuple[str, ...] = DEFAULT_CSV_CONTENT_TYPES
    json: tuple[str, ...] = DEFAULT_JSON_CONTENT_TYPES

    def encoding_for(self, content_type: str) -> Encoding:
        """`text/csv; charset=utf-8` matches `text/csv`: only the media type counts."""
        media_type = content_type.split(";", 1)[0].strip().lower()
        if media_type in self.csv:
            return "CSV"
        if media_type in self.json:
            return "JSON"
        return "BASE64"


@dataclass(frozen=True, slots=True)
class CapturedPayload:
    """`endpointInput` or `endpointOutput`."""

    observed_content_type: str
    mode: Mode
    data: str
    encoding: Encoding
    original_size_bytes: int | None = None

    @property
    def truncated(self) -> bool:
        return self.original_size_bytes is not None

    def payload_bytes(self) -> bytes:
        """The captured bytes (the first ones only, when truncated)."""
        if self.encoding == "BASE64":
            return base64.b64decode(self.data)
        return self.data.encode("utf-8")

    def to_json(self) -> str:
        """`to_dict()` as compact JSON."""
        return payload_json(
            self.observed_content_type, self.mode, self.data, self.encoding, self.original_size_bytes
        )

    def to_dict(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "observedContentType": self.observed_content_type,
            "mode": self.mode,
            "data": self.data,
            "encoding": self.encoding,
        }
        if self.original_size_bytes is not None:
            document["truncated"] = True
            document["originalSizeBytes"] = self.original_size_bytes
        return document

    @classmethod
    def from_dict(cls, document: Any, where: str) -> CapturedPayload:
        if not isinstance(document, dict):
            raise ModelwatchError(f"{where}: expected an object")
        mode = _require_str(document, "mode", where)
        encoding = _require_str(document, "encoding", where)
        if mode not in ("INPUT", "OUTPUT"):
            raise ModelwatchError(f"{where}.mode: expected INPUT or OUTPUT, got {mode!r}")
        if encoding.upper() not in _ENCODINGS:
            raise ModelwatchError(f"{where}.encoding: expected CSV, JSON or BASE64, got {encoding!r}")
        original_size = document.get("originalSizeBytes")
        return cls(
            observed_content_type=str(document.get("observedContentType", "")),
            mode=mode,
            data=_require_str(document, "data", where),
            encoding=encoding.upper(),  # type: ignore[arg-type]
            original_size_bytes=original_size if isinstance(original_size, int) else None,
        )


@dataclass(frozen=True, slots=True)
class EventMetadata:
    event_id: str
    inference_time: datetime
    inference_id: str | None = None
    custom_attributes: str | None = None

    def to_json(self) -> str:
        return metadata_json(
            self.event_id,
            format_inference_time(self.inference_time),
            self.inference_id,
            self.custom_attributes,
        )

    def to_dict(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "eventId": self.event_id,
            "inferenceTime": format_inference_time(self.inference_time),
        }
        if self.inference_id is not None:
            document["inferenceId"] = self.inference_id
        if self.custom_attributes is not None:
            document["customAttributes"] = self.custom_attributes
        return document

    @classmethod
    def from_dict(cls, document: Any, where: str) -> EventMetadata:
        if not isinstance(document, dict):
            raise ModelwatchError(f"{where}: expected an object")
        inference_id = document.get("inferenceId")
        custom_attributes = document.get("customAttributes")
        return cls(
            event_id=_require_str(document, "eventId", where),
            inference_time=parse_inference_time(_require_str(document, "inferenceTime", where), where),
            inference_id=None if inference_id is None else str(inference_id),
            custom_attributes=None if custom_attributes is None else _attributes_text(custom_attributes),
        )


@dataclass(frozen=True, slots=True)
class CaptureRecord:
    event_metadata: EventMetadata
    endpoint_input: CapturedPayload | None = None
    endpoint_output: CapturedPayload | None = None
    event_version: str = EVENT_VERSION

    def to_dict(self) -> dict[str, Any]:
        capture_data: dict[str, Any] = {}
        if self.endpoint_input is not None:
            capture_data["endpointInput"] = self.endpoint_input.to_dict()
        if self.endpoint_output is not None:
            capture_data["endpointOutput"] = self.endpoint_output.to_dict()
        return {
            "captureData": capture_data,
            "eventMetadata": self.event_metadata.to_dict(),
            "eventVersion": self.event_version,
        }

    def to_json_line(self) -> str:
        """Compact JSON with a trailing newline, as in SageMaker's files (equal to `to_dict()`)."""
        return record_json_line(
            None if self.endpoint_input is None else self.endpoint_input.to_json(),
            None if self.endpoint_output is None else self.endpoint_output.to_json(),
            self.event_metadata.to_json(),
            self.event_version,
        )

    @classmethod
    def from_dict(cls, document: Any, where: str = "record") -> CaptureRecord:
        if not isinstance(document, dict):
            raise ModelwatchError(f"{where}: expected a JSON object")
        capture_data = document.get("captureData")
        if not isinstance(capture_data, dict):
            raise ModelwatchError(f"{where}: missing the captureData object")
        endpoint_input = capture_data.get("endpointInput")
        endpoint_output = capture_data.get("endpointOutput")
        return cls(
            event_metadata=EventMetadata.from_dict(document.get("eventMetadata"), f"{where}.eventMetadata"),
            endpoint_input=None
            if endpoint_input is None
            else CapturedPayload.from_dict(endpoint_input, f"{where}.captureData.endpointInput"),
            endpoint_output=None
            if endpoint_output is None
            else CapturedPayload.from_dict(endpoint_output, f"{where}.captureData.endpointOutput"),
            event_version=str(document.get("eventVersion", EVENT_VERSION)),
        )


def parse_capture_line(line: str | bytes, where: str = "record") -> CaptureRecord:
    """Parse one line of a capture file; `where` names it in errors (e.g. `file.jsonl:12`)."""
    try:
        document = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ModelwatchError(f"{where}: not valid JSON: {error}") from error
    return CaptureRecord.from_dict(document, where)


def capture_payload(
    body: bytes,
    content_type: str,
    mode: Mode,
    content_types: ContentTypes,
    limit: int,
    size: int | None = None,
) -> CapturedPayload:
    """Encode a body by its declared content type; bytes that are not UTF-8 text go to BASE64.

    `size` is the full body's size when `body` holds only its first bytes (a tee that stopped
    keeping); past `limit` bytes the payload is cut and the record says so. Text that is not valid
    for its type (say, broken JSON) is kept as it came: the record is a faithful copy, judging it is
    the reader's job.
    """
    data, encoding, original_size = encode_body(body, content_types.encoding_for(content_type), limit, size)
    return CapturedPayload(content_type, mode, data, encoding, original_size)


def encode_body(
    body: bytes, encoding: Encoding, limit: int, size: int | None = None
) -> tuple[str, Encoding, int | None]:
    """`(data, encoding, original size when cut)` of a body whose content type asks for `encoding`."""
    size = len(body) if size is None else size
    original_size = None
    if size > limit:
        original_size = size
        body = body[:limit]
    if encoding != "BASE64":
        text = _utf8_text(body, cut=original_size is not None)
        if text is not None:
            return text, encoding, original_size
    return base64.b64encode(body).decode("ascii"), "BASE64", original_size


# The JSON text of a record, built directly (they run once per captured record): the model's
# to_json methods and the capture writer, which skips building the model's objects, both use them.


def payload_json(
    observed_content_type: str, mode: Mode, data: str, encoding: Encoding, original_size_bytes: int | None
) -> str:
    text = (
        f'{{"observedContentType":{_quote(observed_content_type)},"mode":"{mode}",'
        f'"data":{_quote(data)},"encoding":"{encoding}"'
    )
    if original_size_bytes is not None:
        text += f',"truncated":true,"originalSizeBytes":{int(original_size_bytes)}'
    return text + "}"


def metadata_json(
    event_id: str, inference_time: str, inference_id: str | None, custom_attributes: str | None
) -> str:
    """`inference_time` already formatted (`format_inference_time`)."""
    text = f'{{"eventId":{_quote(event_id)},"inferenceTime":"{inference_time}"'
    if inference_id is not None:
        text += f',"inferenceId":{_quote(inference_id)}'
    if custom_attributes is not None:
        text += f',"customAttributes":{_quote(custom_attributes)}'
    return text + "}"


def record_json_line(
    endpoint_input: str | None, endpoint_output: str | None, event_metadata: str, event_version: str
) -> str:
    """One line of a capture file from the JSON text of its parts."""
    if endpoint_input is None:
        capture_data = "" if endpoint_output is None else '"endpointOutput":' + endpoint_output
    elif endpoint_output is None:
        capture_data = '"endpointInput":' + endpoint_input
    else:
        capture_data = '"endpointInput":' + endpoint_input + ',"endpointOutput":' + endpoint_output
    return (
        f'{{"captureData":{{{capture_data}}},"eventMetadata":{event_metadata},'
        f'"eventVersion":{_quote(event_version)}}}\n'
    )


def format_inference_time(moment: datetime) -> str:
    """`2022-04-18T00:21:48Z`. Runs once per captured record: %-formatting the fields costs a
    fifth of `astimezone().strftime()`, which took a third of the capture writer's time per record."""
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    return "%04d-%02d-%02dT%02d:%02d:%02dZ" % (  # noqa: UP031 - half the time of an f-string here
        moment.year,
        moment.month,
        moment.day,
        moment.hour,
        moment.minute,
        moment.second,
    )


def parse_inference_time(text: str, where: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        raise ModelwatchError(f"{where}.inferenceTime: not an ISO-8601 time: {text!r}") from error
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _utf8_text(body: bytes, cut: bool) -> str | None:
    """Decode UTF-8; a body cut at the limit may end inside a character, which is dropped."""
    for trim in range(4 if cut else 1):
        try:
            return body[: len(body) - trim].decode("utf-8")
        except UnicodeDecodeError:
            continue
    return None


def _require_str(document: dict[str, Any], key: str, where: str) -> str:
    value = document.get(key)
    if not isinstance(value, str):
        raise ModelwatchError(f"{where}.{key}: expected a string")
    return value


def _attributes_text(value: Any) -> str:
    """Some SageMaker samples type customAttributes as a list of strings; we keep one string."""
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    return str(value)
