"""Deequ's data types, decided per value and counted per column.

A text value is Integral if it matches `^(-|\\+)? ?\\d+$`, Fractional if it matches Deequ's fractional
pattern, Boolean if it is `true` or `false`, otherwise String. modelwatch adds one documented rule:
`nan`, `inf`, `-inf` and `infinity` (any case) are Fractional values that are *non-finite*: they are
counted, but kept out of the moments and the quantile sketch. Typed sources (Parquet, JSON numbers)
map their Arrow types directly: integers are Integral, floats Fractional, booleans Boolean.

Every function takes whole Arrow arrays: regular expressions run in Arrow's C++ kernels, and a column
with few distinct values is classified through those distinct values only.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

INTEGRAL_PATTERN = r"^(-|\+)? ?[0-9]+$"
FRACTIONAL_PATTERN = r"^(-|\+)? ?[0-9]+((\.[0-9]+)|((?:\.[0-9]+)?[Ee][-+]?[0-9]+))$"
NON_FINITE_PATTERN = r"^(?i)[-+]?(nan|inf|infinity)$"
BOOLEAN_PATTERN = r"^(true|false)$"


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
    """Classify the non-null `values` of one column batch.

    `uniques`/`counts` (the value counts of `values`, when the caller has them) let the column be
    classified through its distinct values instead of value by value, and, for batches of more than
    WEIGHTED_MIN_VALUES values, its numbers be returned as distinct values with weights.
    """
    kind = values.type
    weighted = uniques is not None and counts is not None and len(values) > WEIGHTED_MIN_VALUES
    source, weights = (uniques, counts) if weighted else (values, None)
    if pa.types.is_integer(kind):
        # safe=False: integers beyond 2^53 round to the nearest float instead of failing.
        return _with_numbers(TypeCounts(integral=len(values)), source.cast(pa.float64(), safe=False), weights)
    if pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        return _with_numbers(TypeCounts(fractional=len(values)), source.cast(pa.float64()), weights)
    if pa.types.is_boolean(kind):
        return Classified(TypeCounts(boolean=len(values)), np.empty(0))
    if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
        values = values.cast(pa.string())
        uniques = uniques.cast(pa.string()) if uniques is not None else None
    if uniques is not None and counts is not None:
        return _classify_by_uniques(values, uniques, counts, weighted)
    return _classify_strings(values)


POLARS_MIN_VALUES = 4096
"""From this many values on, polars' regex engine (about twice as fast as Arrow's per value) is worth
its higher cost per call."""


def _matches(text: pa.Array, pattern: str) -> pa.Array:
    """Regex match of every value."""
    if len(text) < POLARS_MIN_VALUES:
        return pc.match_substring_regex(text, pattern)
    import polars as pl  # imported on first use: it costs half a second to load in every worker

    return pl.Series(text).str.contains(pattern).to_arrow()


def _count(mask: pa.Array) -> int:
    return int(pc.sum(mask.cast(pa.int64())).as_py() or 0)


def _masks(values: pa.Array) -> tuple[pa.Array, pa.Array, pa.Array, pa.Array]:
    integral = _matches(values, INTEGRAL_PATTERN)
    non_finite = _matches(values, NON_FINITE_PATTERN)
    fractional = pc.or_(_matches(values, FRACTIONAL_PATTERN), non_finite)
    boolean = _matches(values, BOOLEAN_PATTERN)
    return integral, fractional, non_finite, boolean


def _parse(text: pa.Array) -> pa.Array:
    """Parse Deequ-numeric text, which may hold a space after the sign."""
    try:
        return pc.cast(text, pa.float64())
    except pa.ArrowInvalid:
        return pc.cast(pc.replace_substring(text, " ", ""), pa.float64())


def _with_numbers(counts: TypeCounts, numbers: pa.Array, weights: pa.Array | None = None) -> Classified:
    """Keep the finite numbers; count the others (`nan`, `inf`, and text that overflows float64)."""
    array = numbers.to_numpy(zero_copy_only=False)
    finite = np.isfinite(array)
    if weights is None:
        counts.non_finite = len(array) - int(finite.sum())
        return Classified(counts, array[finite] if counts.non_finite else array)
    occurrences = weights.to_numpy(zero_copy_only=False)
    counts.non_finite = int(occurrences[~finite].sum())
    return Classified(counts, array[finite], occurrences[finite])


def _classify_strings(values: pa.Array) -> Classified:
    """Classify value by value, cheapest test first.

    Most numeric columns are settled by the first two tests (plain digits; Deequ's fractional
    pattern); the other patterns run only on the values those leave over. No failing Arrow cast is
    ever attempted on a whole column: a cast that fails is far slower than one that succeeds.
    """
    total = len(values)
    digits = pc.ascii_is_decimal(values)
    n_digits = _count(digits)
    if n_digits == total:
        return _with_numbers(TypeCounts(integral=total), _parse(values))
    fractional = _matches(values, FRACTIONAL_PATTERN)
    n_fractional = _count(fractional)
    settled = pc.or_(digits, fractional)
    if n_digits + n_fractional == total:
        return _with_numbers(TypeCounts(integral=n_digits, fractional=n_fractional), _parse(values))
    rest = values.filter(pc.invert(settled))
    integral, _, non_finite, boolean = _masks(rest)
    counts = TypeCounts(
        integral=n_digits + _count(integral),
        fractional=n_fractional + _count(non_finite),
        boolean=_count(boolean),
    )
    counts.string = total - counts.integral - counts.fractional - counts.boolean
    numeric = settled.to_numpy(zero_copy_only=False).copy()
    numeric[~numeric] = pc.or_(integral, non_finite).to_numpy(zero_copy_only=False)
    return _with_numbers(counts, _parse(values.filter(pa.array(numeric))))


def _classify_by_uniques(values: pa.Array, uniques: pa.Array, counts: pa.Array, weighted: bool) -> Classified:
    integral, fractional, _, boolean = _masks(uniques)
    type_counts = _count_masks(integral, fractional, boolean, counts, len(values))
    numeric = pc.or_(integral, fractional)
    if weighted:
        return _with_numbers(type_counts, _parse(uniques.filter(numeric)), counts.filter(numeric))
    if type_counts.integral + type_counts.fractional == len(values):
        return _with_numbers(type_counts, _parse(values))
    return _with_numbers(type_counts, _parse(values.filter(pc.is_in(values, uniques.filter(numeric)))))


def _count_masks(
    integral: pa.Array,
    fractional: pa.Array,
    boolean: pa.Array,
    weights: pa.Array,
    total: int,
) -> TypeCounts:
    """Type counts of distinct values, each weighing its number of occurrences."""

    def count(mask: pa.Array) -> int:
        return int(pc.sum(pc.if_else(mask, weights, 0)).as_py() or 0)

    n_integral = count(integral)
    n_fractional = count(pc.and_not(fractional, integral))
    n_boolean = count(boolean)
    return TypeCounts(
        integral=n_integral,
        fractional=n_fractional,
        boolean=n_boolean,
        string=total - n_integral - n_fractional - n_boolean,
    )
