"""``orderloom demo``: a living shop in one command."""
from __future__ import annotations

import os

import click


@click.command("demo")
@click.option("--folder", default="orderloom-demo", show_default=True,
              type=click.Path(file_okay=False),
              help="Instance folder of the demo (its SQLite database and secret key), "
                   "unless ORDERLOOM_INSTANCE_PATH or ORDERLOOM_DATABASE_URL say otherwise.")
@click.option("--orders", default=300, show_default=True, type=click.IntRange(1, 20000),
              help="How many orders to place over the last 90 days.")
@click.option("--seed", default=7, show_default=True, type=int,
              help="The same seed gives the same demo.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--no-serve", is_flag=True, help="Build the demo data and stop.")
@click.pass_context
def demo_command(ctx: click.Context, folder: str, orders: int, seed: int, host: str,
                 port: int, no_serve: bool) -> None:
    """Create a demo instance with the retail template and a few hundred orders, then
    serve it. Run again, it serves the demo it made before."""
    from sqlalchemy import func, select

    from orderloom.db import make_session_factory
    from orderloom.platform import schema
    from orderloom.platform.cli import serve_app
    from orderloom.platform.commands.database import Failure, open_engine
    from orderloom.platform.demo import DEMO_PASSWORD, DEMO_USERS, build_demo
    from orderloom.platform.models import User
    from orderloom.platform.settings import load_settings

    overrides = {} if os.environ.get("ORDERLOOM_INSTANCE_PATH") else {"instance_path": folder}
    settings = load_settings(overrides=overrides)
    ctx.obj["database"] = settings.database_url_safe
    engine = open_engine(settings)
    schema.upgrade(engine)
    sessions = make_session_factory(engine)
    with sessions() as session:
        users = set(session.execute(select(User.username)).scalars())
        orders_there = session.execute(select(func.count()).select_from(
            schema.metadata().tables["orders"])).scalar_one()
    demo_users = {name for name, _, _ in DEMO_USERS}
    if not users:
        click.echo(f"Building the demo in {settings.database_url_safe} ...")
        report = build_demo(sessions, orders=orders, seed=seed)
        states = ", ".join(f"{state} {count}" for state, count in report.states.most_common())
        click.echo(f"{report.orders} orders placed over the last 90 days ({states}).")
        for skipped in report.skipped[:5]:
            click.echo(f"  not placed: {skipped}")
        if report.tracking_code:
            click.echo(f"A parcel on its way, as its customer sees it: "
                       f"http://{host}:{port}/track/{report.tracking_code}")
    elif demo_users <= users:
        click.echo(f"Serving the demo made before ({orders_there} orders); delete "
                   f"{settings.instance_path} for a fresh one.")
    else:
        raise Failure(f"{settings.database_url_safe} already holds an instance that is not "
                      "a demo; give the demo its own --folder")
    click.echo("")
    click.echo(f"Open http://{host}:{port}/login and log in as one of these "
               f"(password for all: {DEMO_PASSWORD}):")
    for name, roles, title in DEMO_USERS:
        click.echo(f"  {name:<10} {', '.join(roles):<26} {title}")
    click.echo("")
    if not no_serve:
        serve_app(settings, host, port, threads=8)
