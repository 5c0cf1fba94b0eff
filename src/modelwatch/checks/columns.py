"""`missing_column_check` and `extra_column_check`: columns matched by name, one violation each.

A column that is present in the current data but entirely null is not missing (that is
`completeness_check`'s business); a column absent from some batches of the window is not missing
either, since the profile counts its rows in those batches as null.
"""

from __future__ import annotations

from collections.abc import Sequence

from modelwatch.checks import messages
from modelwatch.formats.violations import Violation

MISSING = "missing_column_check"
EXTRA = "extra_column_check"


def missing_column_check(baseline: Sequence[str], current: Sequence[str]) -> list[Violation]:
    """One violation per baseline column absent from the current data, in baseline order."""
    present = set(current)
    text = messages.missing_columns(len(current), len(baseline))
    return [Violation(name, MISSING, text) for name in baseline if name not in present]


def extra_column_check(baseline: Sequence[str], current: Sequence[str]) -> list[Violation]:
    """One violation per current column the baseline does not have, in current order."""
    known = set(baseline)
    text = messages.extra_columns(len(current), len(baseline))
    return [Violation(name, EXTRA, text) for name in current if name not in known]
