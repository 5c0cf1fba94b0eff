"""Deequ type inference on tricky text values, through every path of `classify`."""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from profiling_oracle import expected_of

from modelwatch.profiling.datatypes import Classified, TypeCounts, classify
from modelwatch.profiling.profile import Profile

# value -> (type, parsed number or None); the type names are TypeCounts fields.
TRICKY: dict[str, tuple[str, float | None]] = {
    "1.0": ("fractional", 1.0),
    "+ 3": ("integral", 3.0),
    "- 3": ("integral", -3.0),
    "+3": ("integral", 3.0),
    "-12": ("integral", -12.0),
    "007": ("integral", 7.0),
    " 7": ("integral", 7.0),
    "1e5": ("fractional", 1e5),
    "1E+5": ("fractional", 1e5),
    "2.5e-3": ("fractional", 2.5e-3),
    "+ 3.5": ("fractional", 3.5),
    "- 2e3": ("fractional", -2000.0),
    "99999999999999999999": ("integral", 1e20),
    "0x10": ("string", None),
    "0X1F": ("string", None),
    ".5": ("string", None),
    "1.": ("string", None),
    "1e": ("string", None),
    "1 ": ("string", None),
    "  7": ("string", None),
    "1,5": ("string", None),
    "1_000": ("string", None),
    "": ("string", None),
    "abc": ("string", None),
    "TRUE": ("string", None),
    "True": ("string", None),
    "true": ("boolean", None),
    "false": ("boolean", None),
}

NON_FINITE = ["NaN", "nan", "inf", "-inf", "+inf", "Infinity", "-Infinity", "INF"]


def _by_uniques(values: pa.Array) -> Classified:
    value_counts = pc.value_counts(values)
    return classify(values, value_counts.field(0), value_counts.field(1))


def _both(values: pa.Array) -> tuple[Classified, Classified]:
    return classify(values), _by_uniques(values)


def _expected_counts(kind: str, times: int = 1) -> dict[str, int]:
    expected = TypeCounts().to_dict()
    expected[kind] = times
    return expected


@pytest.mark.parametrize(("text", "kind", "number"), [(k, *v) for k, v in TRICKY.items()])
def test_single_tricky_value_classified_alike_by_both_paths(
    text: str, kind: str, number: float | None
) -> None:
    for classified in _both(pa.array([text])):
        assert classified.counts.to_dict() == _expected_counts(kind), text
        if number is None:
            assert len(classified.numbers) == 0
        else:
            assert classified.numbers.tolist() == [number]


@pytest.mark.parametrize("text", NON_FINITE)
def test_non_finite_text_is_fractional_and_kept_out_of_numbers(text: str) -> None:
    for classified in _both(pa.array([text, "2", text])):
        counts = classified.counts
        assert (counts.fractional, counts.non_finite, counts.integral, counts.string) == (2, 2, 1, 0)
        assert classified.numbers.tolist() == [2.0]
        assert counts.inferred_type() == "Fractional"


def test_all_tricky_values_in_one_array_agree_between_paths() -> None:
    texts = [text for text in TRICKY for _ in range(3)] + NON_FINITE
    plain, uniques = _both(pa.array(texts))
    assert plain.counts == uniques.counts
    expected = TypeCounts(non_finite=len(NON_FINITE), fractional=len(NON_FINITE))
    for kind, _number in TRICKY.values():
        setattr(expected, kind, getattr(expected, kind) + 3)
    assert plain.counts == expected
    numbers = sorted(number for number in (v[1] for v in TRICKY.values()) if number is not None)
    assert sorted(plain.numbers.tolist()) == sorted(uniques.numbers.tolist()) == sorted(numbers * 3)


@pytest.mark.parametrize(
    "texts",
    [
        ["1", "30", "007", "9223372036854775807", "18446744073709551616"],  # digits only: the fast path
        ["1", "-2", "+30", "- 4", "-0"],  # signed: the pattern path
        ["1", "2.5", "3e2"],  # digits and fractions, nothing else
    ],
)
def test_numeric_only_columns_take_the_short_paths_alike(texts: list[str]) -> None:
    plain, uniques = _both(pa.array(texts))
    assert plain.counts == uniques.counts
    assert plain.counts.present == plain.counts.integral + plain.counts.fractional == len(texts)
    expected = [float(t.replace(" ", "")) for t in texts]
    assert plain.numbers.tolist() == expected  # arrival order kept
    assert sorted(uniques.numbers.tolist()) == sorted(expected)


def test_hexadecimal_is_never_integral() -> None:
    """Arrow's string→int64 cast parses `0x10` as 16; Deequ's Integral pattern does not match it."""
    for texts in (["0x10"], ["0x10", "12"], ["0XFF"]):
        plain, uniques = _both(pa.array(texts))
        assert plain.counts == uniques.counts, texts
        assert plain.counts.string == 1
        assert plain.counts.integral == len(texts) - 1


def test_large_string_and_null_free_arrays() -> None:
    values = pa.array(["1", "2.5", "x", "true"], pa.large_string())
    plain, uniques = _both(values)
    assert plain.counts == uniques.counts == TypeCounts(integral=1, fractional=1, string=1, boolean=1)
    assert sorted(plain.numbers.tolist()) == [1.0, 2.5]


