"""The documents as tables, for notebooks: one row per feature (or per violation)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pyarrow as pa

from modelwatch.formats.constraints import Constraints
from modelwatch.formats.statistics import Statistics
from modelwatch.formats.violations import ConstraintViolations

if TYPE_CHECKING:
    import pandas


def statistics_table(statistics: Statistics) -> pa.Table:
    rows: list[dict[str, Any]] = []
    for feature in statistics.features:
        numbers, strings = feature.numerical, feature.string
        rows.append(
            {
                "name": feature.name,
                "inferred_type": feature.inferred_type,
                "num_present": feature.num_present,
                "num_missing": feature.num_missing,
                "mean": numbers.mean if numbers else None,
                "sum": numbers.sum if numbers else None,
                "std_dev": numbers.std_dev if numbers else None,
                "min": numbers.min if numbers else None,
                "max": numbers.max if numbers else None,
                "distinct_count": strings.distinct_count if strings else None,
            }
        )
    return _table(
        rows,
        [
            "name",
            "inferred_type",
            "num_present",
            "num_missing",
            "mean",
            "sum",
            "std_dev",
            "min",
            "max",
            "distinct_count",
        ],
    )


def constraints_table(constraints: Constraints) -> pa.Table:
    rows = [
        {
            "name": feature.name,
            "inferred_type": feature.inferred_type,
            "completeness": feature.completeness,
            "is_non_negative": feature.is_non_negative,
            "domains": feature.domains,
        }
        for feature in constraints.features
    ]
    return _table(rows, ["name", "inferred_type", "completeness", "is_non_negative", "domains"])


def violations_table(violations: ConstraintViolations) -> pa.Table:
    rows = [violation.to_dict() for violation in violations.violations]
    return _table(rows, ["feature_name", "constraint_check_type", "description"])


def to_pandas(table: pa.Table) -> pandas.DataFrame:
    try:
        return table.to_pandas()
    except ImportError as error:
        raise ImportError("to_pandas() needs pandas: pip install pandas") from error


def _table(rows: list[dict[str, Any]], columns: list[str]) -> pa.Table:
    return pa.Table.from_pylist(rows) if rows else pa.table({name: pa.array([]) for name in columns})
