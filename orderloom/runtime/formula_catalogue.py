"""The products and customers formulas look up (PRODUCTINFO, CUSTOMERINFO).

A reader is bound to one database session and handed to the formulas of one
request or job with the business calendar. It remembers what it read, so a rule
that asks for five attributes of each of twenty lines reads each product once.
A merged duplicate customer answers with its survivor, as everywhere else.

LISTPRICE asks the price book of the order being evaluated: `priced_by` gives a reader
bound to one order's book (prices/order_lines.py makes it from the order's buyer),
sharing what was read already. Each SKU and quantity is priced once per order, as a
rule over every line asks the same lines again in each state the order enters.

A preview run for a person (simulating a definition, trying a channel mapping) must
not show them records their roles hide: such a reader is told which kinds of record
it may not read, and a formula asking for one fails saying so instead of answering.
Such a preview ends its read before it evaluates (on SQLite every transaction holds
the write lock): its reader then opens a session of its own for each look-up, so the
request's session is not opened again while a template renders.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from orderloom.dsl.catalogue import CUSTOMER_ATTRIBUTES, PRODUCT_ATTRIBUTES
from orderloom.dsl.errors import Fault
from orderloom.runtime.customers import records
from orderloom.runtime.customers.records import Customer
from orderloom.runtime.stock.catalog import Product, price_of

# The kinds of record a reader may be refused, as the lookups name them.
PRODUCTS, CUSTOMERS = "product", "customer"

# The unit price for a SKU and a quantity, for one order's buyer; None when none applies.
PriceBook = Callable[[str, Decimal], Decimal | None]


class FormulaCatalogue:
    def __init__(self, session: Session, book: PriceBook | None = None, *,
                 refused: Mapping[str, str] | None = None,
                 short_lived: bool = False) -> None:
        """``book``: the list prices of the order being evaluated. ``refused``: kind of
        record (PRODUCTS, CUSTOMERS) -> why this reader may not read it, for the message
        of a formula that asks. ``short_lived``: read each record in a session of its
        own, closed at once, not in ``session``."""
        self.session = session
        self.short_lived = short_lived
        self.refused = dict(refused or {})
        self.products: dict[str, Mapping[str, Any] | None] = {}
        self.customers: dict[str, Mapping[str, Any] | None] = {}
        self.book = book
        self.prices: dict[tuple[str, Decimal], Decimal | None] = {}

    def priced_by(self, book: PriceBook) -> FormulaCatalogue:
        """This reader for the formulas of one order, whose list prices ``book`` gives."""
        bound = FormulaCatalogue(self.session, book, refused=self.refused,
                                 short_lived=self.short_lived)
        bound.products, bound.customers = self.products, self.customers
        return bound

    def list_price(self, sku: str, quantity: Decimal) -> Decimal | None:
        if self.book is None:
            return None
        if (sku, quantity) not in self.prices:
            self.prices[sku, quantity] = self.book(sku, quantity)
        return self.prices[sku, quantity]

    def _check(self, kind: str, function: str) -> None:
        if kind in self.refused:
            raise Fault(f"{function}: {self.refused[kind]}")

    def product(self, sku: str) -> Mapping[str, Any] | None:
        self._check(PRODUCTS, "PRODUCTINFO")
        if sku not in self.products:
            with self._reading() as session:
                found = session.scalar(select(Product).where(Product.sku == sku))
                self.products[sku] = None if found is None else product_attributes(found)
        return self.products[sku]

    def customer(self, code: str) -> Mapping[str, Any] | None:
        self._check(CUSTOMERS, "CUSTOMERINFO")
        if code not in self.customers:
            with self._reading() as session:
                try:
                    found = records.find(session, code)
                except records.CustomerNotFound:
                    self.customers[code] = None
                else:
                    self.customers[code] = customer_attributes(
                        records.survivor_of(session, found) or found)
        return self.customers[code]

    @contextmanager
    def _reading(self) -> Iterator[Session]:
        if not self.short_lived:
            yield self.session
            return
        with Session(bind=self.session.get_bind()) as own:
            yield own


def product_attributes(product: Product) -> dict[str, Any]:
    kept = product.attributes if isinstance(product.attributes, dict) else {}
    columns = {"name": product.name, "barcode": product.barcode,
               "weight_grams": product.weight_grams,
               "low_stock_threshold": product.low_stock_threshold}
    columns["price"] = price_of(product)
    return {name: columns[name] if name in columns else kept.get(name)
            for name in PRODUCT_ATTRIBUTES}


def customer_attributes(customer: Customer) -> dict[str, Any]:
    kept = customer.attributes if isinstance(customer.attributes, dict) else {}
    columns = {"name": customer.name, "email": customer.email, "phone": customer.phone,
               "tags": list(customer.tags or [])}
    return {name: columns[name] if name in columns else kept.get(name)
            for name in CUSTOMER_ATTRIBUTES}
