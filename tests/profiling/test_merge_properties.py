"""Merging profiles: associative, commutative, and equal to profiling the rows together.

Exact for types, counts, missing, item_count, min, max and n; to float rounding for mean, sum and M2;
exact for the sketch and the categories on these small tables (≤ 2048 values, ≤ 1000 distinct).
"""

from __future__ import annotations

import json
import math
import zlib

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from profiling_tables import Table, profile_of, tables

from modelwatch.profiling import kll
from modelwatch.profiling.column import ColumnProfile
from modelwatch.profiling.profile import Profile


def _close(a: float, b: float, scale: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9 * scale)


def assert_columns_equal(mine: ColumnProfile, theirs: ColumnProfile, name: str) -> None:
    assert mine.missing == theirs.missing, name
    assert mine.types == theirs.types, name
    m, t = mine.moments, theirs.moments
    assert (m.n, m.min, m.max) == (t.n, t.min, t.max), name
    if m.n:
        scale = max(abs(m.min), abs(m.max), 1.0)
        assert _close(m.mean, t.mean, scale), (name, m.mean, t.mean)
        assert _close(m.sum, t.sum, scale * m.n), (name, m.sum, t.sum)
        assert _close(m.m2, t.m2, scale * scale * m.n), (name, m.m2, t.m2)
    assert mine.sketch.n == theirs.sketch.n == m.n, name
    mine_items, _ = kll.weighted_items(kll.levels(mine.sketch))
    their_items, _ = kll.weighted_items(kll.levels(theirs.sketch))
    assert sorted(mine_items.tolist()) == sorted(their_items.tolist()), name
    assert mine.categories.exact
    assert theirs.categories.exact
    assert mine.categories.counts == theirs.categories.counts, name


def assert_profiles_equal(mine: Profile, theirs: Profile) -> None:
    assert mine.item_count == theirs.item_count
    assert set(mine.columns) == set(theirs.columns)
    for name, column in mine.columns.items():
        assert_columns_equal(column, theirs.columns[name], name)
        assert column.present + column.missing == mine.item_count


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(tables(), tables())
def test_merge_equals_profile_of_all_rows(first: Table, second: Table) -> None:
    assert_profiles_equal(profile_of(first).merge(profile_of(second)), profile_of(first, second))


@SETTINGS
@given(tables(), tables())
def test_merge_is_commutative(first: Table, second: Table) -> None:
    a, b = profile_of(first), profile_of(second)
    assert_profiles_equal(a.merge(b), b.merge(a))


@SETTINGS
@given(tables(), tables(), tables())
def test_merge_is_associative(first: Table, second: Table, third: Table) -> None:
    a, b, c = profile_of(first), profile_of(second), profile_of(third)
    assert_profiles_equal(a.merge(b).merge(c), a.merge(b.merge(c)))
    assert_profiles_equal(a.merge(b).merge(c), profile_of(first, second, third))


@SETTINGS
@given(tables(), tables())
def test_merge_leaves_its_inputs_unchanged(first: Table, second: Table) -> None:
    a, b = profile_of(first), profile_of(second)
    before = (a.to_bytes(), b.to_bytes())
    a.merge(b)
    assert (a.to_bytes(), b.to_bytes()) == before


@SETTINGS
@given(st.lists(tables(), min_size=1, max_size=3))
def test_to_bytes_round_trip_is_exact(parts: list[Table]) -> None:
    profile = profile_of(*parts)
    data = profile.to_bytes()
    back = Profile.from_bytes(data)
    assert back.to_bytes() == data
    assert list(back.columns) == list(profile.columns)
    for name, column in profile.columns.items():
        other = back.columns[name]
        assert other.missing == column.missing
        assert other.types == column.types
        assert other.moments == column.moments
        assert other.sketch.serialize() == column.sketch.serialize()
        assert other.categories.counts == column.categories.counts


