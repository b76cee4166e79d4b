"""LISTPRICE(sku, quantity): the unit price the order's price lists (or the product's
own price) give that many pieces of a SKU, or NULL when none does.

The prices are the server's data and depend on the order (its channel, its
customer, its day), so the formula language does not hold them: whoever evaluates
a formula for an order hands a price book in for the time of that evaluation
(``priced_by``), and LISTPRICE asks it. With no book at hand (a formula tried in
the designer, the browser's preview) every SKU has no list price, so a rule such as
``ANY(items, price < LISTPRICE(sku, qty))`` is not TRUE there by accident.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal

from .errors import Fault

PriceBook = Callable[[str, Decimal], Decimal | None]

_BOOK: ContextVar[PriceBook | None] = ContextVar("orderloom_price_book", default=None)


@contextmanager
def priced_by(book: PriceBook) -> Iterator[None]:
    """Formulas evaluated inside the block find list prices in ``book``."""
    token = _BOOK.set(book)
    try:
        yield
    finally:
        _BOOK.reset(token)


def list_price(sku: str, quantity: int | Decimal) -> Decimal | None:
    quantity = Decimal(quantity)
    if quantity < 1 or quantity != quantity.to_integral_value():
        raise Fault(f"LISTPRICE: the quantity must be a whole number of at least 1, "
                    f"not {quantity}")
    book = _BOOK.get()
    return None if book is None else book(sku.strip(), quantity)
