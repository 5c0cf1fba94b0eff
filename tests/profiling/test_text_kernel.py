"""The C kernel behind `classify_text` against its oracle: Deequ's patterns, run by polars' regex
engine (what classified text before the kernel), and Python's float() for the numbers."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from modelwatch import _textkernels
from modelwatch.profiling.datatypes import KIND_CODES, TypeCounts, classify, classify_text

INTEGRAL_PATTERN = r"^(-|\+)? ?[0-9]+$"
FRACTIONAL_PATTERN = r"^(-|\+)? ?[0-9]+((\.[0-9]+)|((?:\.[0-9]+)?[Ee][-+]?[0-9]+))$"
NON_FINITE_PATTERN = r"^(?i)[-+]?(nan|inf|infinity)$"
BOOLEAN_PATTERN = r"^(true|false)$"
MISSING = 4


def oracle_codes(texts: list[str | None]) -> list[int]:
    """Per value: the code of the first of Deequ's patterns that matches (4 for null)."""
    series = pl.Series(texts, dtype=pl.String)
    integral = series.str.contains(INTEGRAL_PATTERN).to_list()
    fractional = (series.str.contains(FRACTIONAL_PATTERN) | series.str.contains(NON_FINITE_PATTERN)).to_list()
    boolean = series.str.contains(BOOLEAN_PATTERN).to_list()
    codes = []
    for text, is_integral, is_fractional, is_boolean in zip(
        texts, integral, fractional, boolean, strict=True
    ):
        if text is None:
            codes.append(MISSING)
        elif is_integral:
            codes.append(KIND_CODES["integral"])
        elif is_fractional:
            codes.append(KIND_CODES["fractional"])
        elif is_boolean:
            codes.append(KIND_CODES["boolean"])
        else:
            codes.append(KIND_CODES["string"])
    return codes


def kernel(values: pa.Array) -> tuple[tuple[int, ...], list[int], np.ndarray]:
    """(counts, codes, numbers) of the kernel in its per-index mode."""
    codes = np.empty(len(values), np.uint8)
    numbers = np.empty(len(values))
    validity, offsets, data = values.buffers()
    found = _textkernels.classify(
        validity,
        offsets,
        data if data is not None else b"",
        values.offset,
        len(values),
        pa.types.is_large_string(values.type),
        numbers,
        codes,
        False,
    )
    return found, codes.tolist(), numbers


def same_float(a: float, b: float) -> bool:
    """Equal bit for bit: the sign of zero counts, NaN equals NaN."""
    return np.float64(a).tobytes() == np.float64(b).tobytes()


def check_against_oracle(texts: list[str | None]) -> None:
    values = pa.array(texts, pa.string())
    found, codes, numbers = kernel(values)
    assert codes == oracle_codes(texts)
    expected_numbers = []
    non_finite = 0
    for text, code, number in zip(texts, codes, numbers, strict=True):
        if text is None or code > KIND_CODES["fractional"]:
            assert math.isnan(number)
            continue
        expected = float(text.replace(" ", ""))
        assert same_float(number, expected) or (math.isnan(number) and math.isnan(expected)), text
        if math.isfinite(expected):
            expected_numbers.append(expected)
        else:
            non_finite += 1
    assert found[:4] == tuple(codes.count(code) for code in range(4))
    assert found[4:] == (non_finite, len(texts))
    compact = classify_text(values)
    assert compact.counts == TypeCounts(*found[:5])
    assert len(compact.numbers) == len(expected_numbers)
    assert all(same_float(a, b) for a, b in zip(compact.numbers.tolist(), expected_numbers, strict=True))


# Every character the patterns care about, lookalikes of them (non-ASCII digits, the Kelvin sign and
# the long s that case-fold to ASCII letters, a dotted capital I) and the whitespace they reject.
TRICKY_ALPHABET = "0123456789+- .eE" + "nNaAiIfFtTyYrRuUlLsS" + "٣０\u212a\u017f\u0130\t\n\r,x"

numeric_texts = st.builds(
    lambda sign, space, whole, fraction, exponent: f"{sign}{space}{whole}{fraction}{exponent}",
    st.sampled_from(["", "-", "+"]),
    st.sampled_from(["", " "]),
    st.from_regex(r"[0-9]{1,30}", fullmatch=True),
    st.one_of(st.just(""), st.from_regex(r"\.[0-9]{1,30}", fullmatch=True)),
    st.one_of(
        st.just(""),
        st.builds(
            lambda e, sign, power: f"{e}{sign}{power}",
            st.sampled_from("eE"),
            st.sampled_from(["", "-", "+"]),
            st.integers(0, 400),
        ),
    ),
)
WORDS = ["nan", "NaN", "-nan", "+NAN", "inf", "-Inf", "+INF", "infinity", "-Infinity", "INFINITY"]
NEAR_MISSES = ["infinit", "infinityy", "- inf", "nan ", " nan", "+-1", "--1", "1-", "e5", "1e+-5"]
words = st.sampled_from([*WORDS, "true", "false", "True", "FALSE", *NEAR_MISSES])
any_text = st.one_of(
    st.text(alphabet=TRICKY_ALPHABET, max_size=12),
    numeric_texts,
    words,
    st.floats().map(repr),
    st.floats().map(str),
    st.integers(-(10**30), 10**30).map(str),
    st.text(max_size=6),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(st.none(), any_text), max_size=60))
