"""The order's total kept in its own column, for lists, customers' value and reports."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from orderloom.designer.validation import validate_order_type
from orderloom.runtime.orders.models import Order
from tests.designer.samples import retail
from tests.runtime.support import SAMPLE, create


def test_the_total_and_currency_are_stored_and_answered(client, staff, db):
    order = create(client, staff).get_json()
    assert order["total"] == "2560.70" == order["data"]["total"]
    assert order["currency"] == "CNY"
    read = client.get(f"/api/v1/orders/{order['number']}", headers=staff).get_json()
    assert (read["total"], read["currency"]) == ("2560.70", "CNY")  # as stored
    create(client, staff, {**SAMPLE, "items": [{"sku": "TEA-01", "qty": 1, "price": "0.10"}]})
    db.rollback()
    summed = db.execute(select(func.sum(Order.total))).scalar_one()
    assert Decimal(summed).quantize(Decimal("0.01")) == Decimal("2560.80")
    assert db.execute(select(Order.currency).distinct()).scalars().all() == ["CNY"]


def test_a_transition_that_changes_the_values_changes_the_total(client, staff, db):
    number = create(client, staff).get_json()["number"]
    db.rollback()
    stored = db.execute(select(Order).where(Order.number == number)).scalar_one()
    assert stored.total == Decimal("2560.70")
    # The order's values change through the same step every change goes through.
    from orderloom.designer.published import blueprint_for
    blueprint = blueprint_for(stored.version)
    stored.take_values({**stored.data, "total": "12.00"}, blueprint)
    assert stored.total == Decimal("12.00")
    db.rollback()


def test_total_field_must_name_a_money_field():
    definition = retail()
    definition["total_field"] = "totl"
    problems = validate_order_type(definition)
    assert [(p.pointer, p.message) for p in problems] == [
        ("/total_field", "there is no field 'totl'; did you mean 'total'?")]
    definition["total_field"] = "priority"
    problems = validate_order_type(definition)
    assert [(p.pointer, p.message) for p in problems] == [
        ("/total_field", "the total must be a money field; 'priority' is choice")]
    definition["total_field"] = "discount"
    assert validate_order_type(definition) == []


def test_total_field_names_which_money_field_is_the_total():
    from orderloom.designer.blueprint import compile_blueprint

    definition = retail()
    assert compile_blueprint(definition).total_of({"total": "5.5"}) == Decimal("5.5")
    definition["total_field"] = "discount"
    blueprint = compile_blueprint(definition)
    assert blueprint.total_of({"total": "5.5", "discount": "1.25"}) == Decimal("1.25")
    assert blueprint.total_of({"total": "5.5"}) is None  # blank: no total, not zero
