"""The server's Prometheus metrics: each schedule's latest execution and its features, and scheduler health.

Everything is read from the store at scrape time by one collector, so several servers sharing a store
export the same values and nothing is lost on restart. A scrape costs four small queries; the report files
of an execution (its ``metrics.json`` and ``constraint_violations.json``) are read once and cached by
execution id, since a finished report never changes.

Which execution each metric describes:

- ``modelwatch_execution_status``: the execution of the latest window, whatever its status (it may be
  InProgress), like SageMaker's ``LastMonitoringExecutionSummary``; one series per SageMaker status.
- duration, violations, window-end timestamp: the latest execution that finished (a running one has none).
- feature gauges: the latest Completed or CompletedWithViolations execution, from its report.

The names are SageMaker's CloudWatch metrics (reference §6.4) in Prometheus form: ``feature_baseline_drift_f``
becomes ``modelwatch_feature_baseline_drift{feature="f"}``, ``feature_non_null_f`` is completeness and
``feature_data_type_f`` the type-match fraction.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector
from sqlalchemy import Select, func, select

from modelwatch import storage
from modelwatch.analysis import METRICS_FILE, VIOLATIONS_FILE
from modelwatch.errors import ModelwatchError
from modelwatch.formats.violations import ConstraintViolations
from modelwatch.service.cron import CronSchedule, ScheduleError
from modelwatch.service.store import Endpoint, Execution, ExecutionStatus, Schedule, ScheduleStatus, Store
from modelwatch.service.store.executions import FINAL_STATUSES

logger = logging.getLogger(__name__)

_COMPLETED = (ExecutionStatus.COMPLETED, ExecutionStatus.COMPLETED_WITH_VIOLATIONS)
_FEATURE_METRICS = {
    "feature_baseline_drift_": "baseline_drift",
    "feature_non_null_": "completeness",
    "feature_data_type_": "type_match",
}
_SCHEDULE_LABELS = ["endpoint", "schedule"]
_FEATURE_LABELS = ["endpoint", "schedule", "feature"]


@dataclass(frozen=True)
class SchedulerHealth:
    """How far behind the scheduler is (seconds since its oldest due, unclaimed window) and its load."""

    lag_seconds: float
    queued: int
    running: int


@dataclass(frozen=True)
class ReportValues:
    """What the metrics need of one report: metric values by feature, and the features with a violation."""

    features: dict[str, dict[str, float]]
    violated: frozenset[str]


@dataclass(frozen=True)
class _Latest:
    endpoint: str
    schedule: str
    execution: Execution


class StoreCollector(Collector):
    """Prometheus collector over a store; `health` reports the local scheduler (None exports no health)."""

    def __init__(
        self,
        store: Store,
        health: Callable[[], SchedulerHealth] | None = None,
        *,
        storage_options: Mapping[str, Any] | None = None,
    ) -> None:
        self.store = store
        self.health = health
        self.storage_options = storage_options
        self._reports: dict[int, ReportValues] = {}
        self._reports_lock = threading.Lock()

    def collect(self) -> Iterator[Metric]:
        latest = self._latest(select(Execution))
        finished = self._latest(select(Execution).where(Execution.status.in_(FINAL_STATUSES)))
        completed = self._latest(select(Execution).where(Execution.status.in_(_COMPLETED)))
        yield from self._status(latest)
        yield from self._executions(finished)
        yield from self._features(completed)
        yield self._intervals()
        if self.health is not None:
            yield from _health(self.health())

    def _latest(self, query: Select[tuple[Execution]]) -> list[_Latest]:
        """Per schedule, the execution with the latest window among those `query` selects."""
        ranked = query.add_columns(
            func.row_number()
            .over(
                partition_by=Execution.schedule_id,
                order_by=(Execution.window_end.desc(), Execution.id.desc()),
            )
            .label("rank")
        ).subquery()
        row = select(Execution).join(ranked, Execution.id == ranked.c.id).where(ranked.c.rank == 1)
        names = (
            row.add_columns(Schedule.name, Endpoint.name)
            .join(Schedule, Schedule.id == Execution.schedule_id)
            .join(Endpoint, Endpoint.id == Schedule.endpoint_id)
            .order_by(Endpoint.name, Schedule.name)
        )
        with self.store.session() as session:
            return [
                _Latest(endpoint, schedule, execution)
                for execution, schedule, endpoint in session.execute(names)
            ]

    def _status(self, latest: list[_Latest]) -> Iterator[Metric]:
        status = GaugeMetricFamily(
            "modelwatch_execution_status",
            "1 for the status of the schedule's latest execution, 0 for the other SageMaker statuses.",
            labels=[*_SCHEDULE_LABELS, "status"],
        )
        for item in latest:
            for member in ExecutionStatus:
                value = 1.0 if item.execution.status == member else 0.0
                status.add_metric([item.endpoint, item.schedule, member.value], value)
        yield status

    def _executions(self, finished: list[_Latest]) -> Iterator[Metric]:
        duration = GaugeMetricFamily(
            "modelwatch_execution_duration_seconds",
            "Run time of the schedule's latest finished execution.",
            labels=_SCHEDULE_LABELS,
        )
        timestamp = GaugeMetricFamily(
            "modelwatch_execution_timestamp_seconds",
            "End of the window of the schedule's latest finished execution, in Unix time.",
            labels=_SCHEDULE_LABELS,
        )
        violations = GaugeMetricFamily(
            "modelwatch_execution_violations",
            "Constraint violations found by the schedule's latest finished execution (none when it failed).",
            labels=_SCHEDULE_LABELS,
        )
        for item in finished:
            labels = [item.endpoint, item.schedule]
            execution = item.execution
            timestamp.add_metric(labels, execution.window_end.timestamp())
            if execution.duration_seconds is not None:
                duration.add_metric(labels, execution.duration_seconds)
            if execution.violation_count is not None:
                violations.add_metric(labels, execution.violation_count)
        yield from (duration, timestamp, violations)

    def _features(self, completed: list[_Latest]) -> Iterator[Metric]:
        families = {
            "baseline_drift": GaugeMetricFamily(
                "modelwatch_feature_baseline_drift",
                "Distance of the feature's distribution from the baseline's (latest completed execution).",
                labels=_FEATURE_LABELS,
            ),
            "completeness": GaugeMetricFamily(
                "modelwatch_feature_completeness",
                "Fraction of the feature's values present (latest completed execution).",
                labels=_FEATURE_LABELS,
            ),
            "type_match": GaugeMetricFamily(
                "modelwatch_feature_type_match",
                "Fraction of the feature's values of the baseline's type (latest completed execution).",
                labels=_FEATURE_LABELS,
            ),
        }
        violation = GaugeMetricFamily(
            "modelwatch_feature_violation",
            "1 if the latest completed execution found a violation on the feature, else 0.",
            labels=_FEATURE_LABELS,
        )
        for item, report in zip(completed, self._reports_of(completed), strict=True):
            for feature in sorted(set(report.features) | report.violated):
                labels = [item.endpoint, item.schedule, feature]
                for kind, value in report.features.get(feature, {}).items():
                    families[kind].add_metric(labels, value)
                violation.add_metric(labels, 1.0 if feature in report.violated else 0.0)
        yield from families.values()
        yield violation

    def _reports_of(self, completed: list[_Latest]) -> list[ReportValues]:
        """The reports' values, from the cache, which keeps only the executions still latest."""
        with self._reports_lock:
            reports: dict[int, ReportValues] = {}
            for item in completed:
                cached = self._reports.get(item.execution.id)
                reports[item.execution.id] = (
                    cached if cached is not None else self._read_report(item.execution)
                )
            self._reports = reports
        return [reports[item.execution.id] for item in completed]

    def _read_report(self, execution: Execution) -> ReportValues:
        """The report's values; empty (and logged once, since it is cached) when they cannot be read.

        Reports are written completely before the execution is recorded as finished, so a file that is
        missing then will stay missing: caching the failure keeps every later scrape cheap.
        """
        if execution.report_uri is None:
            return ReportValues({}, frozenset())
        try:
            metrics = storage.read_json(
                storage.join(execution.report_uri, METRICS_FILE), self.storage_options
            )
            violations = ConstraintViolations.from_dict(
                storage.read_json(storage.join(execution.report_uri, VIOLATIONS_FILE), self.storage_options)
            )
        except ModelwatchError as error:
            logger.warning("execution %s: no feature metrics: %s", execution.id, error)
            return ReportValues({}, frozenset())
        return ReportValues(
            _feature_values(metrics), frozenset(item.feature_name for item in violations.violations)
        )

    def _intervals(self) -> Metric:
        """The gap between fire times around now, for the "no execution for too long" alerting rule."""
        interval = GaugeMetricFamily(
            "modelwatch_schedule_interval_seconds",
            "Time between the schedule's fire times around now (scheduled schedules only).",
            labels=_SCHEDULE_LABELS,
        )
        now = self.store.clock()
        query = (
            select(Schedule.name, Schedule.cron_expression, Endpoint.name)
            .join(Endpoint, Endpoint.id == Schedule.endpoint_id)
            .where(Schedule.status == ScheduleStatus.SCHEDULED)
            .order_by(Endpoint.name, Schedule.name)
        )
        with self.store.session() as session:
            rows = session.execute(query).all()
        for schedule, expression, endpoint in rows:
            seconds = _interval_seconds(expression, now)
            if seconds is not None:
                interval.add_metric([endpoint, schedule], seconds)
        return interval


