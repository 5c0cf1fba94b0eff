"""The server's response bodies as typed dictionaries: what the API returns, unchanged.

Dictionaries rather than classes, so a caller (or ``--json``) can pass them on as JSON without a conversion;
times stay ISO 8601 strings as the server wrote them.
"""

from __future__ import annotations

from typing import Any, TypedDict


class Endpoint(TypedDict):
    name: str
    capture_uri: str
    storage_options: dict[str, Any]
    created_at: str


class Baseline(TypedDict):
    name: str
    statistics_uri: str | None
    constraints_uri: str | None
    dataset_uri: str | None
    dataset_options: dict[str, Any]
    job_status: str | None
    failure_reason: str | None
    created_at: str


class Schedule(TypedDict):
    name: str
    endpoint: str
    baseline: str
    cron_expression: str
    start_offset: str
    end_offset: str
    status: str
    failure_reason: str | None
    alert_settings: dict[str, Any]
    max_runtime_seconds: int
    created_at: str


class RunAccepted(TypedDict):
    schedule: str
    start: str
    end: str


class Execution(TypedDict):
    id: int
    schedule: str
    status: str
    window_start: str
    window_end: str
    scheduled_at: str | None
    created_at: str
    started_at: str | None
    ended_at: str | None
    duration_seconds: float | None
    violation_count: int | None
    exit_message: str | None
    failure_reason: str | None
    attempts: int
    report_uri: str | None


class ExecutionDetail(Execution):
    violations: list[dict[str, Any]] | None
    violations_error: str | None
    files: dict[str, str]


class ExecutionPage(TypedDict):
    items: list[Execution]
    total: int
    limit: int
    offset: int
