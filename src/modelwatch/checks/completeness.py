"""`completeness_check`: is the current non-null fraction at least the baseline's?"""

from __future__ import annotations

from modelwatch.checks import messages
from modelwatch.checks.results import CheckOutcome
from modelwatch.formats.violations import Violation
from modelwatch.profiling.column import ColumnProfile

CHECK = "completeness_check"


def completeness_check(name: str, expected: float | None, column: ColumnProfile) -> CheckOutcome:
    """The current completeness; a violation when it is below the baseline feature's `completeness`.

    A column that is present but entirely null has completeness 0.0 (it is not a missing column).
    """
    rows = column.present + column.missing
    if rows == 0:
        return CheckOutcome(note="completeness_check: the current data has no rows")
    observed = column.present / rows
    if expected is None:
        return CheckOutcome(observed, note="completeness_check: the baseline sets no completeness")
    if observed >= expected:
        return CheckOutcome(observed)
    return CheckOutcome(observed, Violation(name, CHECK, messages.completeness(expected, observed)))
