"""Naming payload values: positional fields (CSV, JSON lists) get baseline names by position.

SageMaker's rule (reference §5.3): a row is the output columns then the input columns
(`output_columns_position="start"`), or the reverse (`"end"`), matched to the baseline features by
position. When only one side is positional (say CSV input, JSON output), its fields take the
positions on its own side of the row: input fields are the *last* features when outputs come
first. Without baseline names, columns are `_c0`, `_c1`, ... over the whole row, as Spark names them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

Side = Literal["input", "output"]
Position = Literal["start", "end"]


@dataclass(frozen=True)
class Layout:
    feature_names: tuple[str, ...] | None
    position: Position = "start"

    def side_names(self, side: Side, count: int, other: int = 0) -> list[str] | None:
        """Names of `count` positional fields of `side`, when the other side has `other` positional
        fields (0: named or absent); None when they cannot fit the baseline's features."""
        first = (side == "output") == (self.position == "start")
        if self.feature_names is None:
            offset = 0 if first else other
            return [f"_c{offset + index}" for index in range(count)]
        total = len(self.feature_names)
        if count + other > total or (other and count + other != total):
            return None
        return list(self.feature_names[:count] if first else self.feature_names[total - count :])

    @property
    def output_name(self) -> str:
        """The name of an unnamed scalar output: the baseline's first feature when outputs come first,
        its last when they come last; `_c0`-style without a baseline."""
        if self.feature_names:
            return self.feature_names[0] if self.position == "start" else self.feature_names[-1]
        return "_c0"

    def ordered(self, names: Sequence[str]) -> list[str]:
        """`names` in baseline order, names the baseline does not know after them in their own order."""
        if not self.feature_names:
            return list(names)
        rank = {name: index for index, name in enumerate(self.feature_names)}
        return sorted(names, key=lambda name: rank.get(name, len(rank)))
