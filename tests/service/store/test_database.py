"""Opening a store: the default SQLite file, its settings, migrations equal to the models, one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from modelwatch.errors import ModelwatchError
from modelwatch.service.store import Endpoint, Store, open_store
from modelwatch.service.store.database import MIGRATIONS
from modelwatch.service.store.models import Base

from . import postgres
from .postgres import PostgresServer, free_port


def test_migrating_an_empty_database_gives_exactly_the_models(store: Store) -> None:
    with store.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
        tables = set(inspect(connection).get_table_names())
    assert tables == {*Base.metadata.tables, "alembic_version"}


def test_the_revisions_downgrade_to_nothing_and_upgrade_again(store: Store) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    for target, expected in [("base", set()), ("head", set(Base.metadata.tables))]:
        with store.engine.begin() as connection:
            config.attributes["connection"] = connection
            (command.downgrade if target == "base" else command.upgrade)(config, target)
        with store.engine.connect() as connection:
            assert set(inspect(connection).get_table_names()) - {"alembic_version"} == expected


def test_reopening_a_store_keeps_its_rows(store_url: str, tmp_path: Path) -> None:
    first = open_store(store_url, tmp_path)
    with first.session() as session:
        session.add(Endpoint(name="kept", capture_uri="/capture"))
    first.close()
    second = open_store(store_url, tmp_path)
    with second.session() as session:
        assert [endpoint.name for endpoint in session.query(Endpoint)] == ["kept"]
    second.close()


def test_the_default_is_sqlite_in_the_data_directory_with_wal_and_foreign_keys(tmp_path: Path) -> None:
    data_dir = tmp_path / "new" / "data"
    store = open_store(None, data_dir)
    try:
        assert (data_dir / "modelwatch.db").is_file()
        with store.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000
    finally:
        store.close()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("not a url", "not a database URL"),
        ("mysql://root@localhost/db", "only SQLite .* and PostgreSQL .* are supported"),
        ("sqlite:////nonexistent/dir/modelwatch.db", "cannot open: unable to open database file"),
    ],
)
def test_a_bad_url_is_one_line(tmp_path: Path, url: str, expected: str) -> None:
    with pytest.raises(ModelwatchError, match=expected) as raised:
        open_store(url, tmp_path)
    assert "\n" not in str(raised.value)


def test_an_unreachable_postgresql_is_one_line_without_the_password(tmp_path: Path) -> None:
    url = f"postgresql://user:secret@127.0.0.1:{free_port()}/modelwatch"
    with pytest.raises(
        ModelwatchError, match=r"store postgresql\+psycopg://user:\*\*\*@.*cannot open"
    ) as raised:
        open_store(url, tmp_path)
    assert "secret" not in str(raised.value)
    assert "\n" not in str(raised.value)


def test_postgres_scheme_and_driver_are_accepted(postgres_server: PostgresServer, tmp_path: Path) -> None:
    url = postgres_server.url("postgres").replace("postgresql://", "postgres://")
    store = open_store(url, tmp_path)
    try:
        assert store.engine.url.drivername == "postgresql+psycopg"
    finally:
        store.close()


def test_without_postgresql_the_tests_skip_except_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(postgres, "postgres_bin", lambda: None)
    with pytest.raises(pytest.skip.Exception, match="PostgreSQL is not installed"):
        postgres.require_postgres_bin({})
    with pytest.raises(pytest.fail.Exception, match="CI must install it"):
        postgres.require_postgres_bin({"CI": "true"})
