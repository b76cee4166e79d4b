"""Notify: becomes a job once the order is stored (jobs/outbox.notify_jobs_for), so
the message tells what was stored."""
from __future__ import annotations

from typing import Any

from orderloom.designer.actions import notify as spec
from orderloom.runtime.engine.actions import Behaviour, Run


class Notify(spec.Notify, Behaviour):
    def in_transaction(self, action: dict[str, Any], run: Run) -> None:
        run.result.notifications.append(action)
        run.result.done.append(action)
