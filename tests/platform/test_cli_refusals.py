"""Every command given something it cannot use (a missing or unreadable file, an unknown
option, a bad argument) answers as a bad setting does: one line on stderr naming what
is wrong, and status 2. Once, `orderloom check missing.json` printed click's
`Error: ...` with status 1, which a script took for "the file has problems"."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from orderloom.platform.cli import cli

NOT_UTF8 = b'{"key": "caf\xe9"}'


@pytest.mark.parametrize(("args", "says"), [
    (["check", "missing.json"], "missing.json: cannot read it: No such file or directory"),
    (["check", "latin1.json"], "latin1.json: cannot read it: not UTF-8 text at byte 12"),
    (["check", "folder"], "Invalid value for 'FILE': File 'folder' is a directory. "
                          "(see `orderloom check --help`)"),
    (["import", "missing.json"], "missing.json: cannot read it: No such file or directory"),
    (["restore", "missing-backup"], "Invalid value for 'FOLDER': Directory "
                                    "'missing-backup' does not exist. "
                                    "(see `orderloom restore --help`)"),
    (["check", "--strict", "a.json"], "No such option '--strict'. "
                                      "(see `orderloom check --help`)"),
    (["check"], "Missing argument 'FILE'. (see `orderloom check --help`)"),
    (["templates", "import", "nope"], "nope: there is no built-in template 'nope'"),
    (["formula", "1", "--data", "{total: 1}"], "--data is not valid JSON: Expecting "
                                               "property name enclosed in double quotes "
                                               "at line 1 column 2"),
    (["formula", "1", "--data", "[1]"], "--data must be a JSON object"),
    (["no-such-command"], "No such command 'no-such-command'."),
], ids=lambda value: " ".join(value) if isinstance(value, list) else "")
def test_a_bad_file_or_argument_is_one_line_and_status_2(tmp_path, monkeypatch, args, says):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "latin1.json").write_bytes(NOT_UTF8)
    (tmp_path / "folder").mkdir()
    result = CliRunner().invoke(cli, args, obj={}, prog_name="orderloom")
    lines = result.stderr.splitlines()
    assert (result.exit_code, len(lines)) == (2, 1), result.stderr
    assert lines[0].startswith("orderloom: error: " + says), lines[0]
    assert result.stdout == ""


def test_a_file_with_problems_is_still_status_1(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "broken.json").write_text('{"key": ')
    result = CliRunner().invoke(cli, ["check", "broken.json"], obj={},
                                prog_name="orderloom")
    assert result.exit_code == 1
    assert result.stderr.startswith("broken.json:1:9: not valid JSON")
