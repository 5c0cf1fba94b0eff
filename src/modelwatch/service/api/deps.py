"""What routes share: the store and settings of the app, and finding a record by name."""

from __future__ import annotations

from typing import Annotated, TypeVar

from fastapi import Depends, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from modelwatch.service.api.errors import ApiError, not_found
from modelwatch.service.api.settings import ApiSettings
from modelwatch.service.store import Baseline, Endpoint, Schedule, Store

Named = TypeVar("Named", Endpoint, Baseline, Schedule)
_KINDS: dict[type, str] = {Endpoint: "endpoint", Baseline: "baseline", Schedule: "schedule"}


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _settings(request: Request) -> ApiSettings:
    settings: ApiSettings = request.app.state.settings
    return settings


StoreDep = Annotated[Store, Depends(_store)]
SettingsDep = Annotated[ApiSettings, Depends(_settings)]


def find(session: Session, model: type[Named], name: str) -> Named | None:
    return session.scalars(select(model).where(model.name == name)).one_or_none()


def get(session: Session, model: type[Named], name: str) -> Named:
    """The record named in the URL; 404 when there is none."""
    record = find(session, model, name)
    if record is None:
        raise not_found(f"{_KINDS[model]} {name!r}")
    return record


def referenced(session: Session, model: type[Named], name: str, field: str) -> Named:
    """The record a request body refers to by name; 422 naming the body's field when there is none."""
    record = find(session, model, name)
    if record is None:
        raise ApiError(422, f"{field}: no {_KINDS[model]} named {name!r}", field)
    return record


def ensure_new(session: Session, model: type[Named], name: str) -> None:
    if find(session, model, name) is not None:
        raise ApiError(409, f"{_KINDS[model]} {name!r} already exists", "name")


def ensure_unused(session: Session, record: Endpoint | Baseline) -> None:
    """Refuse to delete an endpoint or baseline that schedules still use, naming a few of them."""
    column = Schedule.endpoint_id if isinstance(record, Endpoint) else Schedule.baseline_id
    users = list(session.scalars(select(Schedule.name).where(column == record.id).order_by(Schedule.name)))
    if users:
        shown = ", ".join(repr(name) for name in users[:5]) + (", ..." if len(users) > 5 else "")
        schedules = "schedule" if len(users) == 1 else "schedules"
        raise ApiError(409, f"{_KINDS[type(record)]} {record.name!r} is used by {schedules} {shown}")
