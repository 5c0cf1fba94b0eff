"""A store with real executions for the dashboard's tests: the demo's churn baseline and analyses.

`modelwatch.demo.run` baselines the churn training set and analyses two captured hours (the test rows,
then the same rows drifted); a third analysis on an hour without traffic fails for real. Their report
folders are recorded as executions of two schedules, plus one whose report folder has since gone, and a
baseline whose feature names need escaping.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
from sqlalchemy.orm import Session

from modelwatch.analysis import STATISTICS_FILE, AnalysisResult, analyze
from modelwatch.baseline import BaselineResult, suggest_baseline
from modelwatch.demo import DRIFTED_HOUR, NORMAL_HOUR, run
from modelwatch.service.store import Baseline, Endpoint, Execution, ExecutionStatus, Schedule, Store

HOURLY, DAILY, IDLE = "churn-hourly", "churn-daily", "churn-idle"
HOSTILE = "<b>\"odd\" & 'name'</b>"
DRIFTING = "Day Mins"


@dataclass
class Seeded:
    data_dir: Path
    normal: int
    drifted: int
    gone: int
    failed: int
    drifted_violations: list[str]
    """The features the drifted execution flags."""


def seed(data_dir: Path, store: Store) -> Seeded:
    demo = run(data_dir / "demo")
    baseline_dir = Path(demo.baseline.statistics_uri).parent
    empty_hour = DRIFTED_HOUR + timedelta(hours=1)
    failed = analyze(
        str(demo.capture_location),
        str(data_dir / "reports" / "failed"),
        baseline=str(baseline_dir),
        start=empty_hour,
        end=empty_hour + timedelta(hours=1),
    )
    assert failed.status == "Failed", failed.message
    gone = data_dir / "reports" / "gone"
    shutil.copytree(_folder(demo.normal), gone)
    shutil.rmtree(gone)
    hostile_baseline = _hostile_baseline(data_dir / "hostile")
    with store.session() as session:
        endpoint = Endpoint(name="churn", capture_uri=str(demo.capture_location), storage_options={})
        churn = Baseline(
            name="churn-training",
            statistics_uri=demo.baseline.statistics_uri,
            constraints_uri=demo.baseline.constraints_uri,
            dataset_options={},
        )
        odd = Baseline(
            name="odd-names",
            statistics_uri=hostile_baseline.statistics_uri,
            constraints_uri=hostile_baseline.constraints_uri,
            dataset_options={},
        )
        session.add_all([endpoint, churn, odd])
        schedules = {
            name: Schedule(
                name=name,
                endpoint=endpoint,
                baseline=churn,
                cron_expression="0 * * * *",
                status="Scheduled",
                alert_settings={},
            )
            for name in (HOURLY, DAILY, IDLE)
        }
        session.add_all(schedules.values())
        session.flush()
        ids = [
            _record(session, schedules[HOURLY], NORMAL_HOUR - timedelta(hours=1), demo.normal, gone),
            _record(session, schedules[HOURLY], NORMAL_HOUR, demo.normal, _folder(demo.normal)),
            _record(session, schedules[HOURLY], DRIFTED_HOUR, demo.drifted, _folder(demo.drifted)),
            _record(session, schedules[DAILY], empty_hour, failed, None),
        ]
    return Seeded(
        data_dir=data_dir,
        gone=ids[0],
        normal=ids[1],
        drifted=ids[2],
        failed=ids[3],
        drifted_violations=sorted({v.feature_name for v in demo.drifted.violations}),
    )


def _folder(result: AnalysisResult) -> Path:
    return Path(result.files[STATISTICS_FILE]).parent


def _record(
    session: Session, schedule: Schedule, start: datetime, result: AnalysisResult, report: Path | None
) -> int:
    """The execution the runner records for `result` (see `store.finish`)."""
    end = start + timedelta(hours=1)
    execution = Execution(
        schedule_id=schedule.id,
        window_start=start,
        window_end=end,
        status=ExecutionStatus(result.status),
        started_at=end,
        ended_at=end + timedelta(seconds=5),
        duration_seconds=5.0,
        violation_count=None if result.failed else len(result.violations),
        exit_message=result.message,
        failure_reason=result.message if result.failed else None,
        report_uri=str(report) if report is not None else None,
        created_at=datetime.now(UTC),
    )
    session.add(execution)
    session.flush()
    return execution.id


def _hostile_baseline(folder: Path) -> BaselineResult:
    folder.mkdir(parents=True)
    data = folder / "odd.csv"
    pacsv.write_csv(pa.table({HOSTILE: [1.0, 2.5, 4.0], "plain": ["a", "b", "a"]}), data)
    return suggest_baseline(str(data), str(folder / "baseline"))
