"""PRODUCTINFO and CUSTOMERINFO: an attribute of a product of the catalogue or of a
customer, looked up by SKU or customer code; LISTPRICE: the unit price the order's
price lists (or the product's own price) give that many pieces of a SKU.

The attributes a formula may ask for are declared here with their types, so that
a formula is checked when it is saved (an unknown attribute is a problem at its
place, with a did-you-mean) and its result has a type like a field's. The
records themselves are the instance's: the runtime hands a `Catalogue` to the
evaluation with the business calendar (`Calendar.catalogue`). Not found is
Excel's #N/A, so IFNA gives the fallback, as with XLOOKUP.

Prices depend on the order (its channel, its customer, its day): a catalogue handed
to the formulas of one order answers for that order's buyer. With no catalogue, or
one not bound to an order (a formula tried in the designer, the browser's preview),
every SKU has no list price, so a rule such as ``ANY(items, price < LISTPRICE(sku,
qty))`` is not TRUE there by accident.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Protocol

from . import values as V
from .errors import NA, Fault
from .types import INTEGER, MONEY, TEXT, Type, list_of

# What a product and a customer offer a formula: the stored columns, and the
# attributes the business keeps on every record (`price`, `tier`, `credit_limit`).
PRODUCT_ATTRIBUTES: dict[str, Type] = {
    "name": TEXT,
    "barcode": TEXT,
    "weight_grams": INTEGER,
    "price": MONEY,
    "low_stock_threshold": INTEGER,
}
CUSTOMER_ATTRIBUTES: dict[str, Type] = {
    "name": TEXT,
    "email": TEXT,
    "phone": TEXT,
    "tier": TEXT,
    "credit_limit": MONEY,
    "tags": list_of(TEXT),
}

# Function name -> (what it looks up, in a message's words; its attributes).
LOOKUPS: dict[str, tuple[str, dict[str, Type]]] = {
    "PRODUCTINFO": ("product", PRODUCT_ATTRIBUTES),
    "CUSTOMERINFO": ("customer", CUSTOMER_ATTRIBUTES),
}


class Catalogue(Protocol):
    """The instance's products and customers, as formulas read them.

    Each method gives the record's attributes (names of PRODUCT_ATTRIBUTES or
    CUSTOMER_ATTRIBUTES, stored values such as "12.50" for money), or None when
    there is no such product or customer.
    """

    def product(self, sku: str) -> Mapping[str, Any] | None: ...

    def customer(self, code: str) -> Mapping[str, Any] | None: ...

    def list_price(self, sku: str, quantity: Decimal) -> Decimal | None:
        """The unit price for the buyer of the order being evaluated; None when no
        price applies or the catalogue is not bound to an order."""


def attribute_problem(name: str, attribute: str) -> str | None:
    """Why `attribute` cannot be asked of `name`'s records, or None when it can."""
    what, known = LOOKUPS[name]
    if attribute in known:
        return None
    return f"{name}: a {what} has no attribute {attribute!r}; use one of {', '.join(known)}"


def look_up(name: str, catalogue: Catalogue | None, key: Any, attribute: str,
            convert: Any) -> Any:
    """The attribute's value converted to its declared type by `convert`; blank when the
    record has it blank; a #N/A fault when there is no such record."""
    what, _ = LOOKUPS[name]
    if key is None:
        raise Fault(f"{name}: a blank {what} is never found", code=NA)
    text = V.to_text(key).strip()
    if catalogue is None:
        raise Fault(f"{name}: there is no {what} catalogue here to look {text!r} up in",
                    code=NA)
    record = catalogue.product(text) if what == "product" else catalogue.customer(text)
    if record is None:
        raise Fault(f'{name}: there is no {what} "{text}"', code=NA)
    return convert(record.get(attribute), f"{name}: the {what}'s {attribute}")


def list_price(catalogue: Catalogue | None, sku: str, quantity: int | Decimal
               ) -> Decimal | None:
    """LISTPRICE(sku, quantity)."""
    quantity = Decimal(quantity)
    if quantity < 1 or quantity != quantity.to_integral_value():
        raise Fault(f"LISTPRICE: the quantity must be a whole number of at least 1, "
                    f"not {quantity}")
    return None if catalogue is None else catalogue.list_price(sku.strip(), quantity)
