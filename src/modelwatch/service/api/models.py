"""Request and response bodies (Pydantic v2).

Request bodies forbid unknown fields, so a misspelt option is an error instead of being silently ignored.
Names appear in URLs, so they are limited to letters, digits and ``.-_`` and cannot contain a slash.
Times are timezone-aware and rendered as ISO 8601 UTC.
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import Annotated, Any, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from modelwatch.errors import ModelwatchError
from modelwatch.service.schedule import CronSchedule, ScheduleError, parse_offset
from modelwatch.service.store.models import (
    NAME_LENGTH,
    URI_LENGTH,
    ExecutionStatus,
    JobStatus,
    ScheduleStatus,
)
from modelwatch.storage import filesystem, is_local

MAX_RUNTIME_SECONDS = 86_400

Name = Annotated[
    str,
    StringConstraints(
        min_length=1, max_length=NAME_LENGTH, pattern=r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$"
    ),
]
Uri = Annotated[str, StringConstraints(min_length=1, max_length=URI_LENGTH)]


def _cron(expression: str) -> str:
    try:
        CronSchedule.parse(expression)
    except ScheduleError as error:
        raise ValueError(str(error)) from None
    return expression


def _offset(text: str) -> str:
    try:
        parse_offset(text)
    except ScheduleError as error:
        raise ValueError(str(error)) from None
    return text.strip()


def _capture_location(uri: str) -> str:
    """A local capture location must be an existing folder (the capture writer creates it on start-up).

    Object stores are not probed here: reaching them needs the endpoint's credentials and network.
    """
    try:
        fs, path = filesystem(uri)
    except ModelwatchError as error:
        raise ValueError(str(error)) from None
    if is_local(fs) and not os.path.isdir(path):
        raise ValueError(f"no such folder: {uri}")
    return uri


CaptureLocation = Annotated[Uri, AfterValidator(_capture_location)]
CronExpression = Annotated[str, StringConstraints(max_length=256), AfterValidator(_cron)]
Offset = Annotated[str, StringConstraints(max_length=32), AfterValidator(_offset)]


class RequestBody(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ResponseBody(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class EndpointChange(RequestBody):
    capture_uri: CaptureLocation
    storage_options: dict[str, Any] = Field(default_factory=dict)


class EndpointCreate(EndpointChange):
    name: Name


class EndpointOut(ResponseBody):
    name: str
    capture_uri: str
    storage_options: dict[str, Any]
    created_at: datetime


class BaselineCreate(RequestBody):
    """Either the two documents of an existing baseline, or a dataset for the server to baseline."""

    name: Name
    statistics_uri: Uri | None = None
    constraints_uri: Uri | None = None
    dataset_uri: Uri | None = None
    dataset_options: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _documents_or_dataset(self) -> Self:
        documents = (self.statistics_uri, self.constraints_uri)
        if self.dataset_uri is None and None in documents:
            raise ValueError(
                "give both statistics_uri and constraints_uri, or dataset_uri for a baselining job"
            )
        if self.dataset_uri is not None and documents != (None, None):
            raise ValueError("give dataset_uri or statistics_uri and constraints_uri, not both")
        return self


class BaselineOut(ResponseBody):
    name: str
    statistics_uri: str | None
    constraints_uri: str | None
    dataset_uri: str | None
    dataset_options: dict[str, Any]
    job_status: JobStatus | None
    failure_reason: str | None
    created_at: datetime


class ScheduleChange(RequestBody):
    endpoint: Name
    baseline: Name
    cron_expression: CronExpression
    start_offset: Offset = "PT0S"
    end_offset: Offset = "PT0S"
    alert_settings: dict[str, Any] = Field(default_factory=dict)
    max_runtime_seconds: int = Field(default=3600, ge=1, le=MAX_RUNTIME_SECONDS)


class ScheduleCreate(ScheduleChange):
    name: Name


class ScheduleOut(BaseModel):
    name: str
    endpoint: str
    baseline: str
    cron_expression: str
    start_offset: str
    end_offset: str
    status: ScheduleStatus
    failure_reason: str | None
    alert_settings: dict[str, Any]
    max_runtime_seconds: int
    created_at: datetime


class ExecutionOut(BaseModel):
    id: int
    schedule: str
    status: ExecutionStatus
    window_start: datetime
    window_end: datetime
    scheduled_at: datetime | None
    created_at: datetime
    started_at: datetime | None
    ended_at: datetime | None
    duration_seconds: float | None
    violation_count: int | None
    exit_message: str | None
    failure_reason: str | None
    attempts: int
    report_uri: str | None = Field(
        description="Where the report was written; null when it is a local folder outside the data directory"
    )


class ExecutionPage(BaseModel):
    items: list[ExecutionOut]
    total: int
    limit: int
    offset: int


class ExecutionDetail(ExecutionOut):
    violations: list[dict[str, Any]] | None = Field(
        description="The report's constraint_violations.json; null when the API cannot read it"
    )
    violations_error: str | None = None
    files: dict[str, str] = Field(description="Each report file the API serves, by name, with its URL")
