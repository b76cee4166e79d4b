"""The database schema: which modules define tables, and Alembic wired to them.

Alembic migrations are the only way the schema changes. ``upgrade`` runs them;
``orderloom db upgrade``, ``orderloom init`` and the test suite all call it.
"""
from __future__ import annotations

import functools
import importlib
import pkgutil
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, MetaData

import orderloom.designer
import orderloom.migrations
import orderloom.platform
import orderloom.runtime
from orderloom.db import Base

# Modules that do something when imported rather than define things: the WSGI entry
# point makes an app, ``python -m`` entry points run.
NOT_IMPORTED = ("wsgi", "__main__")


@functools.cache
def model_modules() -> tuple[str, ...]:
    """Every module of ours that may define tables, found from the packages, so a new
    model module needs no list to be added to before migrations see it."""
    names = []
    for package in (orderloom.designer, orderloom.runtime, orderloom.platform):
        for module in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            if module.name.rsplit(".", 1)[-1] not in NOT_IMPORTED:
                names.append(module.name)
    return tuple(names)


MIGRATIONS_DIR = Path(orderloom.migrations.__file__).parent


def metadata() -> MetaData:
    for name in model_modules():
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


def knows_revision(revision: str) -> bool:
    """Whether ``revision`` is one of this version's migrations (a database made by a
    newer version is at a revision this one has never heard of)."""
    try:
        return ScriptDirectory(str(MIGRATIONS_DIR)).get_revision(revision) is not None
    except Exception:  # noqa: BLE001 - alembic raises several kinds for an unknown id
        return False


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def is_up_to_date(engine: Engine) -> bool:
    return current_revision(engine) == head_revision()
