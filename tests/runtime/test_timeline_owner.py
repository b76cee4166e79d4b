"""The order timeline has one author: orderloom/runtime/orders/timeline.py."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
OWNER = ROOT / "orderloom" / "runtime" / "orders" / "timeline.py"


def test_only_the_timeline_module_builds_timeline_entries():
    # An entry built anywhere else escapes the enum of kinds and may have no sentence
    # on the order page; add a named function to timeline.py instead.
    builds = re.compile(r"(?<!class )\bOrderEvent\(")
    offenders = [f"{path.relative_to(ROOT)}:{number}"
                 for path in (ROOT / "orderloom").rglob("*.py") if path != OWNER
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if builds.search(line)]
    assert offenders == []
