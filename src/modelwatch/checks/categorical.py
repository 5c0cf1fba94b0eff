"""`categorical_values_check`: do enough current String values fall inside the baseline domain?"""

from __future__ import annotations

from modelwatch.checks import messages
from modelwatch.checks.results import CheckOutcome
from modelwatch.formats.violations import Violation
from modelwatch.profiling.categories import MAX_EXACT_DISTINCT
from modelwatch.profiling.column import ColumnProfile

CHECK = "categorical_values_check"


def categorical_values_check(
    name: str, domain: list[str], column: ColumnProfile, threshold: float
) -> CheckOutcome:
    """The fraction of current non-null values in `domain`; a violation below `threshold`.

    The fraction needs exact value counts, which a profile keeps only while a column has at most
    1000 distinct values. Past that the check does not run: the distinct-count sketch bounds how
    many values are new only under assumptions about the profile's history, and a guessed fraction
    would be reported as if it had been measured.
    """
    counts = column.categories.counts
    if counts is None:
        return CheckOutcome(
            note=f"categorical_values_check: the current data has more than {MAX_EXACT_DISTINCT} "
            "distinct values, so the share inside the domain is not known exactly"
        )
    total = sum(counts.values())
    if total == 0:
        return CheckOutcome(note="categorical_values_check: the current data has no values")
    inside = sum(counts.get(value, 0) for value in set(domain))
    fraction = inside / total
    if fraction >= threshold:
        return CheckOutcome(fraction)
    return CheckOutcome(fraction, Violation(name, CHECK, messages.value_not_met(fraction)))