def test_typed_arrays_map_their_arrow_types() -> None:
    ints = classify(pa.array([1, 2, 3], pa.int32()))
    assert ints.counts == TypeCounts(integral=3)
    assert ints.numbers.tolist() == [1.0, 2.0, 3.0]
    floats = classify(pa.array([1.5, math.nan, math.inf, -math.inf, 2.0]))
    assert floats.counts == TypeCounts(fractional=5, non_finite=3)
    assert floats.numbers.tolist() == [1.5, 2.0]
    booleans = classify(pa.array([True, False, True]))
    assert booleans.counts == TypeCounts(boolean=3)
    assert len(booleans.numbers) == 0


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        (TypeCounts(), "Unknown"),
        (TypeCounts(integral=5), "Integral"),
        (TypeCounts(integral=5, fractional=1), "Fractional"),
        (TypeCounts(fractional=2, non_finite=2), "Fractional"),
        (TypeCounts(integral=5, string=1), "String"),
        (TypeCounts(boolean=3), "String"),
        (TypeCounts(boolean=3, integral=1), "String"),
        (TypeCounts(boolean=1, fractional=1), "String"),
    ],
)
def test_inferred_type_rules(counts: TypeCounts, expected: str) -> None:
    assert counts.inferred_type() == expected


def test_matching_counts_integral_as_fractional() -> None:
    counts = TypeCounts(integral=3, fractional=2, string=1, boolean=1)
    assert counts.matching("Integral") == 3
    assert counts.matching("Fractional") == 5
    assert counts.matching("String") == 7


@pytest.mark.parametrize(
    ("batches", "inferred", "counts"),
    [
        ([["1", "2"], ["3.5", None]], "Fractional", TypeCounts(integral=2, fractional=1)),
        ([["1", "true"], ["false"]], "String", TypeCounts(integral=1, boolean=2)),
        ([["true", "false", None]], "String", TypeCounts(boolean=2)),
        ([["1", "2"], ["x"]], "String", TypeCounts(integral=2, string=1)),
        ([["NaN", "1"], ["-inf"]], "Fractional", TypeCounts(integral=1, fractional=2, non_finite=2)),
        ([[None, None], [None]], "Unknown", TypeCounts()),
        ([["0x10", "5"]], "String", TypeCounts(integral=1, string=1)),
    ],
)
def test_column_inference_over_batches(
    batches: list[list[str | None]], inferred: str, counts: TypeCounts
) -> None:
    profile = Profile()
    for batch in batches:
        profile.update(pa.record_batch({"c": pa.array(batch, pa.string())}))
    column = profile.columns["c"]
    assert column.types == counts
    assert column.inferred_type == inferred
    assert column.missing == sum(value is None for batch in batches for value in batch)


def test_typed_columns_mixed_across_batches() -> None:
    """int64 then float64 batches make a Fractional column; bool with int64 makes a String one."""
    profile = Profile()
    profile.update(pa.record_batch({"n": pa.array([1, 2], pa.int64()), "b": pa.array([True, None])}))
    profile.update(pa.record_batch({"n": pa.array([0.5, None]), "b": pa.array([3, 4], pa.int64())}))
    assert profile.columns["n"].inferred_type == "Fractional"
    assert profile.columns["n"].types == TypeCounts(integral=2, fractional=1)
    assert profile.columns["b"].inferred_type == "String"
    assert profile.columns["b"].types == TypeCounts(boolean=1, integral=2)
    assert profile.columns["n"].moments.n == 3
    assert np.isclose(profile.columns["n"].moments.mean, 3.5 / 3)


def test_integers_beyond_float_precision_do_not_fail() -> None:
    """int64 values above 2^53 (ids, hashes) are counted and rounded to float64, not rejected."""
    big = 2**60 + 1
    typed = classify(pa.array([big, 1], pa.int64()))
    assert typed.counts == TypeCounts(integral=2)
    assert typed.numbers.tolist() == [float(big), 1.0]
    plain, uniques = _both(pa.array([str(big), "1"]))
    assert plain.counts == uniques.counts == TypeCounts(integral=2)
    assert plain.numbers.tolist() == uniques.numbers.tolist() == [float(big), 1.0]
    profile = Profile()
    profile.update(pa.record_batch({"id": pa.array([big, None, 3], pa.int64())}))
    assert profile.columns["id"].moments.max == float(big)


token_text = st.one_of(
    st.text(alphabet="0123456789+- .eExXaN", max_size=8),
    st.sampled_from(["NaN", "inf", "-Infinity", "true", "false", "0x1F", " 7", "+ 3", "1e5", "٣"]),
    st.integers(-(10**12), 10**12).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(token_text, min_size=1, max_size=40))
def test_both_paths_agree_with_a_value_by_value_oracle(texts: list[str]) -> None:
    expected = expected_of(list(texts))
    for classified in _both(pa.array(texts, pa.string())):
        assert classified.counts.to_dict() == expected.types()
        assert sorted(classified.numbers.tolist()) == sorted(expected.numbers)


def test_profile_after_the_fold_classifies_like_before() -> None:
    """Once categories fold, batches are classified value by value (not by distinct values): same counts."""
    profile = Profile()
    profile.update(pa.record_batch({"c": pa.array([f"w{i}" for i in range(1_200)])}))
    assert not profile.columns["c"].categories.exact
    profile.update(pa.record_batch({"c": pa.array(["0x10", "12", " 7", "1.5", "NaN", None])}))
    profile.update(pa.record_batch({"c": pa.array(["1", "2", "0XFF"])}))
    column = profile.columns["c"]
    assert column.types == TypeCounts(string=1_200 + 1 + 1, integral=2 + 2, fractional=2, non_finite=1)
    assert column.missing == 1
    assert column.moments.n == 5
    assert column.moments.sum == 12 + 7 + 1.5 + 1 + 2


def test_overflowing_text_is_counted_as_non_finite() -> None:
    for classified in _both(pa.array(["1e400", "9" * 400, "2"])):
        assert classified.numbers.tolist() == [2.0]
        assert classified.counts.non_finite == 2
