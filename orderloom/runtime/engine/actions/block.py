"""Refuse the change: nothing of it is stored."""
from __future__ import annotations

from typing import Any

from orderloom.designer.actions import block as spec
from orderloom.runtime.engine.actions import Behaviour, Blocked, Run


class Block(spec.Block, Behaviour):
    def in_transaction(self, action: dict[str, Any], run: Run) -> None:
        message = action["message"]
        raise Blocked(message.get(run.language) or next(iter(message.values())))
