"""`data_type_check` per Deequ's types, and the checks that have nothing to compare."""

from __future__ import annotations

import pyarrow as pa
import pytest
from checks_builders import baseline, check, feature, kinds, profile

from modelwatch.checks import data_type_check
from modelwatch.profiling.column import ColumnProfile


def _column(values: list[object]) -> ColumnProfile:
    column = ColumnProfile()
    column.update(pa.array(values))
    return column


@pytest.mark.parametrize(
    ("expected_type", "values", "match"),
    [
        ("Fractional", ["1", "2.5", "3", "4.0"], 1.0),  # Integral values conform to Fractional
        ("Integral", ["1", "2.5", "3", "4.0"], 0.5),
        ("Integral", ["1", "nan", "3", "x"], 0.5),  # non-finite numbers are Fractional
        ("Fractional", ["1", "nan", "3", "x"], 0.75),
        ("String", ["1", "2.5", "true", "x"], 1.0),  # every value conforms to String
        ("Integral", [1, 2, None, 4], 1.0),  # nulls are not counted
        ("Fractional", [True, False, None, None], 0.0),
    ],
)
def test_type_match(expected_type: str, values: list[object], match: float) -> None:
    outcome = data_type_check("f", expected_type, _column(values), 1.0)
    assert outcome.value == match
    assert (outcome.violation is not None) is (match < 1.0)


def test_nothing_to_match() -> None:
    unknown = data_type_check("f", "Unknown", _column(["1"]), 1.0)
    assert (unknown.value, unknown.violation) == (None, None)
    assert unknown.note is not None
    empty = data_type_check("f", "Integral", _column([None, None]), 1.0)
    assert (empty.value, empty.violation) == (None, None)
    assert empty.note is not None


def test_a_numeric_baseline_without_sketch_or_current_numbers_has_no_drift() -> None:
    statistics, document = baseline(profile(n=[1, 2, 3], u=pa.array([None] * 3, pa.string())))
    statistics.features[0].numerical.sketch = None  # type: ignore[union-attr]
    results = check(statistics, document, profile(n=[1, 2, 3], u=["a", "b", "c"]))
    numeric = feature(results, "n")
    assert (numeric.distance, numeric.method) == (None, None)
    assert any("no sketch" in note for note in numeric.notes)
    unknown = feature(results, "u")
    assert (unknown.baseline_type, unknown.type_match, unknown.method) == ("Unknown", None, None)
    assert kinds(results, "u") == []

    statistics, document = baseline(profile(n=[1, 2, 3]))
    text = feature(check(statistics, document, profile(n=["a", "b", "c"])), "n")
    assert (text.distance, text.method, text.type_match) == (None, None, 0.0)
    assert any("no numeric values" in note for note in text.notes)


def test_too_many_current_categories_skip_domain_and_drift_with_notes() -> None:
    statistics, document = baseline(profile(s=["a", "b"] * 50))
    current = profile(s=[f"v{i}" for i in range(1500)])
    result = feature(check(statistics, document, current), "s")
    assert (result.domain_match, result.distance, result.method) == (None, None, None)
    assert result.violations == []
    assert len(result.notes) == 2
    assert "more than 1000 distinct values" in result.notes[1]
