"""Alembic migrations of the server store; `service.store.database.open_store` runs them to head."""
