"""A store seeded with schedules and executions whose reports are real analyses of the demo data.

Every test runs on SQLite and on the store tests' throwaway PostgreSQL (skipped without it, except in CI).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from modelwatch import demo
from modelwatch.service.store import (
    Baseline,
    Endpoint,
    Execution,
    ExecutionStatus,
    Schedule,
    ScheduleStatus,
    Store,
    open_store,
)

from ..store.conftest import postgres_server, postgres_url  # noqa: F401 (fixtures used by `store_url`)

NOW = datetime(2026, 11, 29, 12, 30, tzinfo=UTC)


@dataclass(frozen=True)
class Reports:
    """Report folders of the demo's two hours: the normal one (no violations) and the drifted one."""

    normal: Path
    drifted: Path


@pytest.fixture(scope="session")
def reports(tmp_path_factory: pytest.TempPathFactory) -> Reports:
    result = demo.run(tmp_path_factory.mktemp("demo"))
    assert result.normal.status == "Completed"
    assert result.drifted.status == "CompletedWithViolations"
    return Reports(
        Path(result.normal.files["metrics.json"]).parent, Path(result.drifted.files["metrics.json"]).parent
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest) -> str | None:
    """None for SQLite in the data directory, or the URL of a new PostgreSQL database."""
    if request.param == "sqlite":
        return None
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def store(store_url: str | None, tmp_path: Path) -> Iterator[Store]:
    opened = open_store(store_url, tmp_path / "data", clock=lambda: NOW)
    yield opened
    opened.close()


AddSchedule = Callable[..., int]
AddExecution = Callable[..., int]


@pytest.fixture
def add_schedule(store: Store) -> AddSchedule:
    """Create a schedule of endpoint `endpoint` (created on first use); its id."""

    def add(name: str, endpoint: str = "churn", status: ScheduleStatus = ScheduleStatus.SCHEDULED) -> int:
        with store.session() as session:
            owner = session.query(Endpoint).filter_by(name=endpoint).one_or_none()
            schedule = Schedule(
                name=name,
                endpoint=owner or Endpoint(name=endpoint, capture_uri=f"/capture/{endpoint}"),
                baseline=Baseline(
                    name=f"{name}-baseline",
                    statistics_uri="/baseline/statistics.json",
                    constraints_uri="/baseline/constraints.json",
                ),
                cron_expression="0 * * * *",
                status=status,
            )
            session.add(schedule)
            session.flush()
            return schedule.id

    return add


@pytest.fixture
def add_execution(store: Store) -> AddExecution:
    """Record an execution of the hour ending at `end`; its id."""

    def add(
        schedule_id: int,
        end: datetime,
        status: ExecutionStatus,
        *,
        report: Path | None = None,
        violations: int | None = None,
        duration: float | None = None,
    ) -> int:
        with store.session() as session:
            execution = Execution(
                schedule_id=schedule_id,
                window_start=end - timedelta(hours=1),
                window_end=end,
                status=status,
                duration_seconds=duration,
                violation_count=violations,
                report_uri=None if report is None else str(report),
            )
            session.add(execution)
            session.flush()
            return execution.id

    return add
