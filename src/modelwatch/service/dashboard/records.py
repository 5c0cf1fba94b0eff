"""Store rows as the pages' records."""

from __future__ import annotations

from modelwatch.service.store import Baseline, Execution, Schedule
from modelwatch.service.windows import parse_offset
from modelwatch.ui.pages.records import BaselineRow, ExecutionRow, ScheduleRow


def execution_row(execution: Execution, schedule: str) -> ExecutionRow:
    return ExecutionRow(
        id=execution.id,
        schedule=schedule,
        status=str(execution.status),
        window_start=execution.window_start,
        window_end=execution.window_end,
        violation_count=execution.violation_count,
        message=execution.failure_reason or execution.exit_message,
        ended_at=execution.ended_at,
        duration_seconds=execution.duration_seconds,
    )


def schedule_row(schedule: Schedule, executions: list[Execution]) -> ScheduleRow:
    return ScheduleRow(
        name=schedule.name,
        endpoint=schedule.endpoint.name,
        baseline=schedule.baseline.name,
        cron_expression=schedule.cron_expression,
        start_offset=parse_offset(schedule.start_offset),
        end_offset=parse_offset(schedule.end_offset),
        status=str(schedule.status),
        failure_reason=schedule.failure_reason,
        max_runtime_seconds=schedule.max_runtime_seconds,
        created_at=schedule.created_at,
        executions=[execution_row(execution, schedule.name) for execution in executions],
    )


def baseline_row(baseline: Baseline, schedules: list[str]) -> BaselineRow:
    return BaselineRow(
        name=baseline.name,
        statistics_uri=baseline.statistics_uri,
        constraints_uri=baseline.constraints_uri,
        dataset_uri=baseline.dataset_uri,
        job_status=str(baseline.job_status) if baseline.job_status is not None else None,
        failure_reason=baseline.failure_reason,
        created_at=baseline.created_at,
        schedules=schedules,
    )
