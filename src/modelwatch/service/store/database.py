"""Opening the store: a URL (SQLite by default, PostgreSQL for several servers) migrated to the latest schema.

SQLite is tuned for a server with a few threads: WAL (readers do not wait for the writer), foreign keys on,
a busy timeout, and every transaction begun ``IMMEDIATE``. The last one matters: a deferred transaction
that reads and then writes cannot wait for a concurrent writer and fails with "database is locked" at
once, whereas an immediate one queues for the write lock up front.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from modelwatch.errors import ModelwatchError
from modelwatch.service.store.models import utc_now

DATABASE_FILE = "modelwatch.db"
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
_SQLITE_BUSY_TIMEOUT_MS = 30_000
_POSTGRESQL_CONNECT_TIMEOUT_S = 10
_MIGRATION_LOCK = 0x6D77_7374  # any constant shared by every server: the advisory lock for migrating
_POSTGRESQL_DRIVERS = {"postgres", "postgresql", "postgresql+psycopg"}


class Store:
    """The database of one server: sessions on it, and the clock its records are stamped with.

    The clock is injectable so tests can move time (lease expiry) without sleeping.
    """

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = utc_now) -> None:
        self.engine = engine
        self.clock = clock
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in one transaction, committed on success and rolled back on error."""
        with self._sessions.begin() as session:
            yield session

    def close(self) -> None:
        self.engine.dispose()


def open_store(url: str | None, data_dir: Path, *, clock: Callable[[], datetime] = utc_now) -> Store:
    """The store at `url` (``sqlite:///{data_dir}/modelwatch.db`` when None), migrated to the latest revision.

    Several servers may open the same PostgreSQL store at once: migrating takes an advisory lock, so one
    migrates and the others find the schema current. ModelwatchError, on one line, for a URL that is not
    SQLite or PostgreSQL, cannot be parsed, or cannot be reached.
    """
    if url is None:
        data_dir.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{data_dir / DATABASE_FILE}"
    parsed = _parse(url)
    shown = parsed.render_as_string(hide_password=True)
    engine = _engine(parsed)
    try:
        _migrate(engine)
    except DBAPIError as error:
        engine.dispose()
        detail = str(getattr(error, "orig", None) or error).strip().splitlines()
        reason = detail[0] if detail else type(error).__name__
        raise ModelwatchError(f"store {shown}: cannot open: {reason}") from None
    return Store(engine, clock)


def _parse(url: str) -> URL:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ModelwatchError(
            f"store {url!r}: not a database URL; use sqlite:///PATH or postgresql://USER@HOST/DB"
        ) from None
    if parsed.drivername in _POSTGRESQL_DRIVERS:
        return parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername in {"sqlite", "sqlite+pysqlite"}:
        return parsed
    raise ModelwatchError(
        f"store {parsed.render_as_string(hide_password=True)}: only SQLite (sqlite:///PATH) and "
        f"PostgreSQL (postgresql://USER@HOST/DB) are supported"
    )


def _engine(url: URL) -> Engine:
    if url.get_backend_name() == "postgresql":
        return create_engine(
            url, pool_pre_ping=True, connect_args={"connect_timeout": _POSTGRESQL_CONNECT_TIMEOUT_S}
        )
    engine = create_engine(url, connect_args={"timeout": _SQLITE_BUSY_TIMEOUT_MS / 1000})
    event.listen(engine, "connect", _configure_sqlite)
    event.listen(engine, "begin", _begin_immediate)
    return engine


def _configure_sqlite(dbapi_connection: Any, _record: object) -> None:
    # Take transaction control from the driver, so `_begin_immediate` decides how transactions begin.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={_SQLITE_BUSY_TIMEOUT_MS}")
    _enable_wal(cursor)
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _enable_wal(cursor: sqlite3.Cursor) -> None:
    """Switch to write-ahead logging, waiting up to the busy timeout for other connections.

    SQLite answers "database is locked" at once, without its busy handler, when another connection is
    switching a new database file at the same moment (servers or threads opening a fresh store together).
    """
    deadline = time.monotonic() + _SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() >= deadline:
                raise
            time.sleep(0.005)


def _begin_immediate(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _migrate(engine: Engine) -> None:
    """Upgrade to head in one transaction, serialised between servers (the lock is released on commit)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
