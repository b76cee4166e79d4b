"""The products and customers formulas look up (PRODUCTINFO, CUSTOMERINFO).

A reader is bound to one database session and handed to the formulas of one
request or job with the business calendar. It remembers what it read, so a rule
that asks for five attributes of each of twenty lines reads each product once.
A merged duplicate customer answers with its survivor, as everywhere else.

LISTPRICE asks the price book of the order being evaluated: `priced_by` gives a reader
bound to one order's book (prices/order_lines.py makes it from the order's buyer),
sharing what was read already. Each SKU and quantity is priced once per order, as a
rule over every line asks the same lines again in each state the order enters.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from orderloom.dsl.catalogue import CUSTOMER_ATTRIBUTES, PRODUCT_ATTRIBUTES
from orderloom.runtime.customers.records import Customer
from orderloom.runtime.stock.catalog import Product

# The unit price for a SKU and a quantity, for one order's buyer; None when none applies.
PriceBook = Callable[[str, Decimal], Decimal | None]


class FormulaCatalogue:
    def __init__(self, session: Session, book: PriceBook | None = None) -> None:
        self.session = session
        self.products: dict[str, Mapping[str, Any] | None] = {}
        self.customers: dict[str, Mapping[str, Any] | None] = {}
        self.book = book
        self.prices: dict[tuple[str, Decimal], Decimal | None] = {}

    def priced_by(self, book: PriceBook) -> FormulaCatalogue:
        """This reader for the formulas of one order, whose list prices ``book`` gives."""
        bound = FormulaCatalogue(self.session, book)
        bound.products, bound.customers = self.products, self.customers
        return bound

    def list_price(self, sku: str, quantity: Decimal) -> Decimal | None:
        if self.book is None:
            return None
        if (sku, quantity) not in self.prices:
            self.prices[sku, quantity] = self.book(sku, quantity)
        return self.prices[sku, quantity]

    def product(self, sku: str) -> Mapping[str, Any] | None:
        if sku not in self.products:
            found = self.session.scalar(select(Product).where(Product.sku == sku))
            self.products[sku] = None if found is None else product_attributes(found)
        return self.products[sku]

    def customer(self, code: str) -> Mapping[str, Any] | None:
        if code not in self.customers:
            found = self.session.scalar(select(Customer).where(Customer.code == code))
            if found is not None and found.merged_into_id is not None:
                found = self.session.get(Customer, found.merged_into_id)
            self.customers[code] = None if found is None else customer_attributes(found)
        return self.customers[code]


def product_attributes(product: Product) -> dict[str, Any]:
    kept = product.attributes if isinstance(product.attributes, dict) else {}
    columns = {"name": product.name, "barcode": product.barcode,
               "weight_grams": product.weight_grams,
               "low_stock_threshold": product.low_stock_threshold}
    return {name: columns[name] if name in columns else kept.get(name)
            for name in PRODUCT_ATTRIBUTES}


def customer_attributes(customer: Customer) -> dict[str, Any]:
    kept = customer.attributes if isinstance(customer.attributes, dict) else {}
    columns = {"name": customer.name, "email": customer.email, "phone": customer.phone,
               "tags": list(customer.tags or [])}
    return {name: columns[name] if name in columns else kept.get(name)
            for name in CUSTOMER_ATTRIBUTES}
