"""The seam for lines an order keeps back while the rest ships (a pre-sale line until
its release date, runtime/promotions): the one module of merging and splitting other
domains may use. ``hold`` makes groups of lines held parts of the order; ``release``
lets such a part ship once its stock is there, ``ship_when_held`` holds its stock
and makes it ready to ship; ``split_on_arrival`` says whether staff want arriving
orders to split their pre-sale lines off by themselves."""
from __future__ import annotations

from sqlalchemy.orm import Session

from orderloom.runtime.audit import Actor
from orderloom.runtime.consolidation import settings, splitting
from orderloom.runtime.consolidation.models import OrderPart
from orderloom.runtime.consolidation.splitting import Held, Lines, SplitRefused
from orderloom.runtime.orders.models import Order

__all__ = ["Held", "Lines", "SplitRefused", "hold", "not_shipped", "release",
           "ship_when_held", "split_on_arrival"]


def hold(session: Session, actor: Actor, order: Order, groups: Held) -> list[OrderPart]:
    """Keep each group of ``groups`` ((SKU -> units, note for staff: why, until when))
    of the open order back in a held part of its own; the new held parts, in that order.
    Raises SplitRefused (an OrderError)."""
    return splitting.hold_lines(session, actor, order, groups)


def release(session: Session, actor: Actor, order: Order, position: int) -> OrderPart:
    """The held part ``position`` waits no more: it is back-ordered until its stock is
    held (``ship_when_held``, or staff, or a split by stock)."""
    return splitting.release_held(session, actor, order, position)


def ship_when_held(session: Session, actor: Actor, order: Order, position: int
                   ) -> OrderPart:
    """Hold the stock of back-ordered part ``position`` in one warehouse and make it
    ready to ship. Raises SplitRefused when no warehouse has it all yet."""
    return splitting.ready_part(session, actor, order, position)


def not_shipped(session: Session, order: Order) -> Lines:
    """What of the order's lines no shipped part has carried, SKU -> units."""
    return splitting.not_shipped(session, order)


def split_on_arrival(session: Session) -> bool:
    return settings.current(session).split_pre_sale
