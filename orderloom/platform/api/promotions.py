"""Promotions over the API: gift and discount rules, the backtest of a draft rule,
pre-sale products and the expected receipts pre-sale orders reserve against."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from orderloom.platform.api import api
from orderloom.platform.api.body import json_body
from orderloom.platform.api.consolidation import parts_json
from orderloom.platform.api.price_lists import channel_keys
from orderloom.platform.auth import current_actor, current_user, requires
from orderloom.platform.database import db_session
from orderloom.platform.lookups import may_act_on, order_or_404
from orderloom.platform.openapi import documented
from orderloom.platform.problems import Problem, invalid
from orderloom.platform.row_access import visible_orders
from orderloom.runtime import audit
from orderloom.runtime.promotions import backtest, pre_sale, rules
from orderloom.runtime.promotions.pre_sale import PreSaleError
from orderloom.runtime.promotions.rules import PromotionError

TEXT_OR_NULL = {"type": ["string", "null"]}
NUMBER_OR_NULL = {"type": ["string", "number", "null"],
                  "description": "A decimal, as an exact string"}
TEXTS = {"type": "array", "items": {"type": "string", "maxLength": 64}, "maxItems": 200}
RULE = {
    "type": "object", "required": ["code"], "additionalProperties": False,
    "properties": {
        "code": {"type": "string", "maxLength": 40},
        "name": {"type": "string", "maxLength": 200},
        "active": {"type": "boolean", "description": "Runs on arriving orders; false: a "
                                                    "draft, tried with the backtest"},
        "skus": {**TEXTS, "description": "The order has a line of one of these"},
        "min_amount": {**NUMBER_OR_NULL, "description": "The order's total reaches it"},
        "min_quantity": {"type": ["integer", "null"], "minimum": 1,
                         "description": "Units of the rule's SKUs (of all, if none)"},
        "channels": {**TEXTS, "description": "Only orders of these channels"},
        "customer_tiers": {**TEXTS, "description": "Only buyers of these tiers"},
        "starts_on": {**TEXT_OR_NULL, "description": "YYYY-MM-DD, the instance's day"},
        "ends_on": {**TEXT_OR_NULL, "description": "YYYY-MM-DD, included"},
        "gift_sku": {**TEXT_OR_NULL, "description": "The gift's SKU"},
        "gift_quantity": {"type": ["integer", "null"], "minimum": 1},
        "discount_percent": NUMBER_OR_NULL,
        "discount_amount": NUMBER_OR_NULL,
        "discount_on": {"enum": ["order", "lines"]},
    },
}
BACKTEST = {"type": "object", "required": ["rule", "from", "to"], "additionalProperties": False,
            "properties": {"rule": RULE, "from": {"type": "string", "format": "date"},
                           "to": {"type": "string", "format": "date"}}}
BACKTEST_RESULT = {"type": "object", "properties": {
    "orders": {"type": "integer"}, "hits": {"type": "integer"},
    "orders_hit": {"type": "array", "items": {"type": "string"}},
    "gifts": {"type": "array"}, "cost": {"type": "array"}}}
PRE_SALE = {"type": "object", "required": ["release_on"], "additionalProperties": False,
            "properties": {"release_on": {"type": "string", "format": "date"}}}
RECEIPT = {"type": "object", "required": ["sku", "warehouse", "expected_on", "quantity"],
           "additionalProperties": False,
           "properties": {"sku": {"type": "string", "maxLength": 64},
                          "warehouse": {"type": "string", "maxLength": 50},
                          "expected_on": {"type": "string", "format": "date"},
                          "quantity": {"type": "integer", "minimum": 0,
                                       "maximum": 1_000_000_000}}}


def _rule(code: str, *, to_change: bool = False):
    found = rules.find(db_session(), code, to_change=to_change)
    if found is None:
        raise Problem(404, f"there is no promotion {code}")
    return found


def _checked(session: Session, body: dict[str, Any]):
    try:
        return rules.checked(session, body, channel_keys(session))
    except PromotionError as error:
        raise invalid(error.pointer, error.message) from None


def _day(value: str, pointer: str) -> dt.date:
    try:
        return rules.day_within(value, pointer)
    except PromotionError as error:
        raise invalid(pointer, error.message) from None


@api.get("/promotions")
@requires("promotions.manage")
@documented("Every promotion rule, active and draft, by code", tags=("promotions",),
            responses={200: ("Promotion rules", {"type": "array", "items": RULE})})
def list_promotions():
    return [rules.as_json(row) for row in rules.every_rule(db_session())]


@api.get("/promotions/<code>")
@requires("promotions.manage")
@documented("One promotion rule", tags=("promotions",),
            responses={200: ("The rule", RULE)})
def get_promotion(code: str):
    return rules.as_json(_rule(code))


@api.post("/promotions")
@requires("promotions.manage")
@documented("Add a promotion rule; an unknown SKU or channel, a rule that gives nothing, "
            "dates the wrong way round are refused at their pointer", request=RULE,
            tags=("promotions",), responses={201: ("The rule", RULE)})
def create_promotion():
    body = json_body(RULE, exact_numbers=True)
    session = db_session()
    terms = _checked(session, body)
    taken = invalid("/code", f"a promotion {terms.code!r} exists already", status=409)
    if rules.find(session, terms.code) is not None:
        raise taken
    try:
        row = rules.store(session, terms, active=bool(body.get("active")))
        session.flush()
    except IntegrityError:
        session.rollback()
        raise taken from None
    audit.record(session, current_actor(), "promotion.created", "promotion", row.code,
                 **rules.as_json(row))
    session.commit()
    return rules.as_json(row), 201


@api.put("/promotions/<code>")
@requires("promotions.manage")
@documented("Replace a promotion rule's terms, or switch it on or off (its code stays)",
            request=RULE, tags=("promotions",), responses={200: ("The rule", RULE)})
def put_promotion(code: str):
    row = _rule(code, to_change=True)
    body = json_body(RULE, exact_numbers=True)
    if body.get("code") != code:
        raise invalid("/code", f"must stay {code!r}; add a new rule for another code")
    session = db_session()
    terms = _checked(session, body)
    before = rules.as_json(row)
    rules.store(session, terms, active=bool(body.get("active")), row=row)
    audit.record(session, current_actor(), "promotion.changed", "promotion", code,
                 before=before, after=rules.as_json(row))
    session.commit()
    return rules.as_json(row)


@api.delete("/promotions/<code>")
@requires("promotions.manage")
@documented("Delete a promotion rule; what it gave orders stays on them",
            tags=("promotions",), responses={204: ("Deleted", None)})
def delete_promotion(code: str):
    row = _rule(code, to_change=True)
    session = db_session()
    audit.record(session, current_actor(), "promotion.deleted", "promotion", code)
    session.delete(row)
    session.commit()
    return "", 204


@api.post("/promotions/backtest")
@requires("promotions.manage")
@documented("Run a draft rule over the orders placed from `from` to `to` (the instance's "
            "days, both included) and answer how many it hits, the gifts it gives and "
            "what it costs; nothing is written", request=BACKTEST, tags=("promotions",),
            responses={200: ("What the rule would have given", BACKTEST_RESULT)})
def backtest_promotion():
    body = json_body(BACKTEST, exact_numbers=True)
    session = db_session()
    try:
        terms = rules.checked(session, body["rule"], channel_keys(session))
        period = backtest.Period.checked(_day(body["from"], "/from"), _day(body["to"], "/to"))
    except PromotionError as error:
        pointer = error.pointer if error.pointer in ("/to", "/from") else \
            "/rule" + error.pointer
        raise invalid(pointer, error.message) from None
    answer = backtest.run(session, terms, period,
                          visible=visible_orders(current_user()))
    session.rollback()  # a backtest writes nothing
    return answer


@api.get("/pre-sales")
@requires("inventory.view")
@documented("Products sold before they can ship, with their release dates",
            tags=("promotions",), responses={200: ("Pre-sale products", {"type": "array"})})
def list_pre_sales():
    return [{"sku": row.sku, "release_on": row.release_on.isoformat()}
            for row in pre_sale.pre_sales(db_session())]


@api.put("/pre-sales/<sku>")
@requires("inventory.manage")
@documented("Sell a product before it can ship, until its release date; orders placed "
            "before then wait and reserve against its expected receipts",
            request=PRE_SALE, tags=("promotions",),
            responses={200: ("The pre-sale product", None)})
def put_pre_sale(sku: str):
    body = json_body(PRE_SALE)
    session = db_session()
    release_on = _day(body["release_on"], "/release_on")
    try:
        row = pre_sale.set_release(session, sku, release_on)
    except PreSaleError as error:
        raise Problem(404, error.message) from None
    audit.record(session, current_actor(), "pre_sale.set", "product", sku,
                 release_on=release_on.isoformat())
    session.commit()
    return {"sku": row.sku, "release_on": row.release_on.isoformat()}


@api.put("/orders/<number>/pre-sale-lines/<sku>")
@requires("orders.act")
@documented("Hold one line of an open order (its units not shipped) until its own release "
            "date: they reserve against the SKU's expected receipts, and the line waits in "
            "a held part of its own while the rest of the order ships",
            request=PRE_SALE, tags=("promotions",),
            responses={200: ("The order's parts", {"type": "object"})})
def put_pre_sale_line(number: str, sku: str):
    body = json_body(PRE_SALE)
    session = db_session()
    order = may_act_on(order_or_404(number))
    release_on = _day(body["release_on"], "/release_on")
    pre_sale.hold_line(session, current_actor(), order, sku, release_on)
    session.commit()
    return parts_json(order)


@api.delete("/pre-sales/<sku>")
@requires("inventory.manage")
@documented("End a product's pre-sale; orders already waiting keep their date",
            tags=("promotions",), responses={204: ("Ended", None)})
def delete_pre_sale(sku: str):
    session = db_session()
    if not pre_sale.end_pre_sale(session, sku):
        raise Problem(404, f"{sku} is not on pre-sale")
    audit.record(session, current_actor(), "pre_sale.ended", "product", sku)
    session.commit()
    return "", 204


@api.get("/expected-receipts")
@requires("inventory.view")
@documented("Stock expected into each warehouse, by day, with what pre-sale orders "
            "reserved of it", tags=("promotions",),
            responses={200: ("Expected receipts", {"type": "array"})})
def list_expected_receipts():
    return pre_sale.expected_receipts(db_session())


@api.put("/expected-receipts")
@requires("inventory.manage")
@documented("Expect a quantity of a SKU into a warehouse on a day (replacing what was "
            "expected that day); never fewer than pre-sale orders reserved",
            request=RECEIPT, tags=("promotions",),
            responses={200: ("Expected receipts", {"type": "array"})})
def put_expected_receipt():
    body = json_body(RECEIPT)
    session = db_session()
    expected_on = _day(body["expected_on"], "/expected_on")
    pre_sale.set_expected(session, body["sku"], body["warehouse"], expected_on,
                          body["quantity"])
    audit.record(session, current_actor(), "expected_receipt.set", "product", body["sku"],
                 warehouse=body["warehouse"], expected_on=expected_on.isoformat(),
                 quantity=body["quantity"])
    session.commit()
    return pre_sale.expected_receipts(session)
