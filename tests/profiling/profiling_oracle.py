"""An independent, value-by-value oracle for column statistics (plain Python `re` and numpy).

Shared by the profiling tests: it recomputes what a profile must report from the raw values,
without any of the code under test.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

INTEGRAL = re.compile(r"(-|\+)? ?\d+", re.ASCII)
FRACTIONAL = re.compile(r"(-|\+)? ?\d+((\.\d+)|((?:\.\d+)?[Ee][-+]?\d+))", re.ASCII)
NON_FINITE = re.compile(r"[-+]?(nan|inf|infinity)", re.IGNORECASE)
BOOLEAN = re.compile(r"true|false")


@dataclass
class Expected:
    present: int = 0
    missing: int = 0
    integral: int = 0
    fractional: int = 0
    boolean: int = 0
    string: int = 0
    non_finite: int = 0
    numbers: list[float] = field(default_factory=list)
    texts: Counter[str] = field(default_factory=Counter)

    @property
    def inferred_type(self) -> str:
        if self.present == 0:
            return "Unknown"
        if self.string or self.boolean:
            return "String"
        return "Fractional" if self.fractional else "Integral"

    def types(self) -> dict[str, int]:
        return {
            "integral": self.integral,
            "fractional": self.fractional,
            "boolean": self.boolean,
            "string": self.string,
            "non_finite": self.non_finite,
        }


def text_of(value: Any) -> str:
    """How a typed value reads as text in the categorical buckets (Arrow's cast to string)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def expected_of(values: list[Any]) -> Expected:
    """Deequ's rules value by value; typed values (int, float, bool) map their Python type."""
    expected = Expected()
    for value in values:
        if value is None:
            expected.missing += 1
            continue
        expected.present += 1
        expected.texts[text_of(value)] += 1
        if isinstance(value, bool):
            expected.boolean += 1
        elif isinstance(value, int):
            expected.integral += 1
            expected.numbers.append(float(value))
        elif isinstance(value, float):
            expected.fractional += 1
            if math.isfinite(value):
                expected.numbers.append(value)
            else:
                expected.non_finite += 1
        elif INTEGRAL.fullmatch(value):
            expected.integral += 1
            _append_number(expected, value)
        elif NON_FINITE.fullmatch(value):
            expected.fractional += 1
            expected.non_finite += 1
        elif FRACTIONAL.fullmatch(value):
            expected.fractional += 1
            _append_number(expected, value)
        elif BOOLEAN.fullmatch(value):
            expected.boolean += 1
        else:
            expected.string += 1
    return expected


def _append_number(expected: Expected, text: str) -> None:
    """Text that overflows float64 (`1e400`) is of its pattern's type, counted as non-finite."""
    number = float(text.replace(" ", ""))
    if math.isfinite(number):
        expected.numbers.append(number)
    else:
        expected.non_finite += 1


def deequ_edges(low: float, high: float) -> list[float]:
    """Deequ's ten equal-width bucket edges over [low, high]."""
    return [low + (high - low) * i / 10 for i in range(10)] + [high]


def histogram(numbers: list[float] | np.ndarray, low: float, high: float) -> list[float]:
    """Counts per bucket, [lo, hi) except the last bucket, which is closed (numpy's rule too)."""
    values = np.asarray(numbers, dtype=np.float64)
    if low == high:
        return [0.0] * 9 + [float(len(values))]
    counts, _ = np.histogram(values, bins=np.array(deequ_edges(low, high)))
    return [float(count) for count in counts]
