"""What every ``orderloom`` command shares: the one-line failure, the settings, and
the database it works on, checked to be at the schema this version needs."""
from __future__ import annotations

import click
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from orderloom.platform.settings import Settings, load_settings

USAGE_ERROR = 2


class Failure(click.ClickException):
    """A one-line error for the person at the terminal."""

    exit_code = USAGE_ERROR

    def show(self, file=None) -> None:
        click.echo(f"orderloom: error: {self.message}", err=True)


def command_settings(ctx: click.Context) -> Settings:
    """The settings, with the database remembered for an "unreachable" message."""
    settings = load_settings()
    ctx.obj["database"] = settings.database_url_safe
    return settings


def open_engine(settings: Settings) -> Engine:
    from orderloom.db import make_engine

    return make_engine(settings.database_url)


def require_current_schema(engine: Engine) -> None:
    from orderloom.platform import schema

    current = schema.current_revision(engine)
    if current is None:
        raise Failure("the database is not initialised: run `orderloom init` first")
    if current != schema.head_revision():
        raise Failure(f"the database schema is at {current}, this version needs "
                      f"{schema.head_revision()}: run `orderloom db upgrade`")


def open_session(ctx: click.Context) -> Session:
    """A session on the configured database, once its schema is the current one."""
    from orderloom.db import make_session_factory

    engine = open_engine(command_settings(ctx))
    require_current_schema(engine)
    return make_session_factory(engine)()
