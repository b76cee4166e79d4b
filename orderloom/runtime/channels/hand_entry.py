"""Which channel an order typed in by a person is stamped with.

An order's channel says where it came from, and sales by channel, the stock pushed
back to each channel and the store write-back all believe it. A channel that
receives orders stamps them itself (ingestion.py); an order entered through the
plain orders API or form can only have come from a channel people enter orders
for by hand: the built-in ``manual``, or a channel of a hand kind (a phone line, a
counter) set up for that order type. Claiming a store's or marketplace's channel
there would put an order in its figures that the store never sent.
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from orderloom.runtime.channels.models import RESERVED_KEYS, find_channel
from orderloom.runtime.errors import OrderError

# The channel of orders entered by hand without a channel of their own.
MANUAL = "manual"
# Kinds of channel with no endpoint: people enter their orders (models.KINDS).
HAND_KINDS = frozenset({"manual"})


class ChannelRefused(OrderError):
    """The order names a channel a person may not enter orders for."""

    pointer = "/channel"


def stamp(session: Session, key: str | None, order_type_key: str) -> str:
    """The channel to stamp on an order entered by hand, or ChannelRefused (422 at
    ``/channel``) for one that receives its orders itself, is unknown, switched off
    or for another order type."""
    if key is None or key == MANUAL:
        return MANUAL
    channel = find_channel(session, key)
    if channel is None:
        raise ChannelRefused(f"there is no channel {key!r}; leave it out for an order "
                             f"entered by hand ({MANUAL!r})")
    if channel.kind not in HAND_KINDS:
        raise ChannelRefused(f"channel {key!r} receives its orders itself ({channel.kind}); "
                             "only channels of the kinds people enter orders for "
                             f"({', '.join(sorted(HAND_KINDS))}) may be named here")
    if not channel.active:
        raise ChannelRefused(f"channel {key!r} is switched off")
    if channel.order_type_key != order_type_key:
        raise ChannelRefused(f"channel {key!r} takes orders of type "
                             f"{channel.order_type_key!r}, not {order_type_key!r}")
    return channel.key


def entered_by_hand(session: Session, key: str) -> bool:
    """Whether orders of channel ``key`` were typed in by a person or imported from a
    file by one (the built-in ``manual`` and ``import``, or a channel of a hand
    kind), not received from a store, marketplace or system."""
    if key in RESERVED_KEYS:
        return True
    channel = find_channel(session, key)
    return channel is not None and channel.kind in HAND_KINDS
