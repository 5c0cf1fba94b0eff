"""Read SageMaker's documents from any location, for notebooks and for the analysis."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from modelwatch import storage
from modelwatch.formats.constraints import Constraints
from modelwatch.formats.statistics import Statistics
from modelwatch.formats.violations import ConstraintViolations


def read_statistics(uri: str, storage_options: Mapping[str, Any] | None = None) -> Statistics:
    return Statistics.from_dict(storage.read_json(uri, storage_options), uri)


def read_constraints(uri: str, storage_options: Mapping[str, Any] | None = None) -> Constraints:
    return Constraints.from_dict(storage.read_json(uri, storage_options), uri)


def read_violations(uri: str, storage_options: Mapping[str, Any] | None = None) -> ConstraintViolations:
    return ConstraintViolations.from_dict(storage.read_json(uri, storage_options), uri)
