"""The profile of one column: typed counts, moments, a quantile sketch and its distinct values.

Like TFDV's combiners, a column profile has four verbs and nothing else: create it, add a batch
(`update`), merge two, and read the results off its states.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from datasketches import kll_doubles_sketch

from modelwatch import _textkernels
from modelwatch.profiling import kll
from modelwatch.profiling.categories import MAX_EXACT_DISTINCT, Categories
from modelwatch.profiling.datatypes import TypeCounts, classify, is_text, text_buffers
from modelwatch.profiling.moments import Moments


class ColumnProfile:
    def __init__(
        self,
        missing: int = 0,
        types: TypeCounts | None = None,
        moments: Moments | None = None,
        sketch: kll_doubles_sketch | None = None,
        categories: Categories | None = None,
    ) -> None:
        self.missing = missing
        self.types = types or TypeCounts()
        self.moments = moments or Moments()
        self.sketch = sketch if sketch is not None else kll.new_sketch()
        self.categories = categories or Categories()

    @property
    def present(self) -> int:
        return self.types.present

    @property
    def inferred_type(self) -> str:
        return self.types.inferred_type()

    def update(self, array: pa.Array | pa.ChunkedArray) -> None:
        """Add one batch of this column's values (nulls count as missing)."""
        if isinstance(array, pa.ChunkedArray):
            # combine_chunks copies even a single chunk.
            array = array.chunk(0) if array.num_chunks == 1 else array.combine_chunks()
        self.missing += array.null_count
        if array.null_count == len(array):
            return
        # The text kernels skip nulls themselves: dropping them would copy every string.
        values = array.drop_null() if array.null_count and not is_text(array) else array
        uniques = counts = None
        if self.categories.exact:
            counted = _value_counts(values)
            if counted is None:
                self.categories.fold()
            else:
                uniques, counts = counted
                self.categories.add_counts(_as_text(uniques), counts.to_numpy())
        classified = classify(values, uniques, counts)
        self.types.add(classified.counts)
        self._add_numbers(classified.numbers, classified.weights)
        if not self.categories.exact and (self.types.string or self.types.boolean):
            distinct = uniques if uniques is not None else pc.unique(values).drop_null()
            self.categories.add_distinct(_as_text(distinct))

    def _add_numbers(self, numbers: np.ndarray, weights: np.ndarray | None) -> None:
        if len(numbers) == 0:
            return
        if weights is None:
            self.moments = self.moments.merge(Moments.of(numbers))
            kll.update(self.sketch, numbers)
        else:
            self.moments = self.moments.merge(Moments.of_counts(numbers, weights))
            self.sketch.merge(kll.from_counts(numbers, weights))

    def merge(self, other: ColumnProfile) -> ColumnProfile:
        """A new profile of both columns' values; neither input changes."""
        types = copy.copy(self.types)
        types.add(other.types)
        sketch = kll_doubles_sketch.deserialize(self.sketch.serialize())
        sketch.merge(other.sketch)
        return ColumnProfile(
            missing=self.missing + other.missing,
            types=types,
            moments=self.moments.merge(other.moments),
            sketch=sketch,
            categories=self.categories.merge(other.categories),
        )

    def to_dict(self) -> dict[str, Any]:
        """The states as JSON-ready values, all but the quantile sketch (`self.sketch.serialize()`)."""
        moments = self.moments.to_dict() if self.moments.n else None
        return {
            "missing": self.missing,
            "types": self.types.to_dict(),
            "moments": moments,
            "categories": self.categories.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], sketch: bytes) -> ColumnProfile:
        return cls(
            missing=int(data["missing"]),
            types=TypeCounts(**data["types"]),
            moments=Moments(**data["moments"]) if data["moments"] else Moments(),
            sketch=kll_doubles_sketch.deserialize(sketch),
            categories=Categories.from_dict(data["categories"]),
        )


DISTINCT_PROBE = 4 * MAX_EXACT_DISTINCT


def _value_counts(values: pa.Array) -> tuple[pa.Array, pa.Array] | None:
    """The distinct values and how often each occurs, or None when there are more than
    MAX_EXACT_DISTINCT. Text goes to a C kernel that gives up at the first value past the limit;
    other types to Arrow's value_counts, after a probe of their first values."""
    if is_text(values):
        counted = _textkernels.count_values(*text_buffers(values), MAX_EXACT_DISTINCT)
        if counted is None:
            return None
        first, counts = (np.frombuffer(part, dtype=np.int64) for part in counted)
        return values.take(first), pa.array(counts)
    if _surely_many_distinct(values):
        return None
    value_counts = pc.value_counts(values)
    if len(value_counts) > MAX_EXACT_DISTINCT:
        return None
    return value_counts.field(0), value_counts.field(1)


def _surely_many_distinct(values: pa.Array) -> bool:
    """Whether the first values alone already have too many distinct ones to count exactly.

    Counting every value of a high-cardinality column (a float column, typically) costs more than all
    the rest of its profiling; a probe of its first values settles it, without changing any result.
    """
    if len(values) <= DISTINCT_PROBE:
        return False
    return pc.count_distinct(values.slice(0, DISTINCT_PROBE)).as_py() > MAX_EXACT_DISTINCT


def _as_text(values: pa.Array) -> pa.Array:
    if is_text(values):
        return values
    return values.cast(pa.string())
