"""``orderloom templates list`` and ``orderloom templates import NAME``."""
from __future__ import annotations

import click


@click.group("templates")
def templates_command() -> None:
    """Built-in order systems to start from."""


@templates_command.command("list")
def list_command() -> None:
    """One line per built-in template: key, name and its order types."""
    from orderloom.platform.templates import available

    for info in available():
        name = info.name.get("en") or info.name.get("zh") or info.key
        zh = info.name.get("zh")
        label = f"{name} / {zh}" if zh and zh != name else name
        click.echo(f"{info.key:<14} {label}  (order types: {', '.join(info.order_types)})")


@templates_command.command("import")
@click.argument("name")
@click.option("--on-conflict", type=click.Choice(["fail", "rename", "replace"]),
              default="fail", show_default=True,
              help="When an order type with the same key exists.")
@click.pass_context
def import_command(ctx: click.Context, name: str, on_conflict: str) -> None:
    """Import a built-in template: roles, warehouses, products with stock, order types.
    All or nothing."""
    from orderloom.platform.commands.database import Failure, open_session
    from orderloom.platform.templates import TemplateError, import_template, load

    try:
        load(name)  # an unknown name needs no database
    except TemplateError as error:
        # A name that is no template is a bad argument: one line, like any other.
        raise Failure(f"{name}: " + "; ".join(map(str, error.problems))) from None
    with open_session(ctx) as session:
        try:
            report = import_template(session, "orderloom templates import", name,
                                     on_conflict)  # type: ignore[arg-type]
        except TemplateError as error:
            session.rollback()
            for problem in error.problems:
                click.echo(f"{name}: {problem}", err=True)
            click.echo(f"{name}: nothing was imported", err=True)
            raise SystemExit(1) from None
        session.commit()
    for line in report.lines():
        click.echo(line)
