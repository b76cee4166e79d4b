"""`orderloom formula "EXPR" --data '{...}'`: try a formula in a terminal."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import click

from orderloom import dsl
from orderloom.dsl.values import display
from orderloom.platform.commands.database import Failure


def _json_option(text: str | None, option: str) -> Any:
    if text is None:
        return None
    try:
        # Numbers become Decimal so 0.1 stays 0.1 and money stays exact.
        return json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise Failure(f"{option} is not valid JSON: {exc.msg} at line {exc.lineno} "
                      f"column {exc.colno}") from None


@click.command("formula", context_settings={"ignore_unknown_options": True})
@click.argument("expr")
@click.option("--data", "data_json", default="{}", help="The order data as JSON.")
@click.option(
    "--fields",
    "fields_json",
    default=None,
    help='Field types as JSON, e.g. \'{"total": "money"}\'; by default taken from --data.',
)
def formula_command(expr: str, data_json: str, fields_json: str | None) -> None:
    """Evaluate the formula EXPR on --data and print the result or the errors."""
    data = _json_option(data_json, "--data")
    fields = _json_option(fields_json, "--fields")
    if not isinstance(data, dict):
        raise Failure("--data must be a JSON object, e.g. '{\"total\": 120}'")
    if fields is not None and not isinstance(fields, dict):
        raise Failure("--fields must be a JSON object, e.g. '{\"total\": \"money\"}'")
    try:
        result = dsl.evaluate(expr, data, fields)
    except dsl.FormulaError as exc:
        click.echo(exc.report(), err=True)
        raise SystemExit(1) from None
    if isinstance(result, dsl.FormulaFault):
        click.echo(f"{result.line}:{result.column}: {result.message}\n{result.excerpt}", err=True)
        raise SystemExit(1)
    click.echo(display(result))
