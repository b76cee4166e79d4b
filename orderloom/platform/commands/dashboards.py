"""``orderloom dashboards rebuild``: fill the dashboards' daily summary again."""
from __future__ import annotations

import click


@click.group("dashboards")
def dashboards_command() -> None:
    """The dashboards' daily summary of orders."""


@dashboards_command.command("rebuild")
@click.pass_context
def rebuild_command(ctx: click.Context) -> None:
    """Fill the daily summary again from the orders, in the days the dashboards count."""
    from orderloom.platform.commands.database import open_session
    from orderloom.runtime.reports.daily_totals import counting_zone, rebuild

    zone = counting_zone()
    with open_session(ctx) as session:
        try:
            rows = rebuild(session, zone)
        except ValueError as error:
            click.echo(f"error: {error}", err=True)
            raise SystemExit(2) from error
        session.commit()
    click.echo(f"The daily summary has {rows} rows, in days of {zone}.")
