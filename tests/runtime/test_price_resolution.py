"""Which price applies when several lists could: the most specific list, then the one
valid from the latest day; within it the largest quantity break reached; the
product's own price when no list applies."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from orderloom.runtime.prices import lists
from orderloom.runtime.prices.models import PriceBreak, PriceList
from orderloom.runtime.prices.resolution import PRODUCT, Buyer, unit_price
from orderloom.runtime.stock.catalog import Product

DAY = dt.date(2026, 6, 15)


def _add(db, code, *, prices, currency="CNY", channel=None, tier=None, customer=None,
         valid_from=None, valid_to=None):
    lists.store(db, lists.Terms(
        code, code, currency, channel, tier, customer, valid_from, valid_to,
        tuple(lists.Break(sku, quantity, Decimal(price)) for sku, quantity, price in prices)))
    db.flush()


def _price(db, quantity=1, sku="TEA-01", **who):
    found = unit_price(db, Buyer(currency=who.pop("currency", "CNY"), day=who.pop("day", DAY),
                                 **who), sku, quantity)
    return (f"{found.price:.2f}", found.source) if found else None


def _catalog(db):
    db.add_all([Product(sku="TEA-01", name="Tea", attributes={"price": "120.00"}),
                Product(sku="CUP-02", name="Cup", attributes={})])
    db.flush()


def test_without_lists_the_products_own_price_applies(db):
    _catalog(db)
    assert _price(db) == ("120.00", PRODUCT)
    assert _price(db, sku="CUP-02") is None  # no price anywhere: nothing to fill in
    assert _price(db, sku="NOPE") is None


def test_the_most_specific_list_wins_whatever_its_price(db):
    _catalog(db)
    _add(db, "everyone", prices=[("TEA-01", 1, "110")])
    _add(db, "tmall", channel="tmall", prices=[("TEA-01", 1, "100")])
    _add(db, "gold", tier="gold", prices=[("TEA-01", 1, "105")])
    _add(db, "gold-tmall", tier="gold", channel="tmall", prices=[("TEA-01", 1, "108")])
    _add(db, "li", customer="C-1", prices=[("TEA-01", 1, "115")])
    assert _price(db) == ("110.00", "everyone")
    assert _price(db, channel="tmall") == ("100.00", "tmall")
    assert _price(db, channel="jd", customer_tier="gold") == ("105.00", "gold")
    assert _price(db, channel="tmall", customer_tier="gold") == ("108.00", "gold-tmall")
    assert _price(db, channel="tmall", customer_tier="gold",
                  customer_code="C-1") == ("115.00", "li")
    # A list for another buyer never applies.
    assert _price(db, channel="jd", customer_tier="silver", customer_code="C-2") == \
        ("110.00", "everyone")


def test_between_lists_as_specific_the_latest_valid_from_wins(db):
    _catalog(db)
    _add(db, "spring", tier="gold", valid_from=dt.date(2026, 3, 1),
         prices=[("TEA-01", 1, "90")])
    _add(db, "summer", tier="gold", valid_from=dt.date(2026, 6, 1),
         valid_to=dt.date(2026, 8, 31), prices=[("TEA-01", 1, "95")])
    _add(db, "open", tier="gold", prices=[("TEA-01", 1, "80")])
    assert _price(db, customer_tier="gold") == ("95.00", "summer")
    assert _price(db, customer_tier="gold", day=dt.date(2026, 8, 31)) == ("95.00", "summer")
    assert _price(db, customer_tier="gold", day=dt.date(2026, 9, 1)) == ("90.00", "spring")
    assert _price(db, customer_tier="gold", day=dt.date(2026, 2, 1)) == ("80.00", "open")


def test_quantity_breaks_apply_from_their_quantity_up_to_the_next(db):
    _catalog(db)
    _add(db, "breaks", prices=[("TEA-01", 1, "100"), ("TEA-01", 10, "90"),
                               ("TEA-01", 50, "80")])
    assert [_price(db, q)[0] for q in (1, 9, 10, 49, 50, 5000)] == \
        ["100.00", "100.00", "90.00", "90.00", "80.00", "80.00"]


def test_a_list_applies_only_from_its_first_break_and_in_its_currency(db):
    _catalog(db)
    _add(db, "bulk", customer="C-1", prices=[("TEA-01", 10, "70")])
    _add(db, "usd", prices=[("TEA-01", 1, "15")], currency="USD")
    assert _price(db, 9, customer_code="C-1") == ("120.00", PRODUCT)
    assert _price(db, 10, customer_code="C-1") == ("70.00", "bulk")
    assert _price(db, currency="USD") == ("15.00", "usd")
    assert _price(db, currency=None) == ("120.00", PRODUCT)  # an order type without one


def test_a_larger_break_of_the_list_that_lost_the_tie_does_not_win(db):
    # Once the break was chosen before the list: between two lists equal but for their
    # code, a line of ten took the second list's break from ten over the first list.
    _catalog(db)
    _add(db, "A-list", tier="gold", prices=[("TEA-01", 1, "100")])
    _add(db, "B-list", tier="gold", prices=[("TEA-01", 1, "90"), ("TEA-01", 10, "80")])
    assert _price(db, 10, customer_tier="gold") == ("100.00", "A-list")


# --- the rules over random lists ----------------------------------------------------------

CHANNELS, TIERS, CUSTOMERS = ["tmall", "jd"], ["gold", "silver"], ["C-1", "C-2"]
DAYS = [None, dt.date(2026, 1, 1), dt.date(2026, 6, 15), dt.date(2026, 7, 1)]

a_list = st.fixed_dictionaries({
    "channel": st.sampled_from([None, *CHANNELS]), "tier": st.sampled_from([None, *TIERS]),
    "customer": st.sampled_from([None, *CUSTOMERS]),
    "valid_from": st.sampled_from(DAYS), "valid_to": st.sampled_from(DAYS),
    "breaks": st.dictionaries(st.sampled_from([1, 5, 20]),
                              st.integers(1, 500), min_size=1, max_size=3)})
a_buyer = st.fixed_dictionaries({
    "channel": st.sampled_from([None, *CHANNELS]), "customer_tier": st.sampled_from(
        [None, *TIERS]), "customer_code": st.sampled_from([None, *CUSTOMERS]),
    "day": st.sampled_from([d for d in DAYS if d] + [dt.date(2025, 12, 31)]),
    "quantity": st.sampled_from([1, 4, 5, 19, 20, 100])})


def _expected(specs, buyer):
    """The rule of docs/prices.md, written out plainly: the lists that apply, the most
    specific, then the latest valid_from, then the first code; its largest break."""
    def applies(spec):
        return ((spec["valid_from"] is None or spec["valid_from"] <= buyer["day"])
                and (spec["valid_to"] is None or buyer["day"] <= spec["valid_to"])
                and spec["channel"] in (None, buyer["channel"])
                and spec["tier"] in (None, buyer["customer_tier"])
                and spec["customer"] in (None, buyer["customer_code"])
                and any(q <= buyer["quantity"] for q in spec["breaks"]))

    candidates = [(code, spec) for code, spec in specs if applies(spec)]
    if not candidates:
        return ("120.00", PRODUCT)

    def rank(item):
        code, spec = item
        specific = (spec["customer"] is not None, spec["tier"] is not None,
                    spec["channel"] is not None)
        return (specific, spec["valid_from"] or dt.date.min)

    best = max(rank(c) for c in candidates)
    code, spec = min((c for c in candidates if rank(c) == best), key=lambda c: c[0])
    reached = max(q for q in spec["breaks"] if q <= buyer["quantity"])
    return (f"{spec['breaks'][reached]}.00", code)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=st.lists(a_list, min_size=1, max_size=6), buyer=a_buyer)
def test_random_lists_resolve_as_the_rules_say(db, specs, buyer):
    db.execute(delete(PriceBreak))
    db.execute(delete(PriceList))
    db.execute(delete(Product))
    _catalog(db)
    named = [(f"L{i:02}", spec) for i, spec in enumerate(specs)]
    for code, spec in named:
        if spec["valid_from"] and spec["valid_to"] and spec["valid_to"] < spec["valid_from"]:
            spec["valid_to"] = None  # such a list is refused when entered
        _add(db, code, channel=spec["channel"], tier=spec["tier"],
             customer=spec["customer"], valid_from=spec["valid_from"],
             valid_to=spec["valid_to"],
             prices=[("TEA-01", q, p) for q, p in spec["breaks"].items()])
    who = {k: v for k, v in buyer.items() if k != "quantity"}
    assert _price(db, buyer["quantity"], **who) == _expected(named, buyer)
    db.rollback()
