"""Every figure reads what a state means, never what it is called: the built-in
templates' orders give the same dashboards, customer values, finance summary and
reconciliation findings after every state of every template is renamed, even when the
new names are the old names shuffled ("cancelled" now naming the start state)."""
from __future__ import annotations

import copy
import random
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import cycle
from typing import Any

import pytest
from sqlalchemy import delete, select

from orderloom.designer.models import DefinitionVersion
from orderloom.platform.templates import import_template
from orderloom.runtime.audit import Actor
from orderloom.runtime.customers import records as customers
from orderloom.runtime.orders.models import Order
from orderloom.runtime.payments import finance_summary
from orderloom.runtime.payments.received import Payment
from orderloom.runtime.payments.reconciliation import Mismatch, import_statement
from orderloom.runtime.payments.status import PAID, UNPAID
from orderloom.runtime.reports import dashboards
from orderloom.runtime.reports.dashboards import CHARTS, DashboardFilter

TEMPLATES = ("catering", "manufacturing", "retail", "returns", "wholesale")
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
ACTOR = Actor(None, "test", "cli")
SPEC = DashboardFilter(created_from=NOW - timedelta(days=40), created_to=NOW)


def _plant_every_state(db) -> list[int]:
    """Three orders in every state of every template, for three customers, some paid
    ten days ago; answers the customers' ids."""
    for key in TEMPLATES:
        import_template(db, "test", key)
    db.flush()
    people = [customers.create(db, ACTOR, name=f"Customer {n}", code=f"TEST-C{n}")
              for n in range(3)]
    who = cycle(people)
    count = 0
    for version in db.scalars(select(DefinitionVersion).order_by(DefinitionVersion.id)):
        currency = version.definition.get("currency")
        for state in version.definition["workflow"]["states"]:
            for _ in range(3):
                count += 1
                person = next(who)
                amount = Decimal(10 + count * 7)
                paid = count % 3 == 0
                order = Order(
                    number=f"T-{count:04d}", order_type_id=version.order_type_id,
                    version_id=version.id, state=state["key"],
                    channel=("web", "store")[count % 2], customer_id=person.id,
                    data={"customer": {"code": person.code, "name": person.name},
                          "items": [{"sku": f"SKU-{count % 4}", "qty": 1,
                                     "price": str(amount), "amount": str(amount)}]},
                    tags=[], revision=1, created_by="test",
                    created_at=NOW - timedelta(days=count % 20, hours=count % 7),
                    updated_at=NOW, payment_status=PAID if paid else UNPAID,
                    amount_paid=amount if paid else Decimal(0))
                order.total, order.currency = amount, currency
                db.add(order)
                db.flush()
                if paid:
                    db.add(Payment(order_id=order.id, amount=amount, currency=currency,
                                   method="transfer", reference=f"P-{count}",
                                   received_at=NOW - timedelta(days=10), source="staff",
                                   recorded_by="test"))
    db.commit()
    return [p.id for p in people]


def _figures(db, customer_ids: list[int], names: dict[int, dict[str, str]]
             ) -> dict[str, Any]:
    """Everything that adds orders up. Orders per state are read per order type and
    under the states' first names (``names``: per order type, now -> first)."""
    found: dict[str, Any] = {name: dashboards.chart(db, name, SPEC)
                             for name in CHARTS if name != "orders_by_state"}
    for type_id, first_names in names.items():
        rows = dashboards.orders_by_state(db, DashboardFilter(
            created_from=SPEC.created_from, created_to=SPEC.created_to,
            order_type_id=type_id))
        found[f"orders_by_state/{type_id}"] = sorted(
            (first_names[r["state"]], r["orders"], r["value"]) for r in rows)
    found["customers"] = customers.standings(db, customer_ids, NOW)
    found["finance"] = finance_summary.summary(db, (NOW - timedelta(days=25)).date(),
                                               NOW.date())
    db.execute(delete(Mismatch))
    import_statement(db, ACTOR, "bank", "empty.csv", [], now=NOW)
    found["mismatches"] = sorted(db.execute(select(Mismatch.kind, Mismatch.order_id)).all())
    db.rollback()
    return found


