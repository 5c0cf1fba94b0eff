"""Alembic's entry point. `open_store` passes its connection, already in a transaction and under a lock;
the ``alembic`` command line (``-c src/modelwatch/service/migrations/alembic.ini -x url=…``) gets one here.
"""

from alembic import context
from sqlalchemy import Connection, create_engine

from modelwatch.service.store.models import Base


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=Base.metadata)
    with context.begin_transaction():
        context.run_migrations()


if "connection" in context.config.attributes:
    _run(context.config.attributes["connection"])
else:
    with create_engine(context.get_x_argument(as_dictionary=True)["url"]).connect() as own_connection:
        _run(own_connection)
