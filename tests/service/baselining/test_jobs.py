"""Baselining jobs: run once whoever ticks, failed with one line, put back when the server stops."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from modelwatch.service import baselining
from modelwatch.service.baselining import run_baselining_jobs
from modelwatch.service.store import Baseline, JobStatus, Store, open_store
from modelwatch.service.store.models import REASON_LENGTH

from .conftest import Clock, MakeBaseline

RUNNERS = 2


def stored(store: Store, baseline_id: int) -> Baseline:
    with store.session() as session:
        return session.get_one(Baseline, baseline_id)


def test_a_dataset_baseline_is_baselined_once_with_two_runners(
    store_url: str, store: Store, make_baseline: MakeBaseline, data_dir: Path, tmp_path: Path, clock: Clock
) -> None:
    baseline_id = make_baseline()
    stores = [open_store(store_url, tmp_path, clock=clock) for _ in range(RUNNERS)]
    start = threading.Barrier(RUNNERS)
    finished: list[list[str]] = [[] for _ in range(RUNNERS)]

    def runner(index: int) -> None:
        start.wait()
        finished[index] = run_baselining_jobs(stores[index], data_dir, threading.Event())

    threads = [threading.Thread(target=runner, args=(index,)) for index in range(RUNNERS)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    finally:
        for opened in stores:
            opened.close()

    assert sorted(finished) == [[], ["churn"]], "one runner ran the job, the other found it taken"
    done = stored(store, baseline_id)
    assert (done.job_status, done.failure_reason) == (JobStatus.COMPLETED, None)
    output = data_dir / "baselines" / "churn"
    assert (done.statistics_uri, done.constraints_uri) == (
        str(output / "statistics.json"),
        str(output / "constraints.json"),
    )
    statistics = json.loads((output / "statistics.json").read_text())
    assert statistics["dataset"]["item_count"] == 2333
    assert run_baselining_jobs(store, data_dir, threading.Event()) == [], "a completed job is not run again"


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"dataset_uri": "/nowhere/train.csv"}, "/nowhere/train.csv"),
        ({"dataset_options": {"format": "csv"}}, "unknown option(s) format; known: dataset_format, header"),
        ({"dataset_options": {"dataset_format": "xlsx"}}, "'xlsx' is not one of csv, json, parquet"),
    ],
)
def test_a_job_that_cannot_run_fails_with_a_one_line_reason(
    store: Store, make_baseline: MakeBaseline, data_dir: Path, fields: dict[str, object], expected: str
) -> None:
    baseline_id = make_baseline(**fields)

    assert run_baselining_jobs(store, data_dir, threading.Event()) == ["churn"]

    failed = stored(store, baseline_id)
    assert failed.job_status is JobStatus.FAILED
    assert failed.failure_reason is not None
    assert expected in failed.failure_reason
    assert "\n" not in failed.failure_reason
    assert len(failed.failure_reason) <= REASON_LENGTH
    assert (failed.statistics_uri, failed.constraints_uri) == (None, None)
    assert not (data_dir / "baselines" / "churn").exists()


def test_a_job_past_its_max_runtime_is_killed_and_failed(
    store: Store, make_baseline: MakeBaseline, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(baselining, "MAX_RUNTIME_SECONDS", 0.0)  # no worker even starts within 0 s
    baseline_id = make_baseline()

    assert run_baselining_jobs(store, data_dir, threading.Event()) == ["churn"]

    failed = stored(store, baseline_id)
    assert (failed.job_status, failed.failure_reason) == (JobStatus.FAILED, "exceeded max runtime of 0 s")


def test_a_job_cut_short_by_the_server_stopping_is_put_back_to_pending(
    store: Store, make_baseline: MakeBaseline, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stop = threading.Event()
    claim = baselining._claim

    def claim_then_stop(store: Store, baseline_id: int) -> Baseline | None:
        claimed = claim(store, baseline_id)
        stop.set()  # while the worker starts: it is killed at the first check
        return claimed

    monkeypatch.setattr(baselining, "_claim", claim_then_stop)
    baseline_id = make_baseline()

    assert run_baselining_jobs(store, data_dir, stop) == []

    assert stored(store, baseline_id).job_status is JobStatus.PENDING
    monkeypatch.undo()
    assert run_baselining_jobs(store, data_dir, threading.Event()) == ["churn"], "the next tick runs it"
    assert stored(store, baseline_id).job_status is JobStatus.COMPLETED
