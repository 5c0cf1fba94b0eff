"""A baselining job whose outcome falls in a PostgreSQL outage: recorded once the store is back, not lost."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import pytest

from modelwatch.demo import churn_training_data
from modelwatch.service.baselining import run_baselining_jobs
from modelwatch.service.store import Baseline, JobStatus, Store

from .conftest import Cluster

TIMEOUT_SECONDS = 40.0


def job_status(store: Store, baseline_id: int) -> JobStatus | None:
    with store.session() as session:
        return session.get_one(Baseline, baseline_id).job_status


def test_a_job_finishing_while_postgresql_is_down_is_recorded_once_it_is_back(
    cluster: Cluster, store: Store, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="modelwatch")
    with store.session() as session:
        baseline = Baseline(
            name="churn", dataset_uri=str(churn_training_data()), job_status=JobStatus.PENDING
        )
        session.add(baseline)
        session.flush()
        baseline_id = baseline.id
    finished: list[str] = []
    worker = threading.Thread(
        target=lambda: finished.extend(run_baselining_jobs(store, tmp_path / "data", threading.Event()))
    )

    worker.start()
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while job_status(store, baseline_id) is not JobStatus.IN_PROGRESS:
        assert time.monotonic() < deadline, "the job did not start"
        time.sleep(0.05)
    cluster.stop()  # while the worker profiles: its outcome cannot be written
    while not any("could not record" in record.getMessage() for record in caplog.records):
        assert time.monotonic() < deadline, "the job's outcome was not retried"
        time.sleep(0.05)
    assert worker.is_alive(), "still trying to record the outcome"
    cluster.start()
    worker.join(TIMEOUT_SECONDS)

    assert not worker.is_alive()
    assert finished == ["churn"]
    with store.session() as session:
        done = session.get_one(Baseline, baseline_id)
    assert done.job_status is JobStatus.COMPLETED
    assert done.statistics_uri == str(tmp_path / "data" / "baselines" / "churn" / "statistics.json")
