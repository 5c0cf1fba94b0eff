"""A PostgreSQL cluster of the test's own, which the test may stop and start again on the same port.

Like the store tests' cluster (installed binaries, ``postgres`` user under root, fsync off), but one per
test: restarting the shared cluster would cut the other tests' connections.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from modelwatch.service.store import Store, open_store
from service.runner.conftest import DAY, Clock
from service.store.postgres import PostgresServer, free_port, require_postgres_bin


class Cluster:
    """A cluster: its URL, starting it, and stopping it (fast: connections cut, as a restart does)."""

    def __init__(self, port: int, bin_dir: Path, root: Path, as_postgres: list[str]) -> None:
        self.server = PostgresServer(port)
        self.running = False
        self._pg_ctl = str(bin_dir / "pg_ctl")
        self._root = root
        self._as_postgres = as_postgres

    def run(self, *args: str) -> None:
        done = subprocess.run(
            [*self._as_postgres, *args], check=False, capture_output=True, text=True, timeout=60
        )
        if done.returncode != 0:
            raise RuntimeError(f"{Path(args[0]).name} failed: {done.stderr or done.stdout}")

    def start(self) -> None:
        options = f"-c listen_addresses=127.0.0.1 -p {self.server.port} -k {self._root} -c fsync=off"
        log = str(self._root / "log")
        self.run(self._pg_ctl, "-D", str(self._root / "data"), "-l", log, "-w", "-o", options, "start")
        self.running = True

    def stop(self, mode: str = "fast") -> None:
        self.run(self._pg_ctl, "-D", str(self._root / "data"), "-m", mode, "-w", "stop")
        self.running = False


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    bin_dir = require_postgres_bin(os.environ)
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    root = Path(tempfile.mkdtemp(prefix="modelwatch-pg-restart-"))
    if as_postgres:
        account = pwd.getpwnam("postgres")
        os.chown(root, account.pw_uid, account.pw_gid)
    cluster = Cluster(free_port(), bin_dir, root, as_postgres)
    try:
        initdb = str(bin_dir / "initdb")
        cluster.run(
            initdb, "-D", str(root / "data"), "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8"
        )
        cluster.start()
        try:
            yield cluster
        finally:
            if cluster.running:
                cluster.stop("immediate")
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def clock() -> Clock:
    return Clock(DAY.replace(hour=10, minute=5))


@pytest.fixture
def store(cluster: Cluster, tmp_path: Path, clock: Clock) -> Iterator[Store]:
    opened = open_store(cluster.server.url("postgres"), tmp_path, clock=clock)
    yield opened
    opened.close()


# The runner tests' capture (hours 08:00 to 14:00 of 2026-03-01) and baseline documents.
from service.runner.conftest import baseline_dir, capture_uri  # noqa: E402, F401
