"""Runner fixtures: a SQLite store in `tmp_path` on a clock the test moves, real capture files and baseline.

The capture (hours 08:00 to 14:00 of 2026-03-01, the churn test rows) and the baseline (the churn training
set) are written once per session and only read by the tests.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from modelwatch.baseline import suggest_baseline
from modelwatch.demo import ENDPOINT, VARIANT, churn_test_inputs, churn_training_data, write_capture
from modelwatch.service.runner import Runner, RunnerSettings
from modelwatch.service.store import Baseline, Endpoint, Schedule, ScheduleStatus, Store, open_store
from service.store.conftest import Clock

DAY = datetime(2026, 3, 1, tzinfo=UTC)
CREATED = DAY.replace(hour=9, minute=30)
CAPTURED_HOURS = range(8, 15)


@pytest.fixture(scope="session")
def capture_uri(tmp_path_factory: pytest.TempPathFactory) -> str:
    destination = tmp_path_factory.mktemp("capture")
    rows = churn_test_inputs().slice(1)
    for hour in CAPTURED_HOURS:
        write_capture(destination, rows, DAY.replace(hour=hour))
    return str(destination / ENDPOINT / VARIANT)


@pytest.fixture(scope="session")
def baseline_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("baseline")
    suggest_baseline(str(churn_training_data()), str(output))
    return output


@pytest.fixture
def clock() -> Clock:
    return Clock(DAY.replace(hour=10, minute=5))


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'modelwatch.db'}"


@pytest.fixture
def store(store_url: str, tmp_path: Path, clock: Clock) -> Iterator[Store]:
    opened = open_store(store_url, tmp_path, clock=clock)
    yield opened
    opened.close()


@pytest.fixture
def settings(tmp_path: Path) -> RunnerSettings:
    return RunnerSettings(owner="test-server", data_dir=tmp_path / "data")


@pytest.fixture
def runner(store: Store, settings: RunnerSettings, clock: Clock) -> Runner:
    return Runner(store, settings, clock)


MakeSchedule = Callable[..., int]


@pytest.fixture
def make_schedule(store: Store, capture_uri: str, baseline_dir: Path) -> MakeSchedule:
    """Create an hourly schedule `name`, created at 09:30, on the churn capture; its id."""

    def make(name: str = "hourly", **fields: object) -> int:
        values: dict[str, object] = {
            "cron_expression": "0 * * * *",
            "status": ScheduleStatus.SCHEDULED,
            "created_at": CREATED,
            **fields,
        }
        with store.session() as session:
            schedule = Schedule(
                name=name,
                endpoint=Endpoint(name=f"{name}-endpoint", capture_uri=capture_uri),
                baseline=Baseline(
                    name=f"{name}-baseline",
                    statistics_uri=str(baseline_dir / "statistics.json"),
                    constraints_uri=str(baseline_dir / "constraints.json"),
                ),
                **values,
            )
            session.add(schedule)
            session.flush()
            return schedule.id

    return make


# The store tests' throwaway PostgreSQL cluster, for the servers sharing one store (skipped without it).
from service.store.conftest import postgres_server, postgres_url  # noqa: E402, F401
