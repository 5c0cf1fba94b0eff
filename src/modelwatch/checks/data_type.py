"""`data_type_check`: do enough current values conform to the baseline's inferred type?"""

from __future__ import annotations

from modelwatch.checks import messages
from modelwatch.checks.results import CheckOutcome
from modelwatch.formats.violations import Violation
from modelwatch.profiling.column import ColumnProfile

CHECK = "data_type_check"
CHECKED_TYPES = ("Integral", "Fractional", "String")


def data_type_check(name: str, expected_type: str, column: ColumnProfile, threshold: float) -> CheckOutcome:
    """The fraction of current non-null values of `expected_type`; a violation below `threshold`.

    `datatype_check_threshold` is the minimum required fraction (SageMaker suggests 1.0: every value).
    Integral values conform to Fractional, and every value conforms to String (Deequ's types).
    """
    if expected_type not in CHECKED_TYPES:
        return CheckOutcome(note=f"data_type_check: the baseline type {expected_type} has nothing to match")
    if column.present == 0:
        return CheckOutcome(note="data_type_check: the current data has no values")
    match = column.types.matching(expected_type) / column.present
    if match >= threshold:
        return CheckOutcome(match)
    return CheckOutcome(match, Violation(name, CHECK, messages.data_type(expected_type, threshold, match)))
