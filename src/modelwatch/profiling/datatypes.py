"""Deequ's data types, decided per value and counted per column.

A text value is Integral if it matches `^(-|\\+)? ?[0-9]+$`, Fractional if it matches
`^(-|\\+)? ?[0-9]+((\\.[0-9]+)|((?:\\.[0-9]+)?[Ee][-+]?[0-9]+))$`, Boolean if it is `true` or `false`,
otherwise String (ASCII digits only: `٣` is String). modelwatch adds one documented rule:
`nan`, `inf`, `-inf` and `infinity` (any case) are Fractional values that are *non-finite*: they are
counted, but kept out of the moments and the quantile sketch. Typed sources (Parquet, JSON numbers)
map their Arrow types directly: integers are Integral, floats Fractional, booleans Boolean.

Every function takes whole Arrow arrays. Text is classified by a C kernel (`_textkernels.c`) that
applies those patterns and parses the numbers in one pass over the array's buffers; the patterns
themselves are the oracle of its tests.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pyarrow as pa

from modelwatch import _textkernels


@dataclass
class TypeCounts:
    """How many present values of a column are of each type; `non_finite` is a subset of `fractional`."""

    integral: int = 0
    fractional: int = 0
    boolean: int = 0
    string: int = 0
    non_finite: int = 0

    @property
    def present(self) -> int:
        return self.integral + self.fractional + self.boolean + self.string

    def add(self, other: TypeCounts) -> None:
        for field in fields(self):
            setattr(self, field.name, getattr(self, field.name) + getattr(other, field.name))

    def inferred_type(self) -> str:
        """Deequ's `determineType`, with Boolean reported as String (SageMaker has no Boolean type)."""
        if self.present == 0:
            return "Unknown"
        if self.string > 0 or self.boolean > 0:
            return "String"
        if self.fractional > 0:
            return "Fractional"
        return "Integral"

    def matching(self, inferred_type: str) -> int:
        """Number of values that conform to `inferred_type` (Integral values conform to Fractional)."""
        if inferred_type == "Integral":
            return self.integral
        if inferred_type == "Fractional":
            return self.integral + self.fractional
        return self.present

    def to_dict(self) -> dict[str, int]:
        return {field.name: getattr(self, field.name) for field in fields(self)}


@dataclass
class Classified:
    """The types of one batch of a column and its numeric values as float64 (finite ones only)."""

    counts: TypeCounts
    numbers: np.ndarray
    weights: np.ndarray | None = None
    """When set, `numbers` are the distinct values and `weights` how often each occurs."""


WEIGHTED_MIN_VALUES = 2048
"""Batches with more values than this (and their value counts known) return their numbers as distinct
values with counts: cheaper to sketch, and exact. Smaller ones return every value, in order."""


def classify(values: pa.Array, uniques: pa.Array | None = None, counts: pa.Array | None = None) -> Classified:
    """Classify the present `values` of one column batch (only text may hold nulls: they are skipped).

    `uniques`/`counts` (the value counts of `values`, when the caller has them) let a batch of more than
    WEIGHTED_MIN_VALUES values be classified through its distinct values, its numbers returned as
    distinct values with weights.
    """
    kind = values.type
    present = len(values) - values.null_count
    weighted = uniques is not None and counts is not None and present > WEIGHTED_MIN_VALUES
    source, weights = (uniques, counts) if weighted and uniques is not None else (values, None)
    if pa.types.is_integer(kind):
        # safe=False: integers beyond 2^53 round to the nearest float instead of failing.
        numbers = source.cast(pa.float64(), safe=False)
        return _with_numbers(TypeCounts(integral=len(values)), _numpy(numbers), weights)
    if pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        numbers = source.cast(pa.float64())
        return _with_numbers(TypeCounts(fractional=len(values)), _numpy(numbers), weights)
    if pa.types.is_boolean(kind):
        return Classified(TypeCounts(boolean=len(values)), np.empty(0))
    if weights is None:
        return classify_text(values)
    return _classify_distinct(source, weights)


def classify_text(values: pa.Array) -> Classified:
    """Deequ's types of the present values of a text array (any other type is cast to text first), and
    the finite numbers among them in their order. Nulls are skipped."""
    numbers = np.empty(len(values))
    *found, written = _textkernels.classify(*text_buffers(values), numbers, None, True)
    return Classified(TypeCounts(*found), numbers[:written])


KIND_CODES = {"integral": 0, "fractional": 1, "boolean": 2, "string": 3}
"""The codes `_textkernels.classify` writes per value (4 is null)."""


def _classify_distinct(uniques: pa.Array, counts: pa.Array) -> Classified:
    """Classify distinct values, each weighing its number of occurrences; numbers come with weights."""
    codes = np.empty(len(uniques), np.uint8)
    numbers = np.empty(len(uniques))
    _textkernels.classify(*text_buffers(uniques), numbers, codes, False)
    weights = _numpy(counts)
    by_code = np.bincount(codes, weights=weights, minlength=len(KIND_CODES) + 1).astype(np.int64)
    type_counts = TypeCounts(**{kind: int(by_code[code]) for kind, code in KIND_CODES.items()})
    numeric = codes <= KIND_CODES["fractional"]
    return _with_numbers(type_counts, numbers[numeric], weights[numeric])


def is_text(values: pa.Array) -> bool:
    """Whether the array holds Arrow text (the text kernels take it as it is)."""
    return pa.types.is_string(values.type) or pa.types.is_large_string(values.type)


def text_buffers(values: pa.Array) -> tuple[pa.Buffer | None, pa.Buffer, pa.Buffer | bytes, int, int, bool]:
    """The arguments `_textkernels.classify` takes for an Arrow text array, before its outputs."""
    if not is_text(values):
        values = values.cast(pa.string())
    validity, offsets, data = values.buffers()
    wide = pa.types.is_large_string(values.type)
    return validity, offsets, b"" if data is None else data, values.offset, len(values), wide


def _numpy(values: pa.Array) -> np.ndarray:
    return values.to_numpy(zero_copy_only=False)


def _with_numbers(
    counts: TypeCounts, numbers: np.ndarray, weights: np.ndarray | pa.Array | None
) -> Classified:
    """Keep the finite numbers; count the others (`nan`, `inf`, and text that overflows float64)."""
    finite = np.isfinite(numbers)
    if weights is None:
        counts.non_finite = len(numbers) - int(finite.sum())
        return Classified(counts, numbers[finite] if counts.non_finite else numbers)
    occurrences = weights if isinstance(weights, np.ndarray) else _numpy(weights)
    counts.non_finite = int(occurrences[~finite].sum())
    return Classified(counts, numbers[finite], occurrences[finite])
