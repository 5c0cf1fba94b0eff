"""What the pages show, as plain records: the server fills them from its store and report files."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass(frozen=True)
class ExecutionRow:
    id: int
    schedule: str
    status: str
    window_start: datetime
    window_end: datetime
    violation_count: int | None
    message: str | None
    """The exit message, or why it failed."""
    ended_at: datetime | None = None
    duration_seconds: float | None = None


@dataclass(frozen=True)
class ScheduleRow:
    name: str
    endpoint: str
    baseline: str
    cron_expression: str
    start_offset: timedelta
    """How far the window's start lies before the previous run's time (zero or negative)."""
    end_offset: timedelta
    """How far the window's end lies before the run's time (zero or negative)."""
    status: str
    failure_reason: str | None
    max_runtime_seconds: int
    created_at: datetime
    executions: list[ExecutionRow] = field(default_factory=list)
    """Newest window first; on the overview, the recent ones only."""

    @property
    def latest(self) -> ExecutionRow | None:
        return self.executions[0] if self.executions else None


@dataclass(frozen=True)
class EndpointRow:
    name: str
    capture_uri: str
    schedules: list[str]


@dataclass(frozen=True)
class BaselineRow:
    name: str
    statistics_uri: str | None
    constraints_uri: str | None
    dataset_uri: str | None
    job_status: str | None
    failure_reason: str | None
    created_at: datetime
    schedules: list[str]


@dataclass(frozen=True)
class Attention:
    """Something to look at first: a failed run, or a feature violating its constraints now."""

    href: str
    title: str
    detail: str
    kind: str
    """"failed" or "feature"."""


@dataclass(frozen=True)
class HistoryPoint:
    """One execution's numbers for one feature; None where the window or the report lacks them."""

    execution: ExecutionRow
    drift: float | None
    threshold: float | None
    completeness: float | None
    mean: float | None
    violations: list[str]
    """The checks the feature failed in that execution."""
