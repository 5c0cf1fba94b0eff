"""Store fixtures: every store test runs on SQLite and on a throwaway PostgreSQL cluster.

The cluster is started once per test session (per xdist worker) from the installed PostgreSQL binaries,
as the ``postgres`` user when the suite runs as root (PostgreSQL refuses root), on a free local port with
fsync off; each test gets a fresh database in it. Without PostgreSQL the PostgreSQL half is skipped, except
under CI, where it must run.
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from modelwatch.service.store import Baseline, Endpoint, Schedule, Store, open_store

from .postgres import PostgresServer, free_port, require_postgres_bin


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    bin_dir = require_postgres_bin(os.environ)
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    root = Path(tempfile.mkdtemp(prefix="modelwatch-pg-"))
    if as_postgres:
        account = pwd.getpwnam("postgres")
        os.chown(root, account.pw_uid, account.pw_gid)
    data, port = root / "data", free_port()

    def run(*args: str) -> None:
        done = subprocess.run([*as_postgres, *args], check=False, capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            raise RuntimeError(f"{Path(args[0]).name} failed: {done.stderr or done.stdout}")

    pg_ctl = str(bin_dir / "pg_ctl")
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=off -c full_page_writes=off"
    try:
        run(
            str(bin_dir / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "--no-sync",
            "-E",
            "UTF8",
        )
        run(pg_ctl, "-D", str(data), "-l", str(root / "log"), "-w", "-o", options, "start")
        try:
            yield PostgresServer(port)
        finally:
            run(pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop")
    finally:
        shutil.rmtree(root, ignore_errors=True)


_databases = itertools.count()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> str:
    """The URL of a new, empty database in the test cluster."""
    name = f"test_{os.getpid()}_{next(_databases)}"
    with psycopg.connect(postgres_server.url("postgres"), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return postgres_server.url(name)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty database: a file under `tmp_path`, or a new database in the test cluster."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'modelwatch.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 3, 1, 12, 0, tzinfo=UTC))


@pytest.fixture
def store(store_url: str, tmp_path: Path, clock: Clock) -> Iterator[Store]:
    opened = open_store(store_url, tmp_path, clock=clock)
    yield opened
    opened.close()


@pytest.fixture
def make_schedule(store: Store) -> Callable[[str], int]:
    """Create a schedule (with its endpoint and baseline) named `name`; its id."""

    def make(name: str) -> int:
        with store.session() as session:
            schedule = Schedule(
                name=name,
                endpoint=Endpoint(name=f"{name}-endpoint", capture_uri=f"s3://bucket/capture/{name}"),
                baseline=Baseline(
                    name=f"{name}-baseline",
                    statistics_uri="/baseline/statistics.json",
                    constraints_uri="/baseline/constraints.json",
                ),
                cron_expression="0 * * * *",
            )
            session.add(schedule)
            session.flush()
            return schedule.id

    return make
