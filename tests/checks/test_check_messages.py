"""Violation descriptions word for word, and the regexes AWS tools parse them with."""

from __future__ import annotations

import re

import numpy as np
from checks_builders import baseline, check, profile, with_setting

from modelwatch.checks import messages

DISTANCE = re.compile(r"distance: (.+) exceeds")
VALUE = re.compile(r"Value: (.+) does not meet the constraint requirement!")


def test_data_type_text_is_the_newer_containers() -> None:
    assert messages.data_type("Integral", 1.0, 0.9964592817400101) == (
        "Data type match requirement is not met. Expected data type: Integral, Expected match: 100.0%. "
        "Observed: Only 99.64592817400101% of data is Integral."
    )


def test_percentages_are_the_shortest_repr_of_the_fraction_times_100() -> None:
    assert messages.percent(1.0) == "100.0%"
    assert messages.percent(1) == "100.0%"
    assert messages.percent(0.95) == "95.0%"
    assert messages.percent(0.07) == "7.000000000000001%"
    assert messages.percent(0.0) == "0.0%"


def test_completeness_text_keeps_both_numbers() -> None:
    assert messages.completeness(1.0, 0.95) == (
        "Data completeness requirement is not met. Expected completeness: 100.0%. "
        "Observed: Only 95.0% of data is present."
    )


def test_drift_texts_match_the_visualization_regex() -> None:
    numerical = messages.numerical_drift(0.2711598746081505, 0.1)
    assert numerical == "Numerical distance: 0.2711598746081505 exceeds numerical threshold: 0.1"
    categorical = messages.categorical_drift(0.25, 0.1)
    assert categorical == "Categorical distance: 0.25 exceeds categorical threshold: 0.1"
    for text, value in ((numerical, "0.2711598746081505"), (categorical, "0.25")):
        match = DISTANCE.search(text)
        assert match is not None
        assert match.group(1) == value


def test_value_text_keeps_its_trailing_space_and_parses() -> None:
    text = messages.value_not_met(0.009009009009009009)
    assert text == "Value: 0.009009009009009009 does not meet the constraint requirement! "
    match = VALUE.search(text)
    assert match is not None
    assert float(match.group(1)) == 0.009009009009009009


def test_column_texts() -> None:
    assert messages.missing_columns(68, 70) == (
        "There are missing columns in current dataset. Number of columns in current dataset: 68, "
        "Number of columns in baseline constraints: 70"
    )
    assert messages.extra_columns(71, 70) == (
        "There are extra columns in current dataset. Number of columns in current dataset: 71, "
        "Number of columns in baseline constraints: 70"
    )


def test_texts_from_run_checks() -> None:
    rng = np.random.default_rng(11)
    statistics, document = baseline(
        profile(
            i=[str(v) for v in range(1000)],
            c=["a", "b"] * 500,
            x=rng.normal(0, 1, 1000),
            s=["p", "q"] * 500,
        )
    )
    constraints = with_setting(document, "x", "comparison_method", "Simple", "global")
    current = profile(
        i=["1"] * 109 + ["1.5", None],
        c=["a"] + ["new"] * 110,
        x=rng.normal(1, 1, 111),
        s=["p"] * 111,
    )
    results = check(statistics, constraints, current)
    texts = {(v.feature_name, v.constraint_check_type): v.description for v in results.violations}
    assert texts[("i", "data_type_check")] == (
        "Data type match requirement is not met. Expected data type: Integral, Expected match: 100.0%. "
        f"Observed: Only {109 / 110 * 100!r}% of data is Integral."
    )
    assert texts[("c", "categorical_values_check")] == (
        "Value: 0.009009009009009009 does not meet the constraint requirement! "
    )
    numerical = DISTANCE.search(texts[("x", "baseline_drift_check")])
    assert numerical is not None
    assert float(numerical.group(1)) == next(f.distance for f in results.features if f.name == "x")
    assert texts[("s", "baseline_drift_check")] == (
        "Categorical distance: 0.5 exceeds categorical threshold: 0.1"
    )
