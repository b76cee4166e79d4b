"""The words a return is handled in: why the buyer returns (a fixed key, because
counts and filters group by it; its label is for people), the states a return moves
through, what happens to each returned line, and how a return is closed."""
from __future__ import annotations

from enum import StrEnum


class ReturnReason(StrEnum):
    DAMAGED = "damaged"  # arrived broken or faulty
    WRONG_ITEM = "wrong_item"  # not what was ordered
    NOT_AS_DESCRIBED = "not_as_described"
    MISSING_ITEMS = "missing_items"  # part of the parcel never arrived: nothing comes back
    CHANGED_MIND = "changed_mind"  # 七天无理由
    OTHER = "other"


REASON_LABELS: dict[str, dict[str, str]] = {
    ReturnReason.DAMAGED: {"en": "Damaged or faulty", "zh": "破损或质量问题"},
    ReturnReason.WRONG_ITEM: {"en": "Wrong item sent", "zh": "发错商品"},
    ReturnReason.NOT_AS_DESCRIBED: {"en": "Not as described", "zh": "与描述不符"},
    ReturnReason.MISSING_ITEMS: {"en": "Items missing", "zh": "少件漏发"},
    ReturnReason.CHANGED_MIND: {"en": "Changed mind", "zh": "七天无理由"},
    ReturnReason.OTHER: {"en": "Other", "zh": "其他"},
}


class ReturnState(StrEnum):
    """Where a return stands. Refused and closed are final."""

    REQUESTED = "requested"  # waiting for a decision
    APPROVED = "approved"  # the buyer may send it back
    REFUSED = "refused"  # final: nothing comes back, nothing is given
    RECEIVED = "received"  # the goods are in the warehouse
    INSPECTED = "inspected"  # each line restocked or written off
    CLOSED = "closed"  # final: refunded, exchanged, re-shipped or nothing more


FINAL = frozenset({ReturnState.REFUSED, ReturnState.CLOSED})
# Where each step may start from. A return for missing items closes from approved:
# nothing comes back to receive or inspect.
STEP_FROM: dict[str, frozenset[ReturnState]] = {
    "approve": frozenset({ReturnState.REQUESTED}),
    "refuse": frozenset({ReturnState.REQUESTED, ReturnState.APPROVED}),
    "receive": frozenset({ReturnState.APPROVED}),
    "inspect": frozenset({ReturnState.RECEIVED}),
    "close": frozenset({ReturnState.INSPECTED}),
}
NOTHING_COMES_BACK = frozenset({ReturnReason.MISSING_ITEMS})


class Disposition(StrEnum):
    """What inspection does with a returned line."""

    RESTOCK = "restock"  # back on the shelf of a chosen warehouse, sellable again
    WRITE_OFF = "write_off"  # not sellable: it does not go back into stock


class Outcome(StrEnum):
    """How a return is closed."""

    REFUND = "refund"  # money back (payments/refunds.py)
    EXCHANGE = "exchange"  # a new order with the replacement lines, reserving stock
    RESHIP = "reship"  # 补发: a new order at no charge with the missing lines
    NOTHING = "nothing"  # closed with nothing more given
