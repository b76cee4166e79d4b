"""Refund: needs what the stored order was paid (payments.refunds.refund_action)."""
from __future__ import annotations

from typing import Any

from orderloom.designer.actions import refund as spec
from orderloom.runtime.engine.actions import Behaviour, Stored
from orderloom.runtime.payments.refunds import refund_action


class Refund(spec.Refund, Behaviour):
    # Money goes back by a transition or a person, never because a value was edited.
    on_edit = False

    def once_stored(self, action: dict[str, Any], stored: Stored) -> None:
        stored.done.setdefault("refunds", []).append(refund_action(
            stored.session, stored.actor_name, stored.order, stored.blueprint, action))
