"""Distinct values of a column: exact counts while small, a HyperLogLog sketch beyond.

While a column has at most `MAX_EXACT_DISTINCT` distinct values every value is counted exactly: that
gives the categorical buckets, the string domains and an exact `distinct_count`. Past that, the counts
are folded into an HLL sketch (Apache DataSketches) and only the distinct count survives. After the
fold, a column's values feed the sketch once it has shown a non-numeric value: a high-cardinality
column of numbers needs no distinct count, and skipping it keeps numeric columns off DataSketches'
per-item HLL update. (A column whose first non-numeric value comes after more than 1000 distinct
numbers counts only the values from then on.)

A state read back from a statistics document that listed only some values keeps the document's
`distinct_count` as a `floor`: the estimate never drops below what the document said.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from datasketches import hll_sketch, hll_union

MAX_EXACT_DISTINCT = 1000
HLL_LG_K = 12
"""2^12 registers: relative error about 1.6%."""


class Categories:
    """Exact value counts, or an HLL sketch once the column has too many distinct values."""

    def __init__(self, counts: dict[str, int] | None = None, hll: hll_sketch | None = None) -> None:
        self.counts: dict[str, int] | None = {} if counts is None and hll is None else counts
        self.hll = hll
        self.floor = 0.0

    @property
    def exact(self) -> bool:
        return self.counts is not None

    def add_counts(self, uniques: pa.Array, counts: np.ndarray) -> None:
        """Add distinct text values with their counts (only while exact)."""
        assert self.counts is not None
        for value, count in zip(uniques.to_pylist(), counts.tolist(), strict=True):
            self.counts[value] = self.counts.get(value, 0) + count
        if len(self.counts) > MAX_EXACT_DISTINCT:
            self.fold()

    def add_distinct(self, uniques: pa.Array) -> None:
        """Add distinct text values to the sketch (only once folded)."""
        assert self.hll is not None
        for value in uniques.to_pylist():
            self.hll.update(value)

    def merge(self, other: Categories) -> Categories:
        if self.counts is not None and other.counts is not None:
            merged = Categories(dict(self.counts))
            merged.add_counts(
                pa.array(list(other.counts), pa.string()), np.array(list(other.counts.values()))
            )
            return merged
        union = hll_union(HLL_LG_K)
        for side in (self, other):
            union.update(side._as_sketch())
        merged = Categories(hll=union.get_result())
        merged.floor = max(self.floor, other.floor)
        return merged

    def distinct_count(self) -> float:
        if self.counts is not None:
            return float(len(self.counts))
        assert self.hll is not None
        return max(float(round(self.hll.get_estimate())), self.floor)

    def _as_sketch(self) -> hll_sketch:
        if self.hll is not None:
            return self.hll
        sketch = hll_sketch(HLL_LG_K)
        for value in self.counts or {}:
            sketch.update(value)
        return sketch

    def fold(self) -> None:
        """Give up exact counts for the HLL sketch."""
        self.hll = self._as_sketch()
        self.counts = None

    def to_dict(self) -> dict[str, object]:
        if self.counts is not None:
            return {"counts": self.counts}
        assert self.hll is not None
        return {"hll": self.hll.serialize_compact().hex(), "floor": self.floor}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Categories:
        if "counts" in data:
            counts = data["counts"]
            assert isinstance(counts, dict)
            return cls(counts={str(k): int(v) for k, v in counts.items()})
        categories = cls(hll=hll_sketch.deserialize(bytes.fromhex(str(data["hll"]))))
        categories.floor = float(data.get("floor", 0.0))  # type: ignore[arg-type]
        return categories
