"""The violation descriptions, word for word as SageMaker's analyzer writes them.

AWS tools parse some of them (`distance: (.+) exceeds`, `Value: (.+) does not meet the constraint
requirement!`), so the shapes, the trailing space included, must not change. Numbers are Python's
shortest round-trip form (`repr`), which is also what the analyzer's JVM prints for these values:
1.0 as a percentage is `100.0%`.
"""

from __future__ import annotations


def percent(fraction: float) -> str:
    return f"{float(fraction) * 100!r}%"


def data_type(expected_type: str, threshold: float, match: float) -> str:
    return (
        f"Data type match requirement is not met. Expected data type: {expected_type}, "
        f"Expected match: {percent(threshold)}. Observed: Only {percent(match)} of data is {expected_type}."
    )


def completeness(expected: float, observed: float) -> str:
    """No sample of SageMaker's newer wording exists; this parallels the data type message."""
    return (
        f"Data completeness requirement is not met. Expected completeness: {percent(expected)}. "
        f"Observed: Only {percent(observed)} of data is present."
    )


def numerical_drift(distance: float, threshold: float) -> str:
    return f"Numerical distance: {float(distance)!r} exceeds numerical threshold: {float(threshold)!r}"


def categorical_drift(distance: float, threshold: float) -> str:
    return f"Categorical distance: {float(distance)!r} exceeds categorical threshold: {float(threshold)!r}"


def chi_square_drift(p_value: float, threshold: float) -> str:
    """A p-value is not a distance and does not exceed its threshold, so this one says what it is."""
    return (
        f"Categorical ChiSquared p-value: {float(p_value)!r} is below categorical threshold: "
        f"{float(threshold)!r}"
    )


def value_not_met(value: float) -> str:
    return f"Value: {float(value)!r} does not meet the constraint requirement! "


def missing_columns(current: int, baseline: int) -> str:
    return _columns("missing", current, baseline)


def extra_columns(current: int, baseline: int) -> str:
    return _columns("extra", current, baseline)


def _columns(kind: str, current: int, baseline: int) -> str:
    return (
        f"There are {kind} columns in current dataset. Number of columns in current dataset: {current}, "
        f"Number of columns in baseline constraints: {baseline}"
    )