@example(["1", None, "", " 7", "  7", "+ 3", "- 3.5e-2", "1.", ".5", "1e", "1.e5", "0x10", "٣", "1\n"])
def test_kernel_agrees_with_deequs_patterns_and_pythons_float(texts: list[str | None]) -> None:
    check_against_oracle(texts)


@pytest.mark.parametrize(
    "text",
    [
        "9007199254740992",  # 2^53: the last mantissa of the fast path
        "9007199254740993",  # 2^53 + 1: rounds to even, through the slow path
        "9007199254740993.0",
        "1e22",
        "1e23",  # 10^23 is not a double: the slow path
        "1.5e22",
        "123456789012345678e-5",
        "1234567890123456789",  # 19 significant digits
        "12345678901234567891",  # 20
        "0.1",
        "0.30000000000000004",
        "00000000000000000000000000001.5",
        "0." + "0" * 30 + "1",
        "1" + "0" * 30,
        "4.9e-324",  # the smallest subnormal
        "2.4703282292062328e-324",  # rounds up to it
        "2.4703282292062327e-324",  # rounds down to zero
        "1.7976931348623157e308",
        "1.7976931348623159e308",  # overflows to inf: counted non-finite
        "1e309",
        "-1e400",
        "1e-400",
        "-0",
        "-0.0e-5",
        "+ 0",
        "9" * 400,
        "1." + "9" * 400,
        "1e99999999999999999999",
        "1e-99999999999999999999",
    ],
)
def test_numbers_at_the_edges_of_the_fast_path(text: str) -> None:
    check_against_oracle([text, f"-{text}" if text[0] not in "+-" else text])


def test_nulls_slices_and_large_strings() -> None:
    texts = ["1", None, "2.5", "x", None, "true", "-inf", "7"]
    values = pa.array(texts, pa.string())
    for array in (values, values.cast(pa.large_string())):
        for start in range(len(texts)):
            sliced = array.slice(start)
            _, codes, _ = kernel(sliced)
            assert codes == oracle_codes(texts[start:])
        whole = classify_text(array.slice(1, 5))
        assert whole.counts == TypeCounts(fractional=1, string=1, boolean=1)
        assert whole.numbers.tolist() == [2.5]


def test_empty_and_all_null_arrays() -> None:
    for values in (pa.array([], pa.string()), pa.array([None, None], pa.string()), pa.array(["", ""])):
        classified = classify_text(values)
        assert classified.numbers.tolist() == []
    assert classify_text(pa.array(["", ""])).counts == TypeCounts(string=2)
    assert classify_text(pa.array([None, None], pa.string())).counts == TypeCounts()


def test_other_types_are_classified_as_their_text() -> None:
    dates = pa.array([0, 1], pa.date32())
    assert classify_text(dates).counts == TypeCounts(string=2)
    assert classify(pa.array(["3", "3", "x"]).dictionary_encode()).counts == TypeCounts(integral=2, string=1)


def test_distinct_values_weigh_their_counts() -> None:
    uniques = pa.array(["1", "2.5", "nan", "x", "true", "1e400"])
    counts = pa.array([3, 2, 4, 1, 5, 6], pa.int64())
    values = pa.array(["0"] * 10_000)  # only its length matters once value counts are given
    classified = classify(values, uniques, counts)
    assert classified.counts == TypeCounts(integral=3, fractional=12, string=1, boolean=5, non_finite=10)
    assert classified.numbers.tolist() == [1.0, 2.5]
    assert classified.weights is not None
    assert classified.weights.tolist() == [3, 2]


def test_short_buffers_are_refused() -> None:
    values = pa.array(["1", "2"])
    validity, offsets, data = values.buffers()
    with pytest.raises(ValueError, match="shorter"):
        _textkernels.classify(validity, offsets, data, 0, 3, False, np.empty(3), None, True)
    with pytest.raises(ValueError, match="shorter"):
        _textkernels.classify(validity, offsets, data, 0, 2, False, np.empty(1), None, True)
    bad_offsets = np.array([0, 1, 99], np.int32)
    with pytest.raises(ValueError, match="outside"):
        _textkernels.classify(None, bad_offsets, data, 0, 2, False, np.empty(2), None, True)
