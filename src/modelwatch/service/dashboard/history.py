"""One feature across a schedule's finished executions, from each execution's report (cached)."""

from __future__ import annotations

from modelwatch.errors import ModelwatchError
from modelwatch.service.dashboard.records import execution_row
from modelwatch.service.dashboard.reports import Reports
from modelwatch.service.dashboard.results import drift_setting
from modelwatch.service.store import Execution, Schedule
from modelwatch.ui.pages.records import HistoryPoint


def feature_history(
    schedule: Schedule, feature: str, executions: list[Execution], reports: Reports
) -> list[HistoryPoint] | None:
    """`executions` newest first; the points oldest first. None when neither the baseline nor any of
    the executions knows the feature."""
    threshold = None
    known = False
    try:
        constraints = reports.baseline_constraints(schedule.baseline)
        setting = drift_setting(constraints, feature)
        threshold = setting[1] if setting is not None else None
        known = any(entry.name == feature for entry in constraints.features)
    except ModelwatchError:
        pass
    points = []
    for execution in reversed(executions):
        found = reports.summary(execution).get(feature)
        known = known or found is not None
        points.append(
            HistoryPoint(
                execution=execution_row(execution, schedule.name),
                drift=found.drift if found else None,
                threshold=threshold,
                completeness=found.completeness if found else None,
                mean=found.mean if found else None,
                violations=list(found.checks) if found else [],
            )
        )
    return points if known else None