def test_column_in_only_one_side_counts_the_other_side_as_missing() -> None:
    left = profile_of({"a": pa.array(["1", "2", None])})
    right = profile_of({"b": pa.array(["x"] * 4)}, {"b": pa.array(["y"])})
    merged = left.merge(right)
    assert merged.item_count == 8
    assert list(merged.columns) == ["a", "b"]
    a, b = merged.columns["a"], merged.columns["b"]
    assert (a.present, a.missing) == (2, 1 + 5)
    assert (b.present, b.missing) == (5, 3)
    assert b.categories.counts == {"x": 4, "y": 1}
    assert_profiles_equal(
        merged,
        profile_of({"a": pa.array(["1", "2", None])}, {"b": pa.array(["x"] * 4)}, {"b": pa.array(["y"])}),
    )
    assert_profiles_equal(right.merge(left), merged)


def test_merge_with_an_empty_profile_is_identity() -> None:
    profile = profile_of({"a": pa.array([1.5, None, 2.5]), "s": pa.array(["u", "v", "u"])})
    assert_profiles_equal(profile.merge(Profile()), profile)
    assert_profiles_equal(Profile().merge(profile), profile)


def _big_table(rng: np.random.Generator, rows: int, offset: int) -> Table:
    return {
        "x": pa.array(rng.normal(50.0, 10.0, size=rows)),
        "id": pa.array([f"user-{offset + i}" for i in range(rows)]),
    }


@pytest.mark.parametrize("seed", [0, 1])
def test_big_merges_agree_within_sketch_error(seed: int) -> None:
    """Past the exact regime: quantiles within the KLL error, distinct counts within the HLL error."""
    rng = np.random.default_rng(seed)
    parts = [_big_table(rng, 30_000, offset) for offset in (0, 30_000, 60_000)]
    merged = profile_of(parts[0]).merge(profile_of(parts[1])).merge(profile_of(parts[2]))
    together = profile_of(*parts)
    values = np.sort(np.concatenate([part["x"].to_numpy() for part in parts]))
    n = len(values)
    for profile in (merged, together):
        column = profile.columns["x"]
        assert (column.moments.n, column.sketch.n, column.present) == (n, n, n)
        assert column.moments.min == values[0]
        assert column.moments.max == values[-1]
        for q in np.linspace(0.01, 0.99, 99):
            estimate = column.sketch.get_quantile(float(q))
            low = np.searchsorted(values, estimate, "left") / n
            high = np.searchsorted(values, estimate, "right") / n
            assert low - 0.002 <= q <= high + 0.002
        ids = profile.columns["id"]
        assert not ids.categories.exact
        assert ids.categories.distinct_count() == pytest.approx(90_000, rel=0.03)
    assert_moments_close(merged.columns["x"], together.columns["x"])


def assert_moments_close(mine: ColumnProfile, theirs: ColumnProfile) -> None:
    m, t = mine.moments, theirs.moments
    assert (m.n, m.min, m.max) == (t.n, t.min, t.max)
    assert (m.mean, m.sum, m.m2) == pytest.approx((t.mean, t.sum, t.m2), rel=1e-9)


def test_to_bytes_round_trip_of_folded_and_multi_level_states() -> None:
    rng = np.random.default_rng(5)
    profile = profile_of(_big_table(rng, 20_000, 0), {"x": pa.array(["NaN", "1"]), "s": pa.array(["a", "b"])})
    data = profile.to_bytes()
    back = Profile.from_bytes(data)
    assert back.to_bytes() == data
    ids = back.columns["id"]
    assert not ids.categories.exact
    assert ids.categories.distinct_count() == profile.columns["id"].categories.distinct_count()
    assert ids.missing == 2
    x = back.columns["x"]
    assert x.sketch.serialize() == profile.columns["x"].sketch.serialize()
    assert len(kll.levels(x.sketch)) > 1
    assert x.moments == profile.columns["x"].moments
    assert x.types == profile.columns["x"].types
    assert back.columns["s"].missing == 20_000
    # And it merges like the original.
    assert_moments_close(back.merge(profile).columns["x"], profile.merge(profile).columns["x"])


@pytest.mark.parametrize(
    "data",
    [
        zlib.compress(json.dumps({"format": "other"}).encode()),
        b"",
        b"\x00" * 8,
        b"\x05\x00\x00\x00\x00\x00\x00\x00abc",
    ],
)
def test_from_bytes_rejects_other_data(data: bytes) -> None:
    with pytest.raises(ValueError, match="not a modelwatch profile"):
        Profile.from_bytes(data)
