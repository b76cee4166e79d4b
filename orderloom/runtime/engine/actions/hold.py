"""Hold: the order stays where it is. Automatic moves out of its state (``when`` moves,
timers, approvals waived by their condition) are not taken while it is held; the order
page and the list show the reason beside the state. The next move that is not
automatic (a transition, by a person, the API or a carrier's tracking event; an
approval's decision) releases it.

Nothing is stored besides the timeline entry the action is already part of: an order
is held when the entry of its latest state change lists a ``hold`` among the actions
it ran, so the hold and the move that made it cannot disagree. A store's cancellation
holds an order where it is with a ``held`` entry of the same shape (engine/holds.py);
the next state change releases it the same way.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from orderloom.designer.actions import hold as spec
from orderloom.runtime.engine.actions import Behaviour, Run, StandingNote
from orderloom.runtime.orders.models import Order, OrderEvent
from orderloom.runtime.orders.timeline import TimelineKind

PREFIX = {"en": "On hold: ", "zh": "暂停："}


class Hold(spec.Hold, Behaviour):
    holds_automatic_moves = True

    def in_transaction(self, action: dict[str, Any], run: Run) -> None:
        run.result.done.append(action)

    def standing(self, session: Session, orders: Sequence[Order]) -> dict[int, StandingNote]:
        # Any order may be held without any hold in its type's workflow: by a store's
        # cancellation or refund, by staff resolving an exception with a hold, or by a
        # short pick on the warehouse floor (engine/holds.py). One grouped query answers
        # for the whole page.
        ids = [order.id for order in orders]
        if not ids:
            return {}
        latest = (select(func.max(OrderEvent.id))
                  .where(OrderEvent.order_id.in_(ids),
                         or_(OrderEvent.to_state.is_not(None),
                             OrderEvent.kind == TimelineKind.HELD.value))
                  .group_by(OrderEvent.order_id))
        notes: dict[int, StandingNote] = {}
        for order_id, details in session.execute(
                select(OrderEvent.order_id, OrderEvent.details)
                .where(OrderEvent.id.in_(latest.scalar_subquery()))):
            holds = [a for a in (details or {}).get("actions", []) if a.get("type") == self.name]
            if holds:
                reason = holds[-1]["reason"]
                fallback = next(iter(reason.values()), "")
                notes[order_id] = StandingNote(
                    self.name, {lang: prefix + (reason.get(lang) or fallback)
                                for lang, prefix in PREFIX.items()},
                    holds_automatic_moves=True)
        return notes

