"""``orderloom check``, ``orderloom export`` and ``orderloom import``: definitions as files."""
from __future__ import annotations

import json
from pathlib import Path

import click

from orderloom.designer.canonical import dumps
from orderloom.designer.validation import (
    BUILTIN_ROLES,
    Context,
    validate_order_type,
    validate_package,
)
from orderloom.platform.commands.database import Failure, open_session


def _read_json(path: Path):
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise Failure(f"{path}: cannot read it: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise Failure(f"{path}: cannot read it: not UTF-8 text at byte {exc.start}"
                      ) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        click.echo(f"{path}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}", err=True)
        raise SystemExit(1) from None


@click.command("check")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--role", "roles", multiple=True,
              help="A custom role that exists in the workspace; repeat for several.")
def check_command(file: Path, roles: tuple[str, ...]) -> None:
    """Check an order type definition or a template package file.

    Prints every problem with its JSON Pointer (and line:column inside a
    formula); exits 0 when the file is valid, 1 when it is not.
    """
    document = _read_json(file)
    context = Context(roles=BUILTIN_ROLES | set(roles))
    is_package = isinstance(document, dict) and "format" in document
    problems = (validate_package(document, context) if is_package
                else validate_order_type(document, context))
    for problem in problems:
        where = problem.pointer or "/"
        if problem.line is not None:
            where += f" {problem.line}:{problem.column}"
        click.echo(f"{file}: {where}: {problem.message}", err=True)
        if problem.excerpt:
            for line in problem.excerpt.splitlines():
                click.echo(f"    {line}", err=True)
    if problems:
        click.echo(f"{file}: {len(problems)} problem{'s' if len(problems) != 1 else ''}",
                   err=True)
        raise SystemExit(1)
    kind = "template package" if is_package else "order type definition"
    click.echo(f"{file}: a valid {kind}")


@click.command("export")
@click.option("--order-type", "keys", multiple=True, help="Only this order type; repeatable.")
@click.option("--draft", is_flag=True, help="Export drafts instead of published versions.")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False),
              help="Write to this file instead of standard output.")
@click.pass_context
def export_command(ctx: click.Context, keys: tuple[str, ...], draft: bool,
                   output: Path | None) -> None:
    """Export order types as one package file (canonical JSON)."""
    from orderloom.designer import versions
    from orderloom.platform.design import export_package

    with open_session(ctx) as session:
        for key in keys:
            if versions.find(session, key) is None:
                raise Failure(f"there is no order type {key!r}")
        text = dumps(export_package(session, list(keys) or None, draft))
    if output:
        output.write_text(text, encoding="utf-8")
        click.echo(f"Wrote {output}")
    else:
        click.echo(text, nl=False)


@click.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--on-conflict", type=click.Choice(["fail", "rename", "replace"]),
              default="fail", show_default=True,
              help="When an order type with the same key exists.")
@click.pass_context
def import_command(ctx: click.Context, file: Path, on_conflict: str) -> None:
    """Import a package file: every order type is stored and published. All or nothing."""
    from orderloom.designer import exchange
    from orderloom.designer.problems import DefinitionError
    from orderloom.platform.design import design_context
    from orderloom.platform.templates import add_package_roles
    from orderloom.runtime import audit
    from orderloom.runtime.audit import Actor

    document = _read_json(file)
    with open_session(ctx) as session:
        actor = Actor(None, "orderloom import", "cli")
        try:
            problems = validate_package(document, design_context(session))
            if problems:
                raise DefinitionError(problems)
            # The workflows name the package's roles: a role this workspace lacks is
            # made first, as an export carries the roles of the workspace it came from.
            roles_created, _kept = add_package_roles(session, actor,
                                                     document.get("roles", []))
            report = exchange.import_package(session, actor.name, document,
                                             design_context(session),
                                             on_conflict)  # type: ignore[arg-type]
        except DefinitionError as error:
            session.rollback()
            for problem in error.problems:
                click.echo(f"{file}: {problem}", err=True)
            click.echo(f"{file}: nothing was imported", err=True)
            raise SystemExit(1) from None
        audit.record(session, actor, "package.imported", "package", str(file),
                     **report.as_json(), roles_created=roles_created)
        session.commit()
    for name in roles_created:
        click.echo(f"created role {name}")
    for key in report.created:
        click.echo(f"created {key} (version {report.published.get(key, '-')})")
    for key in report.replaced:
        click.echo(f"replaced {key} (version {report.published.get(key, 'unchanged')})")
    for old, new in report.renamed.items():
        click.echo(f"renamed {old} -> {new}")

