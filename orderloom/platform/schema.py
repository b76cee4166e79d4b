"""The database schema: which modules define tables, and Alembic wired to them.

Alembic migrations are the only way the schema changes. ``upgrade`` runs them;
``orderloom db upgrade``, ``orderloom init`` and the test suite all call it.
"""
from __future__ import annotations

import functools
import importlib
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, MetaData

import orderloom.migrations
from orderloom.db import Base

# Every module that defines tables. A new model module is added here, or the
# migration check and autogenerate will not see it.
MODEL_MODULES = (
    "orderloom.runtime.audit",
    "orderloom.designer.models",
    "orderloom.runtime.orders",
    "orderloom.runtime.customers",
    "orderloom.runtime.jobs",
    "orderloom.runtime.approvals",
    "orderloom.runtime.timers",
    "orderloom.runtime.conversation",
    "orderloom.runtime.idempotency",
    "orderloom.runtime.catalog",
    "orderloom.runtime.stock",
    "orderloom.runtime.channels",
    "orderloom.runtime.payments",
    "orderloom.runtime.statements",
    "orderloom.runtime.reconciliation",
    "orderloom.runtime.shipments",
    "orderloom.runtime.webhooks",
    "orderloom.runtime.import_runs",
    "orderloom.runtime.saved_views",
    "orderloom.platform.models",
    "orderloom.platform.login_throttle",
)

MIGRATIONS_DIR = Path(orderloom.migrations.__file__).parent


def metadata() -> MetaData:
    for name in MODEL_MODULES:
        importlib.import_module(name)
    return Base.metadata


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # env.py takes the engine from here rather than from a URL in an ini file,
    # so the password never passes through Alembic's configuration parser.
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    command.upgrade(alembic_config(engine), revision)


@functools.cache
def head_revision() -> str | None:
    # Read once: the migration scripts shipped with this process do not change, and
    # /healthz asks on every probe.
    return ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def is_up_to_date(engine: Engine) -> bool:
    return current_revision(engine) == head_revision()
