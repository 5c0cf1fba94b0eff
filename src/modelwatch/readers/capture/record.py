"""The `inference_record` a SageMaker record preprocessor receives (reference §5.4).

It mirrors SageMaker's `CapturedData`: `endpoint_input` / `endpoint_output` (`.data`, `.encoding`,
`.observedContentType`, `.mode`), `event_metadata` (`.event_id`, `.event_time`, `.inference_id`,
`.custom_attribute`), `event_version`, `as_dict()`, and the older camelCase spelling that SageMaker
samples still use: `inference_record.event_data.endpointInput.encoding`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class EventData:
    data: str | None
    encoding: str | None
    observedContentType: str | None  # noqa: N815 - SageMaker's attribute name
    mode: str | None

    @property
    def observed_content_type(self) -> str | None:
        return self.observedContentType

    @classmethod
    def from_dict(cls, document: Any) -> EventData | None:
        if not isinstance(document, dict):
            return None
        return cls(
            document.get("data"),
            document.get("encoding"),
            document.get("observedContentType"),
            document.get("mode"),
        )


@dataclass(frozen=True)
class EventMetadata:
    event_id: str | None
    event_time: str | None
    inference_id: str | None
    custom_attribute: Any

    @property
    def inference_time(self) -> str | None:
        return self.event_time


@dataclass(frozen=True)
class CapturedEvents:
    """`event_data`: the sides under their JSON names."""

    endpointInput: EventData | None  # noqa: N815
    endpointOutput: EventData | None  # noqa: N815
    batchTransformOutput: EventData | None  # noqa: N815


class InferenceRecord:
    """One capture record as a preprocessor sees it; `as_dict()` is the record's JSON document."""

    def __init__(self, document: dict[str, Any]) -> None:
        self._document = document
        capture = document.get("captureData")
        capture = capture if isinstance(capture, dict) else {}
        metadata = document.get("eventMetadata")
        metadata = metadata if isinstance(metadata, dict) else {}
        self.endpoint_input = EventData.from_dict(capture.get("endpointInput"))
        self.endpoint_output = EventData.from_dict(capture.get("endpointOutput"))
        self.batch_transform_output = EventData.from_dict(capture.get("batchTransformOutput"))
        self.ground_truth = EventData.from_dict(document.get("groundTruthData"))
        self.event_data = CapturedEvents(
            self.endpoint_input, self.endpoint_output, self.batch_transform_output
        )
        self.event_metadata = EventMetadata(
            metadata.get("eventId"),
            metadata.get("inferenceTime"),
            metadata.get("inferenceId"),
            metadata.get("customAttributes"),
        )
        self.event_version = document.get("eventVersion")

    def as_dict(self) -> dict[str, Any]:
        return self._document
