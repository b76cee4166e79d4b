"""Every command of `orderloom` and every option of each is named in the README or
docs/, so an option added later cannot stay unknown to operators (`--password` of
`orderloom user create` and `export --order-type` once were)."""
from __future__ import annotations

from pathlib import Path

import click

from orderloom.platform.cli import cli

ROOT = Path(__file__).resolve().parents[2]


def _commands(command: click.Command, path: tuple[str, ...]):
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            yield from _commands(sub, (*path, name))
    else:
        yield " ".join(path), command


def test_every_command_and_option_is_in_the_docs():
    docs = (ROOT / "README.md").read_text(encoding="utf-8") + "".join(
        page.read_text(encoding="utf-8") for page in sorted((ROOT / "docs").glob("*.md")))
    missing = []
    for name, command in _commands(cli, ("orderloom",)):
        if name not in docs:
            missing.append(name)
        missing += [f"{name} {option}" for parameter in command.params
                    if isinstance(parameter, click.Option)
                    for option in parameter.opts
                    if option.startswith("--") and option != "--help" and option not in docs]
    assert missing == []
    assert any(name == "orderloom user create" for name, _c in _commands(cli, ("orderloom",)))
