"""The ``orderloom`` command.

Every failure a person can cause (a bad setting, an unreachable database, a
database not yet initialised, a missing or unreadable file, a bad argument) ends
with one line on stderr and exit status 2.
"""
from __future__ import annotations

import logging
import os
import sys

import click
from sqlalchemy import select
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from orderloom.platform.commands.database import (
    USAGE_ERROR,
    Failure,
    command_settings,
    open_engine,
    require_current_schema,
)
from orderloom.platform.settings import Settings, SettingsError
from orderloom.platform.startup import Refusal, check_database, unreachable
from orderloom.runtime import log_lines

log = logging.getLogger(__name__)


class OrderloomGroup(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (SettingsError, Refusal) as exc:
            raise Failure(str(exc)) from None
        except click.exceptions.NoArgsIsHelpError:
            raise  # a group named alone shows its help, as asked
        except click.ClickException as exc:
            if isinstance(exc, Failure):
                raise
            # A bad argument, a missing file: click's own words, in our one line, with
            # where to read how the command is used.
            raise Failure(one_line(exc)) from None
        except OperationalError as exc:
            settings = ctx.find_object(dict) or {}
            raise Failure(str(unreachable(settings.get("database", "the database"), exc))
                          ) from None


@click.group(cls=OrderloomGroup)
@click.version_option(package_name="orderloom")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Orderloom: design your order system, then run it."""
    ctx.ensure_object(dict)
    # Until a command reads the settings (which may set another level and format).
    log_lines.configure()


@cli.command()
@click.option("--admin-username", default="admin", show_default=True)
@click.option("--admin-password", envvar="ORDERLOOM_ADMIN_PASSWORD",
              help="Password for the first administrator; generated and printed if not given.")
@click.pass_context
def init(ctx: click.Context, admin_username: str, admin_password: str | None) -> None:
    """Create the instance: database schema, built-in roles and the first administrator.

    Safe to run again: an existing instance is upgraded and keeps its users.
    """
    from orderloom.db import make_session_factory
    from orderloom.platform import accounts, password_policy, schema
    from orderloom.platform.models import Role, User
    from orderloom.runtime.audit import Actor

    settings = command_settings(ctx)
    engine = open_engine(settings)
    schema.upgrade(engine)
    click.echo(f"Database ready: {settings.database_url_safe}")
    with make_session_factory(engine)() as session:
        accounts.ensure_builtin_roles(session)
        has_admin = session.scalar(
            select(User.id).join(User.roles).where(Role.name == "admin").limit(1))
        if has_admin is not None:
            session.commit()
            click.echo("An administrator exists already; no user was created.")
            click.echo("Start Orderloom with `orderloom serve`.")
            return
        password = admin_password or password_policy.generate(admin_username)
        try:
            accounts.create_user(session, Actor(None, "orderloom init", "cli"), admin_username,
                                 password, ["admin"], "Administrator")
        except accounts.AccountError as exc:
            # The password may have come from ORDERLOOM_ADMIN_PASSWORD: name both.
            where = (f"--admin-{exc.field}" if exc.field != "password"
                     else "--admin-password (ORDERLOOM_ADMIN_PASSWORD)")
            raise Failure(f"{where}: {exc.message}") from None
        session.commit()
    click.echo(f"Instance folder: {settings.instance_path}")
    click.echo("Start Orderloom with `orderloom serve`, open http://127.0.0.1:8000/login "
               "and log in as:")
    click.echo(f"  username: {admin_username}")
    click.echo(f"  password: {password}" if not admin_password else
               "  password: the one you gave")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; 0.0.0.0 for every interface.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64))
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, threads: int) -> None:
    """Serve Orderloom with a production WSGI server (waitress).

    For several processes behind a load balancer, run gunicorn with
    orderloom.platform.wsgi:app instead (see docs/operations.md).
    """
    settings = command_settings(ctx)
    check_database(settings)
    serve_app(settings, host, port, threads)


def serve_app(settings: Settings, host: str, port: int, threads: int) -> None:
    """Serve until stopped; in embedded mode this process also runs the jobs."""
    from waitress import serve as waitress_serve

    from orderloom.platform.app import create_app

    app = create_app(settings)
    if settings.jobs_in_process:
        from orderloom.platform.app import JOBS
        from orderloom.runtime.jobs.sweeper import start_sweeper

        # Embedded mode has no worker: this process retries what failed and runs
        # what a restart left behind.
        dispatcher = app.extensions[JOBS]
        start_sweeper(dispatcher.sessions, runner=dispatcher.runner)
    click.echo(f"Orderloom is serving on http://{host}:{port}/ (database "
               f"{settings.database_url_safe}; jobs "
               f"{'in-process' if settings.jobs_in_process else 'on ' + settings.redis_url}). "
               "Stop with Ctrl+C.")
    waitress_serve(app, host=host, port=port, threads=threads, ident="orderloom")


@cli.command()
@click.option("--burst", is_flag=True, help="Run the jobs waiting now, then stop.")
@click.option("--fork", is_flag=True,
              help="Run each job in a forked work horse (RQ's default) instead of in this "
                   "process; slower: a process and a database connection per job.")
@click.pass_context
def worker(ctx: click.Context, burst: bool, fork: bool) -> None:
    """Run an RQ worker, with the job sweeper and RQ's scheduler (which queues each
    timer's job at its time), for the jobs Orderloom queues in Redis. A Redis outage
    pauses it; it goes on when Redis is back."""
    from redis import Redis

    from orderloom import runtime
    from orderloom.db import make_session_factory
    from orderloom.runtime import remembered
    from orderloom.runtime.jobs import runner as job_runner
    from orderloom.runtime.jobs import scheduler as rq_scheduler
    from orderloom.runtime.jobs import worker as worker_loop
    from orderloom.runtime.jobs.dispatch import Dispatcher, redis_connection
    from orderloom.runtime.jobs.sweeper import start_sweeper, sweep

    settings = command_settings(ctx)
    if settings.redis_url is None:
        raise Failure("ORDERLOOM_REDIS_URL is not set: without Redis, jobs run inside "
                      "`orderloom serve` and no worker is needed")
    # From here on a stop signal is a request to stop, never a kill half-way through
    # starting (with the scheduler process started and not yet stopped).
    signals = worker_loop.StopSignals().install()
    check_database(settings)
    engine = open_engine(settings)
    os.environ.setdefault("ORDERLOOM_WORKER", "1")
    # Every domain is imported now rather than when the first job arrives: the first
    # job does not wait for it, with --fork each work horse inherits them instead of
    # importing them again, and a module that cannot be imported stops the worker here.
    runtime.load_domains()
    sessions = make_session_factory(engine)
    memory = remembered.install(sessions)
    runner = job_runner.JobRunner(sessions, smtp=settings.smtp,
                                  secret_key=settings.secret_key,
                                  public_url=settings.public_url)
    Dispatcher(sessions, runner, redis_connection(settings.redis_url)).install()
    job_runner.configure(runner)
    # The sweeper has an engine of its own: with --fork RQ forks a work horse per job,
    # and a horse must never inherit a connection pool another thread was using.
    sweeper_sessions = make_session_factory(open_engine(settings))
    remembered.install(sweeper_sessions, memory)
    sweeper_redis = redis_connection(settings.redis_url)
    # The worker's connection has no read timeout: RQ blocks on it waiting for jobs.
    def connect() -> Redis:
        return Redis.from_url(settings.redis_url)

    if burst:
        redis = worker_loop.wait_for_redis(lambda: sweeper_redis, stop=signals.is_set,
                                           sleep=signals.wait)
        if redis is not None:
            sweep(sweeper_sessions, redis)  # what was left behind, then the queue
            worker_loop.work(connect, burst=True, fork=fork, signals=signals)
        return
    # Timers are handed to the scheduler, and lost jobs found, from this loop; it
    # fires overdue timers itself, also while Redis is down.
    start_sweeper(sweeper_sessions, redis=sweeper_redis)
    scheduler = rq_scheduler.SchedulerProcess(
        settings.redis_url, log=(settings.log_level, settings.log_format)).start()
    try:
        worker_loop.work(connect, fork=fork, signals=signals)
    finally:
        scheduler.stop()


@cli.group()
def db() -> None:
    """Database schema commands."""


@db.command("upgrade")
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Apply every migration this version has that the database lacks."""
    from orderloom.platform import schema

    settings = command_settings(ctx.find_root())
    engine = open_engine(settings)
    before = schema.current_revision(engine)
    schema.upgrade(engine)
    after = schema.current_revision(engine)
    click.echo(f"Database {settings.database_url_safe}: "
               + ("already up to date" if before == after else f"upgraded {before} -> {after}")
               + f" (revision {after}).")


@cli.group()
def user() -> None:
    """User accounts."""


@user.command("create")
@click.argument("username")
@click.option("--role", "roles", multiple=True, required=True,
              help="A role to give; repeat for several (admin, designer, staff, viewer, ...).")
@click.option("--password", envvar="ORDERLOOM_NEW_USER_PASSWORD",
              help="The new user's password; asked for at the prompt when not given.")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from the first line of standard input (for scripts).")
@click.option("--name", "display_name", default="", help="Full name shown in the product.")
@click.pass_context
def user_create(ctx: click.Context, username: str, roles: tuple[str, ...],
                password: str | None, password_stdin: bool, display_name: str) -> None:
    """Create a user with the given roles."""
    from orderloom.db import make_session_factory
    from orderloom.platform import accounts
    from orderloom.runtime.audit import Actor

    settings = command_settings(ctx.find_root())
    engine = open_engine(settings)
    require_current_schema(engine)
    password = new_user_password(password, password_stdin)
    with make_session_factory(engine)() as session:
        try:
            accounts.create_user(session, Actor(None, "orderloom user create", "cli"), username,
                                 password, list(roles), display_name)
        except accounts.AccountError as exc:
            raise Failure(f"{exc.field}: {exc.message}") from None
        session.commit()
    click.echo(f"User {username} is created with the roles {', '.join(roles)}.")


def new_user_password(given: str | None, from_stdin: bool) -> str:
    """The password of `user create`: given, read from stdin, or asked for at a terminal.

    Without a terminal a prompt would read end of input and click would print only
    "Aborted!", which tells a script nothing; say what to pass instead.
    """
    if given is not None and from_stdin:
        raise Failure("give the password with --password or --password-stdin, not both")
    if from_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise Failure("--password-stdin: standard input has no password on its first line")
        return line
    if given is not None:
        return given
    if not sys.stdin.isatty():
        raise Failure("no password given and no terminal to ask for one: pass "
                      "--password-stdin (the password on standard input) or --password")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@cli.group()
def timers() -> None:
    """Timers of orders: SLAs, timed transitions, escalations."""


@timers.command("fire")
@click.option("--at", "at", default=None, metavar="TIMESTAMP",
              help="Fire what is due at this time (ISO 8601 with a zone) instead of now.")
@click.pass_context
def timers_fire(ctx: click.Context, at: str | None) -> None:
    """Fire every timer that is due, once (for cron; `orderloom serve` and `orderloom
    worker` also do it every few seconds)."""
    from datetime import datetime

    from orderloom.db import make_session_factory
    from orderloom.runtime.engine.timer_firing import run_due_timers

    now = None
    if at is not None:
        try:
            now = datetime.fromisoformat(at)
        except ValueError:
            raise Failure(f"--at: {at!r} is not a date and time like "
                          "2026-11-25T09:30:00+08:00") from None
        if now.tzinfo is None:
            raise Failure("--at: give the time zone, e.g. 2026-11-25T09:30:00+08:00")
    settings = command_settings(ctx.find_root())
    engine = open_engine(settings)
    require_current_schema(engine)
    fired = run_due_timers(make_session_factory(engine), now)
    click.echo(f"{fired} timer(s) fired.")


def _add_commands() -> None:
    from orderloom.platform.commands.backup import backup_command, restore_command
    from orderloom.platform.commands.dashboards import dashboards_command
    from orderloom.platform.commands.definitions import (
        check_command,
        export_command,
        import_command,
    )
    from orderloom.platform.commands.demo import demo_command
    from orderloom.platform.commands.formula import formula_command
    from orderloom.platform.commands.key import key_command
    from orderloom.platform.commands.stock import stock_command
    from orderloom.platform.commands.templates import templates_command

    for command in (backup_command, check_command, dashboards_command, demo_command,
                    export_command, import_command, formula_command, key_command,
                    restore_command, stock_command, templates_command):
        cli.add_command(command)


_add_commands()


def one_line(exc: click.ClickException) -> str:
    """click's message for ``exc`` on one line, naming the command's help when there
    is a command to name."""
    message = " ".join(exc.format_message().split())
    context = getattr(exc, "ctx", None)
    if context is not None and context.parent is not None:
        message += f" (see `{context.command_path} --help`)"
    return message


def main(argv: list[str] | None = None) -> None:
    try:
        cli.main(args=argv, prog_name="orderloom")
    except SQLAlchemyError as exc:  # anything the group did not translate
        click.echo(f"orderloom: error: database error: {exc.__class__.__name__}: "
                   f"{str(exc).splitlines()[0]}", err=True)
        sys.exit(USAGE_ERROR)
