"""One captured payload (`endpointInput` or `endpointOutput`) → rows, in Python, per record.

This is the path for every payload the bulk CSV path does not take: JSON, BASE64, JSON Lines,
CSV with quoted line breaks, and mixed encodings (CSV in, JSON out). BASE64 data is decoded first
and the bytes are read by their observedContentType.
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
import json
from typing import Any

from modelwatch.readers.capture import problems as kinds
from modelwatch.readers.capture.layout import Side
from modelwatch.readers.capture.payloads import Row, json_rows

_JSON_TYPES = ("application/json", "text/json")
_JSON_LINES_TYPES = (
    "application/jsonlines",
    "application/x-jsonlines",
    "application/jsonl",
    "application/x-ndjson",
)
_CSV_TYPES = ("text/csv", "application/csv")


class PayloadProblemError(Exception):
    """A payload that gives no rows: its problem kind and a short detail."""

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail


def side_rows(data: str, encoding: str | None, content_type: str | None, side: Side) -> list[Row]:
    encoding = (encoding or "").upper()
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    if encoding == "BASE64":
        try:
            raw = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError) as error:
            raise PayloadProblemError(kinds.BAD_BASE64, f"{side}: {error}") from error
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise PayloadProblemError(
                kinds.UNPARSABLE_PAYLOAD, f"{side}: decoded bytes are not UTF-8 text"
            ) from error
        kind = _kind_of(media_type)
        if kind is None:
            raise PayloadProblemError(kinds.UNSUPPORTED_CONTENT_TYPE, f"{side}: {content_type or 'none'}")
    elif encoding in ("CSV", "JSON"):
        text = data
        kind = "jsonlines" if media_type in _JSON_LINES_TYPES else encoding.lower()
    else:
        raise PayloadProblemError(kinds.UNSUPPORTED_CONTENT_TYPE, f"{side}: encoding {encoding or 'missing'}")
    if kind == "csv":
        rows: list[Row] = [
            [field if field != "" else None for field in row]
            for row in csv.reader(io.StringIO(text, newline=""))
            if row
        ]
    else:
        rows = []
        for document in [text] if kind == "json" else [line for line in text.splitlines() if line.strip()]:
            rows += _json(document, side)
    if not rows:
        raise PayloadProblemError(kinds.EMPTY_PAYLOAD, side)
    return rows


def _kind_of(media_type: str) -> str | None:
    if media_type in _CSV_TYPES:
        return "csv"
    if media_type in _JSON_TYPES or media_type.endswith("+json"):
        return "json"
    if media_type in _JSON_LINES_TYPES:
        return "jsonlines"
    return None


def _json(text: str, side: Side) -> list[Row]:
    try:
        value: Any = json.loads(text)
    except json.JSONDecodeError as error:
        raise PayloadProblemError(
            kinds.UNPARSABLE_PAYLOAD, f"{side}: not JSON: {error.msg} at column {error.colno}"
        ) from error
    try:
        return json_rows(value, side)
    except (ValueError, TypeError) as error:
        raise PayloadProblemError(kinds.UNPARSABLE_PAYLOAD, f"{side}: {error}") from error
