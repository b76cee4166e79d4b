"""``orderloom stock verify``: prove every stock level equals its ledger."""
from __future__ import annotations

import click


@click.group("stock")
def stock_command() -> None:
    """Stock levels and the stock ledger."""


@stock_command.command("verify")
@click.pass_context
def verify_command(ctx: click.Context) -> None:
    """Check that every stock level equals the sum of its ledger lines (exit 1 if not)."""
    from orderloom.platform.commands.database import open_session
    from orderloom.runtime.stock.keeping import verify

    with open_session(ctx) as session:
        mismatches = verify(session)
    for mismatch in mismatches:
        click.echo(f"mismatch: {mismatch}", err=True)
    if mismatches:
        raise SystemExit(1)
    click.echo("Every stock level equals the sum of its ledger lines.")
