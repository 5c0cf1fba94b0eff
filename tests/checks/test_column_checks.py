"""Missing and extra columns, matched by name; feature order of the results."""

from __future__ import annotations

import pyarrow as pa
from checks_builders import baseline, check, feature, kinds, profile, with_setting

from modelwatch.profiling.profile import Profile

STATISTICS, DOCUMENT = baseline(profile(a=[1, 2, 3], b=["x", "y", "x"], c=[1.5, 2.5, 3.5]))


def test_a_missing_column_is_one_violation_named_after_it() -> None:
    results = check(STATISTICS, DOCUMENT, profile(a=[1, 2, 3], c=[1.5, 2.5, 3.5]))
    assert [(v.feature_name, v.constraint_check_type) for v in results.violations] == [
        ("b", "missing_column_check")
    ]
    assert results.violations[0].description == (
        "There are missing columns in current dataset. Number of columns in current dataset: 2, "
        "Number of columns in baseline constraints: 3"
    )
    missing = feature(results, "b")
    assert (missing.baseline_type, missing.current_type, missing.completeness) == ("String", None, None)
    assert missing.baseline_completeness == 1.0


def test_an_all_null_column_is_incomplete_not_missing() -> None:
    current = profile(a=[1, 2, 3], b=pa.array([None, None, None], pa.string()), c=[1.5, 2.5, 3.5])
    results = check(STATISTICS, DOCUMENT, current)
    assert kinds(results, "b") == ["completeness_check"]
    assert feature(results, "b").completeness == 0.0
    assert feature(results, "b").type_match is None


def test_a_column_absent_from_some_batches_is_not_missing() -> None:
    current = Profile()
    current.update(pa.record_batch({"a": [1, 2], "b": ["x", "y"], "c": [1.5, 2.5]}))
    current.update(pa.record_batch({"a": [3, 4], "c": [3.5, 1.5]}))
    results = check(STATISTICS, DOCUMENT, current)
    assert kinds(results, "b") == ["completeness_check"]
    assert feature(results, "b").completeness == 0.5


def test_extra_columns_come_after_the_baseline_features_in_current_order() -> None:
    current = profile(z=["q"] * 3, a=[1, 2, 3], b=["x", "y", "x"], c=[1.5, 2.5, 3.5], y=[None, 1, 2])
    results = check(STATISTICS, DOCUMENT, current)
    assert [f.name for f in results.features] == ["a", "b", "c", "z", "y"]
    assert [(v.feature_name, v.constraint_check_type) for v in results.violations] == [
        ("z", "extra_column_check"),
        ("y", "extra_column_check"),
    ]
    assert results.violations[0].description == (
        "There are extra columns in current dataset. Number of columns in current dataset: 5, "
        "Number of columns in baseline constraints: 3"
    )
    extra = feature(results, "y")
    assert (extra.baseline_type, extra.current_type) == (None, "Integral")
    assert extra.completeness == 2 / 3
    assert results.emit_metrics["y"] is True


def test_violations_are_in_feature_order() -> None:
    current = profile(c=[9.5, 9.5, None], x=[1, 1, 1], a=[1.5, 2, 3])
    results = check(STATISTICS, with_setting(DOCUMENT, "c", "comparison_method", "Simple", "global"), current)
    assert [(v.feature_name, v.constraint_check_type) for v in results.violations] == [
        ("a", "data_type_check"),
        ("a", "baseline_drift_check"),
        ("b", "missing_column_check"),
        ("c", "completeness_check"),
        ("c", "baseline_drift_check"),
        ("x", "extra_column_check"),
    ]
    assert results.violations == [v for f in results.features for v in f.violations]


def test_evaluate_constraints_disabled_silences_missing_and_extra_columns() -> None:
    current = profile(a=[1, 2, 3], c=[1.5, 2.5, 3.5], extra=[1, 2, 3])
    per_feature = check(
        STATISTICS, with_setting(DOCUMENT, "b", "evaluate_constraints", "Disabled", "sdk_override"), current
    )
    assert [v.feature_name for v in per_feature.violations] == ["extra"]
    overall = check(
        STATISTICS, with_setting(DOCUMENT, "b", "evaluate_constraints", "Disabled", "global"), current
    )
    assert overall.violations == []
    assert [f.name for f in overall.features] == ["a", "b", "c", "extra"]


def test_an_empty_window_misses_every_column() -> None:
    results = check(STATISTICS, DOCUMENT, Profile())
    assert [v.constraint_check_type for v in results.violations] == ["missing_column_check"] * 3
    assert "Number of columns in current dataset: 0" in results.violations[0].description
