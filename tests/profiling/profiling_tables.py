"""Random small tables for property tests: string, int64, float64 and bool columns with nulls."""

from __future__ import annotations

import math

import pyarrow as pa
from hypothesis import strategies as st

from modelwatch.profiling.profile import Profile

NAMES = ["a", "b", "c", "d"]
TOKENS = ["NaN", "inf", "-inf", "true", "false", "red", "", "0x10", ".5", "+ 3", " 7", "1e5", "1.0"]

Table = dict[str, pa.Array]

text_cell = st.one_of(
    st.sampled_from(TOKENS),
    st.integers(-1000, 1000).map(str),
    st.floats(-1e6, 1e6, allow_nan=False).map(lambda x: f"{x:.5g}"),
)
typed_columns = {
    "string": (st.one_of(st.none(), text_cell), pa.string()),
    "int64": (st.one_of(st.none(), st.integers(-(10**9), 10**9)), pa.int64()),
    "float64": (
        st.one_of(st.none(), st.floats(-1e6, 1e6), st.sampled_from([math.nan, math.inf, -math.inf])),
        pa.float64(),
    ),
    "bool": (st.one_of(st.none(), st.booleans()), pa.bool_()),
}


@st.composite
def tables(draw: st.DrawFn) -> Table:
    rows = draw(st.integers(0, 25))
    names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=len(NAMES), unique=True))
    table: Table = {}
    for name in names:
        kind = draw(st.sampled_from(sorted(typed_columns)))
        cells, arrow_type = typed_columns[kind]
        table[name] = pa.array(draw(st.lists(cells, min_size=rows, max_size=rows)), arrow_type)
    return table


def profile_of(*parts: Table) -> Profile:
    profile = Profile()
    for table in parts:
        profile.update(pa.record_batch(table))
    return profile
