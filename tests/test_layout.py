"""The repository layout does not break Python itself."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_stdlib_platform_is_not_shadowed_at_the_repository_root():
    # A top-level platform/ package would hide Python's own module from uuid and pytest.
    result = subprocess.run(
        [sys.executable, "-c", "import uuid, platform; print(platform.system())"],
        cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Linux"


def test_dsl_imports_nothing_else_of_ours():
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "orderloom" / "dsl").rglob("*.py")
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.lstrip().startswith(("from orderloom", "import orderloom"))
        and "orderloom.dsl" not in line
    ]
    assert offenders == []


def test_every_package_of_ours_ships_in_the_wheel():
    # pyproject.toml lists the packages a wheel carries; a new domain package left out
    # of it works from the checkout and fails to import once installed with `pip install .`
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
                 ["packages"])
    on_disk = {".".join(init.parent.relative_to(ROOT).parts)
               for init in (ROOT / "orderloom").rglob("__init__.py")}
    assert on_disk - listed == set()
