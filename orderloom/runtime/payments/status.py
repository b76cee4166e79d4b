"""An order's payment status: what the sums received and refunded for it mean.

Pure, with no imports of ours, so that the order (whose total changes what its
payments amount to) and the payments that set it both read one definition.
"""
from __future__ import annotations

from decimal import Decimal

# payment_status values, each with its meaning.
UNPAID = "unpaid"                    # nothing received
PARTLY_PAID = "partly_paid"          # received less than the total
PAID = "paid"                        # received the total (or anything, when there is no total)
OVERPAID = "overpaid"                # received more than the total
PARTLY_REFUNDED = "partly_refunded"  # some of what was received went back
REFUNDED = "refunded"                # everything received went back
STATUSES = (UNPAID, PARTLY_PAID, PAID, OVERPAID, PARTLY_REFUNDED, REFUNDED)
# Statuses where money is still owed by the customer.
OWING = frozenset({UNPAID, PARTLY_PAID})


def status_for(paid: Decimal, refunded: Decimal, total: Decimal | None) -> str:
    """The payment status that the sums received and refunded give."""
    if paid <= 0:
        return UNPAID
    if refunded >= paid:
        return REFUNDED
    if refunded > 0:
        return PARTLY_REFUNDED
    if total is None or paid == total:
        return PAID
    return PARTLY_PAID if paid < total else OVERPAID
