"""The condition builder writes a row's value into the formula as the text typed: the
formula language reads a backslash as the start of an escape, and a quote doubled."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from orderloom import dsl

DESIGNER = Path(__file__).parents[2] / "orderloom/platform/static/designer"
pytestmark = pytest.mark.skipif(shutil.which("node") is None,
                                reason="Node.js is not installed (apt-get install nodejs)")


@pytest.fixture(scope="module")
def builder(tmp_path_factory) -> Path:
    # The designer's scripts are ES modules loaded by the page; a copy beside a
    # package.json that says so lets any Node release import them as such.
    folder = tmp_path_factory.mktemp("designer")
    shutil.copytree(DESIGNER, folder, dirs_exist_ok=True)
    (folder / "package.json").write_text('{"type": "module"}')
    return folder / "condition_builder.js"


def written(builder: Path, value: str) -> str:
    script = (f"import {{writeGroup}} from {json.dumps(builder.as_uri())};\n"
              "const row = JSON.parse(process.argv[1]);\n"
              "console.log(JSON.stringify(writeGroup({join: 'AND', items: [row]},"
              " [{key: 'note', kind: 'text'}])));\n")
    done = subprocess.run(
        ["node", "--input-type=module", "-e", script,
         json.dumps({"field": "note", "op": "=", "value": value})],
        capture_output=True, text=True, timeout=30, check=True)
    return json.loads(done.stdout)


@pytest.mark.parametrize("typed", ['C:\\new', 'ends with \\', 'say "hi"', "a\\\"b"])
def test_a_typed_value_is_compared_as_typed(builder, typed):
    formula = written(builder, typed)
    assert dsl.evaluate(formula, {"note": typed}) is True
    assert dsl.evaluate(formula, {"note": typed + "x"}) is False
