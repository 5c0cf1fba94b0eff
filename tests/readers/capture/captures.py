"""Writing real capture files for the capture reader's tests."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from modelwatch.formats.capture import CapturedPayload, CaptureRecord, EventMetadata
from modelwatch.readers.capture import CaptureRows, ReadOptions, read_capture_rows

T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
START, END = T0, T0 + timedelta(hours=1)
FEATURES = ["label", "a", "b", "c"]


def payload(
    data: str, encoding: str = "CSV", content_type: str | None = None, mode: str = "INPUT"
) -> CapturedPayload:
    content_type = content_type or {"CSV": "text/csv", "JSON": "application/json"}.get(encoding, "text/csv")
    if encoding == "BASE64":
        data = base64.b64encode(data.encode()).decode()
    return CapturedPayload(content_type, mode, data, encoding)  # type: ignore[arg-type]


def record(
    data_in: str | None,
    data_out: str | None = None,
    *,
    moment: datetime = T0 + timedelta(minutes=1),
    encoding_in: str = "CSV",
    encoding_out: str = "CSV",
    type_in: str | None = None,
    type_out: str | None = None,
    inference_id: str | None = None,
) -> str:
    endpoint_input = None if data_in is None else payload(data_in, encoding_in, type_in)
    endpoint_output = None if data_out is None else payload(data_out, encoding_out, type_out, "OUTPUT")
    metadata = EventMetadata(str(uuid.uuid4()), moment, inference_id=inference_id)
    return CaptureRecord(metadata, endpoint_input, endpoint_output).to_json_line()


def capture_file(root: Path | str, created: datetime, lines: Iterable[str]) -> str:
    """`{root}/yyyy/mm/dd/hh/MM-SS-mmm-uuid.jsonl` holding `lines` (each ending with a newline or not)."""
    name = f"{created:%M-%S}-{created.microsecond // 1000:03d}-{uuid.uuid4()}.jsonl"
    folder = Path(root) / f"{created:%Y/%m/%d/%H}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("".join(lines))
    return str(path)


def read(files: list[str], **options: Any) -> tuple[list[dict[str, Any]], CaptureRows]:
    """Every row, and the result whose problems and counts are complete."""
    result = read_capture_rows(files, START, END, ReadOptions(**options))
    rows = [row for batch in result.batches for row in batch.to_pylist()]
    return rows, result


def json_text(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))
