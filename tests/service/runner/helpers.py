"""Reading back what a runner recorded."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from modelwatch.service.store import Execution, Store


def executions(store: Store, schedule_id: int) -> list[Execution]:
    """The schedule's executions, oldest window first."""
    with store.session() as session:
        query = select(Execution).where(Execution.schedule_id == schedule_id).order_by(Execution.window_start)
        return list(session.scalars(query))


def windows(store: Store, schedule_id: int) -> list[tuple[datetime, datetime]]:
    return [(row.window_start, row.window_end) for row in executions(store, schedule_id)]
