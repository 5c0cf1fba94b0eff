"""What the overview lists first: schedules whose latest run failed, the other runs that failed lately,
failed baselining jobs, features violating now.

A failed run is listed even when a later run of its schedule passed: its window is never analysed again
on its own (the scheduler does not retry it), so it is a gap in the monitoring until someone runs it
again. Runs whose window ended within `RECENT` are listed, at most `FAILURES_SHOWN` per schedule.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from modelwatch.service.dashboard.reports import Reports
from modelwatch.service.store import (
    Baseline,
    Execution,
    ExecutionStatus,
    JobStatus,
    Schedule,
    Store,
    count_executions,
    list_executions,
)
from modelwatch.ui.feature import feature_link
from modelwatch.ui.pages.common import execution_href
from modelwatch.ui.pages.execution import schedule_href
from modelwatch.ui.pages.records import Attention
from modelwatch.ui.text import window

RECENT = timedelta(hours=24)
FAILURES_SHOWN = 5


@dataclass(frozen=True)
class Failures:
    """A schedule's failed runs whose window ended lately: the newest few, and how many in all."""

    newest: list[Execution]
    total: int


def recent_failures(store: Store, schedule: Schedule, now: datetime) -> Failures:
    since, failed = now - RECENT, (ExecutionStatus.FAILED,)
    newest = list_executions(
        store, schedule_id=schedule.id, statuses=failed, since=since, limit=FAILURES_SHOWN
    )
    total = count_executions(store, schedule_id=schedule.id, statuses=failed, since=since)
    return Failures(newest, total)


def attention(
    latest: dict[str, Execution], failures: dict[str, Failures], baselines: list[Baseline], reports: Reports
) -> list[Attention]:
    """`latest`: each schedule's latest execution; `failures`: each schedule's recent failed runs.
    Failures first (latest runs, then earlier ones), then failed baselining jobs, then violating features."""
    failed, earlier, features = [], [], []
    for schedule, execution in latest.items():
        href = execution_href(execution.id)
        if execution.status == ExecutionStatus.FAILED:
            failed.append(
                Attention(href, f"{schedule}: the latest execution failed", _reason(execution), "failed")
            )
        elif execution.status == ExecutionStatus.COMPLETED_WITH_VIOLATIONS:
            checks: defaultdict[str, list[str]] = defaultdict(list)
            for violation in reports.violations(execution) or []:
                checks[violation.feature_name].append(violation.constraint_check_type)
            features += [
                Attention(
                    href + feature_link(name),
                    f"{name} in {schedule}",
                    ", ".join(dict.fromkeys(found)),
                    "feature",
                )
                for name, found in checks.items()
            ]
    for schedule, found in failures.items():
        listed = [execution for execution in found.newest if execution.id != latest[schedule].id]
        earlier += [
            Attention(
                execution_href(execution.id),
                f"{schedule}: the run for {window(execution.window_start, execution.window_end)} failed",
                f"its window was not analysed: {_reason(execution)}",
                "failed",
            )
            for execution in listed
        ]
        unlisted = found.total - len(found.newest)
        if unlisted > 0:
            title = (
                f"{schedule}: {unlisted} more failed run{'s' if unlisted > 1 else ''} in the last 24 hours"
            )
            earlier.append(
                Attention(schedule_href(schedule), title, "listed on the schedule's page", "failed")
            )
    jobs = [
        Attention(
            f"/baselines/{baseline.name}",
            f"baseline {baseline.name}: its baselining job failed",
            baseline.failure_reason or "",
            "failed",
        )
        for baseline in baselines
        if baseline.job_status == JobStatus.FAILED
    ]
    return failed + earlier + jobs + features


def _reason(execution: Execution) -> str:
    return execution.failure_reason or execution.exit_message or "no reason recorded"
