"""What the request path hands to the writer: raw bytes and headers, nothing encoded yet.

`CaptureWriter.submit` encodes it into one JSON line (a few µs for an inference-sized record) and
queues the line; the writer thread only files and uploads lines.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import repeat

from modelwatch.errors import ModelwatchError

CAPTURE_MODES = ("input", "output")
INFERENCE_ID_HEADERS = (b"x-inference-id", b"x-amzn-sagemaker-inference-id")
CUSTOM_ATTRIBUTES_HEADERS = (b"x-amzn-sagemaker-custom-attributes", b"x-custom-attributes")
DEFAULT_CONTENT_TYPE = "application/octet-stream"


@dataclass(slots=True)
class Exchange:
    """One request and its response as seen on the wire; bodies are the kept prefix only."""

    inference_time: float
    input_body: bytes
    input_size: int
    input_content_type: str
    output_body: bytes
    output_size: int
    output_content_type: str
    inference_id: str | None = None
    custom_attributes: str | None = None


class BodyTee:
    """Keeps the first `limit + 1` bytes of a streamed body (enough to tell it was cut) and its size.

    Chunks are kept whole until the limit is reached and cut once, in `body()`: a body that comes in
    one chunk under the limit costs an append, and `body()` returns that chunk itself.
    """

    __slots__ = ("_chunks", "_limit", "size")

    def __init__(self, limit: int) -> None:
        self._limit = limit + 1
        self._chunks: list[bytes] = []
        self.size = 0

    def add(self, chunk: bytes) -> None:
        if self.size < self._limit:
            self._chunks.append(chunk)
        self.size += len(chunk)

    def body(self) -> bytes:
        return b"".join(self._chunks)[: self._limit]


class Sampler:
    """One draw per request; the same draw covers its input and its output.

    `sample()` at 0 or 100% (100% is the default) is a C-level callable that always gives the same
    answer: the proxy draws for every request, and a Python method costs a frame each time.
    """

    def __init__(self, percentage: float, rng: random.Random | None = None) -> None:
        if not 0 <= percentage <= 100:
            raise ModelwatchError(f"sampling percentage must be between 0 and 100, got {percentage}")
        self.percentage = percentage
        self._rng = rng or random.Random()
        self.sample: Callable[[], bool] = (
            repeat(percentage >= 100).__next__ if percentage in (0, 100) else self._draw
        )

    def _draw(self) -> bool:
        return self._rng.random() * 100 < self.percentage


def parse_capture_modes(modes: str | Iterable[str]) -> frozenset[str]:
    """`"input,output"`, `["input"]`, ... → the set of kept sides (SageMaker's CaptureOptions)."""
    items = modes.split(",") if isinstance(modes, str) else list(modes)
    chosen = frozenset(item.strip().lower() for item in items if item.strip())
    unknown = sorted(chosen - set(CAPTURE_MODES))
    if unknown or not chosen:
        raise ModelwatchError(f"--capture: expected input, output or input,output, got {','.join(items)!r}")
    return chosen


def header_value(headers: Iterable[tuple[bytes, bytes]], names: tuple[bytes, ...]) -> str | None:
    """The first of `names` present in raw (lower-cased name) ASGI headers."""
    for name, value in headers:
        if name in names:
            return value.decode("latin-1")
    return None
