"""Shared pieces for reading documents tolerantly and failing with one clear line."""

from __future__ import annotations

import math
from typing import Any, TypeVar

from modelwatch.errors import ModelwatchError

T = TypeVar("T")


class DocumentError(ModelwatchError):
    """A document that is not what it claims to be; the message names the file and the key."""

    @classmethod
    def malformed(cls, source: str, where: str, error: Exception) -> DocumentError:
        detail = f"missing key {error}" if isinstance(error, KeyError) else str(error).splitlines()[0]
        return cls(f"{source}: {where} is malformed: {detail}")


MALFORMED = (KeyError, TypeError, ValueError, AttributeError)
"""What reading a value of the wrong shape raises; `DocumentError.malformed` turns it into one line."""


def expect(value: Any, kind: type[T], source: str, where: str) -> T:
    if not isinstance(value, kind):
        found = "nothing" if value is None else type(value).__name__
        raise DocumentError(f"{source}: {where} should be a {_kind_name(kind)}, found {found}")
    return value


def expect_list(value: Any, source: str, where: str) -> list[Any]:
    return expect(value, list, source, where)


def optional_float(value: Any) -> float | None:
    """A number that may be absent, null or SageMaker's "NaN" string."""
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) else number


def _kind_name(kind: type) -> str:
    return {dict: "JSON object", list: "JSON list", str: "string"}.get(kind, kind.__name__)