def _rename(workflow: dict[str, Any], new: dict[str, str]) -> None:
    for state in workflow["states"]:
        state["key"] = new[state["key"]]
    for t in workflow["transitions"]:
        t["from"] = [new[s] for s in t["from"]]
        t["to"] = new[t["to"]]
    for a in workflow.get("approvals", []):
        for member in ("state", "approved", "rejected"):
            a[member] = new[a[member]]
    for auto in workflow.get("automatic", []):
        auto["from"], auto["to"] = new[auto["from"]], new[auto["to"]]


def _shuffled(keys: list[str], rng: random.Random) -> list[str]:
    # Every state gets another state's name where it can: the names now lie.
    while True:
        names = rng.sample(keys, len(keys))
        if all(a != b for a, b in zip(keys, names, strict=True)):
            return names


def _rename_everything(db, how: str) -> dict[int, dict[str, str]]:
    """Rename every state of every stored version and move the orders along; answers
    per order type the new names' first names."""
    rng = random.Random(18)
    back: dict[int, dict[str, str]] = {}
    new_by_version: dict[int, dict[str, str]] = {}
    for version in db.scalars(select(DefinitionVersion)):
        definition = copy.deepcopy(version.definition)
        keys = [s["key"] for s in definition["workflow"]["states"]]
        names = (_shuffled(keys, rng) if how == "shuffled"
                 else [f"s_{uuid.uuid4().hex[:10]}" for _ in keys])
        new = dict(zip(keys, names, strict=True))
        _rename(definition["workflow"], new)
        version.definition = definition
        new_by_version[version.id] = new
        back[version.order_type_id] = {v: k for k, v in new.items()}
    for order in db.scalars(select(Order)):
        order.state = new_by_version[order.version_id][order.state]
    db.commit()
    return back


@pytest.mark.parametrize("how", ["shuffled", "random"])
def test_renaming_every_state_changes_no_figure(db, how):
    customer_ids = _plant_every_state(db)
    first_names = {v.order_type_id: {s["key"]: s["key"]
                                     for s in v.definition["workflow"]["states"]}
                   for v in db.scalars(select(DefinitionVersion))}
    before = _figures(db, customer_ids, first_names)
    # Not an empty comparison: sales, value, debts and both kinds of findings are there.
    assert sum(row["sales"] for row in before["sales_over_time"]) > 0
    assert len({s.value for s in before["customers"].values()}) == 3
    assert any(Decimal(row["outstanding"]) > 0 for row in before["finance"])
    assert {kind for kind, _order in before["mismatches"]} == {
        "paid_not_shipped", "shipped_unpaid"}

    after = _figures(db, customer_ids, _rename_everything(db, how))

    assert after == before


def test_a_refunded_order_is_a_sale_neither_on_dashboards_nor_in_customer_value(db):
    # The dashboards once matched "cancelled" and "rejected" by name and the customer
    # value also "refunded", so a refunded retail order was a sale on one and not the
    # other.
    import_template(db, "test", "retail")
    db.flush()
    person = customers.create(db, ACTOR, name="Li Wei", code="C1")
    version = db.scalar(select(DefinitionVersion))
    for number, state, amount in (("T-1", "completed", "100.00"), ("T-2", "refunded", "40.00")):
        order = Order(number=number, order_type_id=version.order_type_id,
                      version_id=version.id, state=state, channel="web",
                      customer_id=person.id, data={"items": []}, tags=[], revision=1,
                      created_by="test", created_at=NOW - timedelta(days=1),
                      updated_at=NOW)
        order.total, order.currency = Decimal(amount), "CNY"
        db.add(order)
    db.commit()
    [day] = dashboards.sales_over_time(db, SPEC)
    assert (day["orders"], day["sales"]) == (1, Decimal("100.00"))
    [bucket] = [b for b in dashboards.customer_value(db, SPEC) if b["customers"]]
    assert bucket["value"] == Decimal("100.00")
    standing = customers.standings(db, [person.id], NOW)[person.id]
    assert (standing.orders, standing.value) == (1, Decimal("100.00"))
