"""Alembic migrations are the only way the schema changes: they must match the models."""
from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from orderloom.db import make_engine
from orderloom.platform import schema


def test_models_and_migrations_agree(database_url):
    engine = make_engine(database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, schema.metadata())
    engine.dispose()
    assert differences == [], f"models differ from migrations: {differences}"


def test_the_database_is_at_the_newest_revision(database_url):
    engine = make_engine(database_url)
    assert schema.current_revision(engine) == schema.head_revision()
    engine.dispose()


def test_migrations_go_down_and_up_again(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'roundtrip.db'}")
    schema.upgrade(engine)
    command.downgrade(schema.alembic_config(engine), "base")
    assert set(inspect(engine).get_table_names()) == {"alembic_version"}
    schema.upgrade(engine)
    assert "users" in inspect(engine).get_table_names()
    engine.dispose()
