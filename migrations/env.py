"""Alembic environment: runs migrations on the engine handed over by
``orderloom.platform.schema`` (the CLI, the app and the tests all go through it)."""
from __future__ import annotations

from alembic import context

from orderloom.platform.schema import metadata

target_metadata = metadata()


def run_migrations_online() -> None:
    engine = context.config.attributes["engine"]
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            # SQLite cannot ALTER most things in place; batch mode rebuilds the table.
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) migrations are not supported; "
                     "run `orderloom db upgrade` against the database")
run_migrations_online()
