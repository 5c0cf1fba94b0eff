"""Baselining fixtures: a store on SQLite and on the throwaway PostgreSQL cluster, a runner on a moved clock.

The schedules run on the runner tests' churn capture (hours 08:00 to 14:00 of 2026-03-01); the baselines
are jobs on the churn training set, or documents written once per session from it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from modelwatch.demo import churn_training_data
from modelwatch.service.runner import Runner, RunnerSettings
from modelwatch.service.store import (
    Baseline,
    Endpoint,
    JobStatus,
    Schedule,
    ScheduleStatus,
    Store,
    open_store,
)

# The runner tests' capture, baseline documents and clock; the store tests' PostgreSQL cluster.
from service.runner.conftest import CREATED, DAY, Clock, baseline_dir, capture_uri  # noqa: F401
from service.store.conftest import postgres_server, postgres_url, store_url  # noqa: F401


@pytest.fixture
def clock() -> Clock:
    return Clock(DAY.replace(hour=10, minute=5))


@pytest.fixture
def store(store_url: str, tmp_path: Path, clock: Clock) -> Iterator[Store]:  # noqa: F811 (imported fixture)
    opened = open_store(store_url, tmp_path, clock=clock)
    yield opened
    opened.close()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def runner(store: Store, data_dir: Path, clock: Clock) -> Runner:
    return Runner(store, RunnerSettings(owner="test-server", data_dir=data_dir), clock)


MakeBaseline = Callable[..., int]


@pytest.fixture
def make_baseline(store: Store) -> MakeBaseline:
    """Create a baseline `name` (by default a Pending job on the churn training set); its id."""

    def make(name: str = "churn", **fields: object) -> int:
        values: dict[str, object] = {
            "dataset_uri": str(churn_training_data()),
            "job_status": JobStatus.PENDING,
            **fields,
        }
        with store.session() as session:
            baseline = Baseline(name=name, **values)
            session.add(baseline)
            session.flush()
            return baseline.id

    return make


@pytest.fixture
def make_schedule(store: Store, capture_uri: str) -> Callable[[int], int]:  # noqa: F811
    """Create an hourly schedule (created 09:30) on the churn capture and the baseline given; its id."""

    def make(baseline_id: int) -> int:
        with store.session() as session:
            schedule = Schedule(
                name="hourly",
                endpoint=Endpoint(name="churn", capture_uri=capture_uri),
                baseline_id=baseline_id,
                cron_expression="0 * * * *",
                status=ScheduleStatus.SCHEDULED,
                created_at=CREATED,
            )
            session.add(schedule)
            session.flush()
            return schedule.id

    return make
