"""What was wrong with the captured data, counted per kind with the first few places it happened.

Bad records never stop a read: each one is counted and skipped, and the report shows the counts
with `file:line` examples, so a user can open the exact record.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

TRUNCATED_LINE = "truncated line"
NOT_JSON = "not JSON"
NOT_A_RECORD = "not a capture record"
MISSING_CAPTURE_DATA = "missing captureData"
BAD_INFERENCE_TIME = "bad inferenceTime"
BAD_BASE64 = "bad base64"
TRUNCATED_PAYLOAD = "truncated payload"
UNSUPPORTED_CONTENT_TYPE = "unsupported content type"
UNPARSABLE_PAYLOAD = "unparsable payload"
WRONG_FIELD_COUNT = "wrong field count"
ROW_COUNT_MISMATCH = "input/output row count mismatch"
EMPTY_PAYLOAD = "empty payload"
PREPROCESSOR_ERROR = "preprocessor error"


@dataclass
class Problems:
    """Counts per kind, and up to `max_examples` examples (`file:line: detail`) per kind."""

    max_examples: int = 5
    counts: dict[str, int] = field(default_factory=dict)
    examples: dict[str, list[str]] = field(default_factory=dict)

    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, kind: str, where: str, detail: str = "") -> None:
        """Count one problem at `where`; thread-safe, as blocks are decoded in a worker thread."""
        with self._lock:
            self.counts[kind] = self.counts.get(kind, 0) + 1
            examples = self.examples.setdefault(kind, [])
            if len(examples) < self.max_examples:
                examples.append(f"{where}: {detail}" if detail else where)

    def __getstate__(self) -> dict[str, Any]:
        """Picklable (a worker process sends its problems back): everything but the lock."""
        return {"max_examples": self.max_examples, "counts": self.counts, "examples": self.examples}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def merge(self, other: Problems) -> None:
        """Add another read's problems (a worker's), keeping at most `max_examples` examples per kind."""
        for kind, count in other.counts.items():
            self.counts[kind] = self.counts.get(kind, 0) + count
            examples = self.examples.setdefault(kind, [])
            examples += other.examples.get(kind, [])[: max(0, self.max_examples - len(examples))]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            kind: {"count": count, "examples": list(self.examples.get(kind, []))}
            for kind, count in self.counts.items()
        }

    def summary_lines(self) -> list[str]:
        """One line per kind, most frequent first: `3 × wrong field count (e.g. f.jsonl:12: ...)`."""
        lines = []
        for kind, count in sorted(self.counts.items(), key=lambda item: (-item[1], item[0])):
            examples = self.examples.get(kind, [])
            shown = f" (e.g. {'; '.join(examples)})" if examples else ""
            lines.append(f"{count} × {kind}{shown}")
        return lines
