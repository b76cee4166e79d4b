"""What every ``orderloom`` command shares: the one-line failure, the settings, and
the database it works on, checked to be at the schema this version needs."""
from __future__ import annotations

import click
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from orderloom.platform import startup
from orderloom.platform.settings import Settings
from orderloom.platform.startup import USAGE_ERROR


class Failure(click.ClickException):
    """A one-line error for the person at the terminal."""

    exit_code = USAGE_ERROR

    def show(self, file=None) -> None:
        click.echo(f"orderloom: error: {self.message}", err=True)


def command_settings(ctx: click.Context) -> Settings:
    """The settings (logging configured by them), with the database remembered for an
    "unreachable" message."""
    try:
        settings = startup.process_settings()
    except startup.Refusal as refusal:
        raise Failure(str(refusal)) from None
    ctx.obj["database"] = settings.database_url_safe
    return settings


def open_engine(settings: Settings) -> Engine:
    from orderloom.db import make_engine

    return make_engine(settings.database_url)


def require_current_schema(engine: Engine) -> None:
    problem = startup.schema_problem(engine)
    if problem:
        raise Failure(problem)


def open_session(ctx: click.Context) -> Session:
    """A session on the configured database, once its schema is the current one."""
    from orderloom.db import make_session_factory

    engine = open_engine(command_settings(ctx))
    require_current_schema(engine)
    return make_session_factory(engine)()
