"""Raise an exception: the order goes to the exception queue with the rule's reason.

The exception is stored once the order is (so it names the order), and while any
exception of the order is open, whoever raised it (a rule, a channel, routing), the
order's automatic moves wait and the order page shows the reason beside the state
(one raised beside a hold, by a store's cancellation, leaves the hold's note alone).
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from orderloom.designer.actions import raise_exception as spec
from orderloom.runtime.engine.actions import Behaviour, StandingNote, Stored
from orderloom.runtime.exception_queue.raising import open_exceptions, raise_exception
from orderloom.runtime.exception_queue.reasons import REASONS
from orderloom.runtime.orders.models import Order

PREFIX = {"en": "Exception: ", "zh": "异常："}


class RaiseException(spec.RaiseException, Behaviour):
    def once_stored(self, action: dict[str, Any], stored: Stored) -> None:
        reason = REASONS[action["reason"]]
        message = {lang: text for lang, text in (action.get("message") or {}).items() if text}
        found = raise_exception(stored.session, stored.order, reason.key,
                                message or reason.label, actor_name=stored.actor_name)
        stored.done.setdefault("exceptions", []).append(found.id)

    def standing(self, session: Session, orders: Sequence[Order]) -> dict[int, StandingNote]:
        notes: dict[int, StandingNote] = {}
        for found in open_exceptions(session, [order.id for order in orders]):
            # Beside a hold of the same reason, the hold's note says it already.
            if found.order_id not in notes and not (found.details or {}).get("beside_hold"):
                label = REASONS[found.reason].label if found.reason in REASONS \
                    else {"en": found.reason, "zh": found.reason}
                notes[found.order_id] = StandingNote(
                    self.name, {lang: prefix + label[lang] for lang, prefix in PREFIX.items()},
                    holds_automatic_moves=True)
        return notes
