"""The API's collections, one class each, with a typed method per route.

Optional request fields are sent only when given, so the server's defaults (offsets ``PT0S``, an hour of
runtime) stay in one place. Times may be naive datetimes: they are taken as UTC, as the CLI does.
"""

from __future__ import annotations

import builtins  # `builtins.list`: the methods named `list` shadow the type in the class bodies
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar, Generic, TypeVar, cast
from urllib.parse import quote

from modelwatch.client.transport import Transport
from modelwatch.client.types import (
    Baseline,
    Endpoint,
    Execution,
    ExecutionDetail,
    ExecutionPage,
    RunAccepted,
    Schedule,
)


def _iso(moment: datetime) -> str:
    return (moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment).isoformat()


def _given(**fields: Any) -> dict[str, Any]:
    return {key: value for key, value in fields.items() if value is not None}


def _named(collection: str, name: str) -> str:
    """The URL path of a record; quoted, so a name with a slash is refused as unknown, not re-routed."""
    return f"/{collection}/{quote(name, safe='')}"


RecordT = TypeVar("RecordT")


class _NamedCollection(Generic[RecordT]):
    """A collection whose records are addressed by name: list, get and delete, and the requests the
    subclasses' typed methods make."""

    collection: ClassVar[str]

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def list(self) -> builtins.list[RecordT]:
        return cast(builtins.list[RecordT], self._transport.json("GET", f"/{self.collection}"))

    def get(self, name: str) -> RecordT:
        return self._record("GET", name)

    def delete(self, name: str) -> None:
        self._transport.request("DELETE", _named(self.collection, name))

    def _create(self, body: dict[str, Any]) -> RecordT:
        return cast(RecordT, self._transport.json("POST", f"/{self.collection}", json=body))

    def _record(
        self, method: str, name: str, action: str = "", body: dict[str, Any] | None = None
    ) -> RecordT:
        """`method` on the record `name` (or on its `action` route, e.g. "/start"), sending `body` if any."""
        path = _named(self.collection, name) + action
        sent = {} if body is None else {"json": body}
        return cast(RecordT, self._transport.json(method, path, **sent))


class Endpoints(_NamedCollection[Endpoint]):
    collection = "endpoints"

    def create(self, name: str, capture_uri: str, storage_options: dict[str, Any] | None = None) -> Endpoint:
        return self._create(_given(name=name, capture_uri=capture_uri, storage_options=storage_options))

    def update(self, name: str, capture_uri: str, storage_options: dict[str, Any] | None = None) -> Endpoint:
        """Replace the endpoint's capture location and storage options (omitted options become none)."""
        return self._record(
            "PUT", name, body=_given(capture_uri=capture_uri, storage_options=storage_options)
        )


class Baselines(_NamedCollection[Baseline]):
    collection = "baselines"

    def create(
        self,
        name: str,
        *,
        statistics_uri: str | None = None,
        constraints_uri: str | None = None,
        dataset_uri: str | None = None,
        dataset_options: dict[str, Any] | None = None,
    ) -> Baseline:
        """Either both documents of an existing baseline, or a dataset the server baselines."""
        body = _given(
            name=name,
            statistics_uri=statistics_uri,
            constraints_uri=constraints_uri,
            dataset_uri=dataset_uri,
            dataset_options=dataset_options,
        )
        return self._create(body)


class Schedules(_NamedCollection[Schedule]):
    """Deleting a schedule deletes its executions too (the server cascades)."""

    collection = "schedules"

    def create(
        self,
        name: str,
        *,
        endpoint: str,
        baseline: str,
        cron_expression: str,
        start_offset: str | None = None,
        end_offset: str | None = None,
        max_runtime_seconds: int | None = None,
        alert_settings: dict[str, Any] | None = None,
    ) -> Schedule:
        body = _given(
            name=name,
            endpoint=endpoint,
            baseline=baseline,
            cron_expression=cron_expression,
            start_offset=start_offset,
            end_offset=end_offset,
            max_runtime_seconds=max_runtime_seconds,
            alert_settings=alert_settings,
        )
        return self._create(body)

    def update(
        self,
        name: str,
        *,
        endpoint: str,
        baseline: str,
        cron_expression: str,
        start_offset: str | None = None,
        end_offset: str | None = None,
        max_runtime_seconds: int | None = None,
        alert_settings: dict[str, Any] | None = None,
    ) -> Schedule:
        """Replace the schedule's settings (a PUT: omitted ones return to the server's defaults)."""
        body = _given(
            endpoint=endpoint,
            baseline=baseline,
            cron_expression=cron_expression,
            start_offset=start_offset,
            end_offset=end_offset,
            max_runtime_seconds=max_runtime_seconds,
            alert_settings=alert_settings,
        )
        return self._record("PUT", name, body=body)

    def start(self, name: str) -> Schedule:
        return self._record("POST", name, "/start")

    def stop(self, name: str) -> Schedule:
        return self._record("POST", name, "/stop")

    def run(self, name: str, start: datetime, end: datetime) -> RunAccepted:
        """Run the schedule now on ``[start, end)``; the execution appears under `Executions` as it starts."""
        body = {"start": _iso(start), "end": _iso(end)}
        return cast(RunAccepted, self._transport.json("POST", _named("schedules", name) + "/runs", json=body))


class Executions:
    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def list(
        self,
        *,
        schedule: str | None = None,
        status: str | Sequence[str] | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        limit: int | None = None,
        offset: int | None = None,
    ) -> ExecutionPage:
        """One page of executions whose window overlaps ``[start, end)``, latest first, with the total."""
        statuses = [status] if isinstance(status, str) else list(status or ())
        params = _given(
            schedule=schedule,
            status=statuses or None,
            start=_iso(start) if start else None,
            end=_iso(end) if end else None,
            limit=limit,
            offset=offset,
        )
        return cast(ExecutionPage, self._transport.json("GET", "/executions", params=params))

    def get(self, execution_id: int) -> ExecutionDetail:
        return cast(ExecutionDetail, self._transport.json("GET", f"/executions/{execution_id}"))

    def stop(self, execution_id: int) -> Execution:
        """Ask a running execution to stop: Stopping now, Stopped once its runner has killed it."""
        return cast(Execution, self._transport.json("POST", f"/executions/{execution_id}/stop"))

    def file(self, execution_id: int, name: str) -> bytes:
        """A file of the execution's report (``report.html``, ``statistics.json``, …) as the server has it."""
        path = f"/executions/{execution_id}/files/{quote(name, safe='')}"
        return self._transport.request("GET", path).content
