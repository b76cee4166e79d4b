"""Ask for an approval: its tasks are made when the order is in (or next enters) the
approval's state (runtime/engine/entering.py reads the done actions)."""
from __future__ import annotations

from typing import Any

from orderloom.designer.actions import approval as spec
from orderloom.runtime.engine.actions import Behaviour, Run


class RequireApproval(spec.RequireApproval, Behaviour):
    def in_transaction(self, action: dict[str, Any], run: Run) -> None:
        run.result.done.append(action)