def _interval_seconds(expression: str, now: datetime) -> float | None:
    try:
        cron = CronSchedule.parse(expression)
    except ScheduleError:
        return None
    return (cron.next_after(now) - cron.previous_at_or_before(now)).total_seconds()


def _feature_values(document: Any) -> dict[str, dict[str, float]]:
    """`metrics.json` values by feature and kind; skips entries that are not a known metric and a number."""
    entries = document.get("metrics", []) if isinstance(document, dict) else []
    values: dict[str, dict[str, float]] = {}
    for entry in entries if isinstance(entries, list) else []:
        name = entry.get("MetricName") if isinstance(entry, dict) else None
        value = entry.get("Value") if isinstance(entry, dict) else None
        if not isinstance(name, str) or isinstance(value, bool) or not isinstance(value, int | float):
            continue
        for prefix, kind in _FEATURE_METRICS.items():
            if name.startswith(prefix) and len(name) > len(prefix):
                values.setdefault(name[len(prefix) :], {})[kind] = float(value)
    return values


def _health(health: SchedulerHealth) -> Iterator[Metric]:
    yield GaugeMetricFamily(
        "modelwatch_scheduler_lag_seconds",
        "How long the oldest due window has waited to be claimed (0 when none waits).",
        value=health.lag_seconds,
    )
    yield GaugeMetricFamily(
        "modelwatch_scheduler_queued_executions",
        "Due executions waiting for a runner.",
        value=health.queued,
    )
    yield GaugeMetricFamily(
        "modelwatch_scheduler_running_executions",
        "Executions this server is running.",
        value=health.running,
    )


Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Any]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def metrics_app(
    store: Store,
    health: Callable[[], SchedulerHealth],
    *,
    storage_options: Mapping[str, Any] | None = None,
) -> ASGIApp:
    """ASGI app serving ``GET /metrics`` in the Prometheus text format (OpenMetrics when asked for).

    It also answers at its mount point, so it can be mounted at ``/metrics`` in a larger app. The scrape
    reads the database, so it runs in a worker thread, off the event loop.
    """
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StoreCollector(store, health, storage_options=storage_options))

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        path = scope.get("path", "")
        root = scope.get("root_path", "")
        local = path[len(root) :] if root and path.startswith(root) else path
        if local not in {"/metrics", "/", ""}:
            await _respond(send, 404, b"not found: try /metrics\n", "text/plain; charset=utf-8")
        elif scope.get("method") not in {"GET", "HEAD"}:
            await _respond(send, 405, b"method not allowed: use GET\n", "text/plain; charset=utf-8")
        else:
            accept = dict(scope.get("headers", [])).get(b"accept", b"").decode("latin-1")
            encoder, content_type = choose_encoder(accept)
            body = await asyncio.to_thread(encoder, registry)
            await _respond(send, 200, b"" if scope["method"] == "HEAD" else body, content_type)

    return app


async def _respond(send: Send, status: int, body: bytes, content_type: str) -> None:
    headers = [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
