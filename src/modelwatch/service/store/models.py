"""The server's tables as SQLAlchemy 2 typed models; the Alembic revisions in `service.migrations` match them.

Every moment is a timezone-aware UTC datetime (`UTCDateTime`), whatever the database keeps. Statuses are
stored as their SageMaker names in plain strings, not native enums, so a later status is a model change
without an ``ALTER TYPE``. Constraint names follow one convention so both dialects name them alike and a
migration can refer to them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    Dialect,
    Enum,
    ForeignKey,
    Index,
    MetaData,
    String,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAME_LENGTH = 128
URI_LENGTH = 2048
REASON_LENGTH = 1024
"""SageMaker's limit for `FailureReason`; longer reasons are cut to it."""


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime in UTC, in and out.

    PostgreSQL keeps ``timestamptz``; SQLite has no time zones, so the value is written as naive UTC text
    (which still sorts in time order) and read back with UTC attached. A naive datetime is refused on the
    way in: guessing its zone is how off-by-hours bugs start.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()}: the store keeps timezone-aware UTC times")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utc_now() -> datetime:
    return datetime.now(UTC)


class ScheduleStatus(StrEnum):
    PENDING = "Pending"
    SCHEDULED = "Scheduled"
    STOPPED = "Stopped"
    FAILED = "Failed"


class ExecutionStatus(StrEnum):
    PENDING = "Pending"
    IN_PROGRESS = "InProgress"
    COMPLETED = "Completed"
    COMPLETED_WITH_VIOLATIONS = "CompletedWithViolations"
    FAILED = "Failed"
    STOPPING = "Stopping"
    STOPPED = "Stopped"


ACTIVE_STATUSES = (ExecutionStatus.PENDING, ExecutionStatus.IN_PROGRESS)
"""An execution in one of these statuses is held by a runner's lease."""


class JobStatus(StrEnum):
    """The status of a baselining job the server runs."""

    PENDING = "Pending"
    IN_PROGRESS = "InProgress"
    COMPLETED = "Completed"
    FAILED = "Failed"


class DeliveryStatus(StrEnum):
    PENDING = "Pending"
    DELIVERED = "Delivered"
    FAILED = "Failed"


def _status(enum: type[StrEnum]) -> Enum:
    """A status column: the member's value as a short string, checked in Python, no database enum type."""
    return Enum(
        enum,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


class Base(DeclarativeBase):
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_N_name)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), dict[str, Any]: JSON()}


class Endpoint(Base):
    """A model endpoint whose traffic is captured under `capture_uri` (any fsspec location)."""

    __tablename__ = "endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH), unique=True)
    capture_uri: Mapped[str] = mapped_column(String(URI_LENGTH))
    storage_options: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)


class Baseline(Base):
    """Baseline documents given by location, or produced by a baselining job the server runs.

    A job baseline starts with `dataset_uri` and a `job_status`; when the job completes it fills in the two
    document locations. The check constraint keeps a row from having neither.
    """

    __tablename__ = "baselines"
    __table_args__ = (
        CheckConstraint(
            "(statistics_uri IS NOT NULL AND constraints_uri IS NOT NULL) OR dataset_uri IS NOT NULL",
            name="documents_or_dataset",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH), unique=True)
    statistics_uri: Mapped[str | None] = mapped_column(String(URI_LENGTH))
    constraints_uri: Mapped[str | None] = mapped_column(String(URI_LENGTH))
    dataset_uri: Mapped[str | None] = mapped_column(String(URI_LENGTH))
    dataset_options: Mapped[dict[str, Any]] = mapped_column(default=dict)
    job_status: Mapped[JobStatus | None] = mapped_column(_status(JobStatus))
    failure_reason: Mapped[str | None] = mapped_column(String(REASON_LENGTH))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)


class Schedule(Base):
    """A monitoring schedule: which endpoint, against which baseline, when (cron and window offsets).

    Offsets are kept as SageMaker writes them (``-PT1H``) and parsed by `service.windows.parse_offset`.
    """

    __tablename__ = "schedules"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH), unique=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("endpoints.id", ondelete="RESTRICT"), index=True)
    baseline_id: Mapped[int] = mapped_column(ForeignKey("baselines.id", ondelete="RESTRICT"), index=True)
    cron_expression: Mapped[str] = mapped_column(String(256))
    start_offset: Mapped[str] = mapped_column(String(32), default="PT0S")
    end_offset: Mapped[str] = mapped_column(String(32), default="PT0S")
    status: Mapped[ScheduleStatus] = mapped_column(_status(ScheduleStatus), default=ScheduleStatus.PENDING)
    failure_reason: Mapped[str | None] = mapped_column(String(REASON_LENGTH))
    alert_settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    max_runtime_seconds: Mapped[int] = mapped_column(default=3600)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)

    endpoint: Mapped[Endpoint] = relationship(lazy="joined")
    baseline: Mapped[Baseline] = relationship(lazy="joined")


class Execution(Base):
    """One run of a schedule over one window; the unique (schedule, window) is the exactly-once guarantee.

    While Pending or InProgress the row is held by `lease_owner` until `lease_expires_at`; `attempts` counts
    the runners that have held it (more than one after a takeover).
    """

    __tablename__ = "executions"
    __table_args__ = (
        UniqueConstraint("schedule_id", "window_start", "window_end"),
        Index(None, "status", "lease_expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("schedules.id", ondelete="CASCADE"))
    window_start: Mapped[datetime]
    window_end: Mapped[datetime]
    scheduled_at: Mapped[datetime | None]
    status: Mapped[ExecutionStatus] = mapped_column(_status(ExecutionStatus))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    started_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    duration_seconds: Mapped[float | None]
    violation_count: Mapped[int | None]
    exit_message: Mapped[str | None] = mapped_column(String(REASON_LENGTH))
    failure_reason: Mapped[str | None] = mapped_column(String(REASON_LENGTH))
    report_uri: Mapped[str | None] = mapped_column(String(URI_LENGTH))
    lease_owner: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    lease_expires_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=1)

    schedule: Mapped[Schedule] = relationship()
    deliveries: Mapped[list[AlertDelivery]] = relationship(back_populates="execution")


class AlertDelivery(Base):
    """One alert of one execution to one target (a webhook URL, an address); sent at most once per pair."""

    __tablename__ = "alert_deliveries"
    __table_args__ = (UniqueConstraint("execution_id", "target"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    execution_id: Mapped[int] = mapped_column(ForeignKey("executions.id", ondelete="CASCADE"))
    target: Mapped[str] = mapped_column(String(URI_LENGTH))
    status: Mapped[DeliveryStatus] = mapped_column(_status(DeliveryStatus), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(REASON_LENGTH))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    delivered_at: Mapped[datetime | None]

    execution: Mapped[Execution] = relationship(back_populates="deliveries")
