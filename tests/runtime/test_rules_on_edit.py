"""Rules run again when an open order is edited: the retail template's discount and
fraud rules act on an edit as they do when an order is created."""
from __future__ import annotations

import copy
import html
from datetime import UTC, datetime

from sqlalchemy import func, select

from orderloom.designer import exchange
from orderloom.platform import templates
from orderloom.platform.design import design_context
from orderloom.runtime.audit import Actor
from orderloom.runtime.engine.actions import NOT_ON_EDIT
from orderloom.runtime.engine.approvals.tasks import PENDING, ApprovalTask
from orderloom.runtime.engine.edits import edit_order
from orderloom.runtime.jobs.models import Job
from orderloom.runtime.orders.models import Order
from orderloom.runtime.stock.models import Reservation
from tests.platform.test_api_tokens import bearer
from tests.runtime.support import SAMPLE, create
from tests.runtime.test_approvals import publish
from tests.templates.samples import sample

MUG_ONLY = {"items": [{"sku": "MUG-350", "qty": 1, "price": "39.00"}],
            "shipping_fee": None, "discount": None}


def _retail(db):
    templates.import_template(db, "test", "retail")
    db.commit()


def _create(client, staff, **changes):
    data = {**sample("retail")["data"], **MUG_ONLY, **changes}
    data = {k: v for k, v in data.items() if v is not None}
    response = client.post("/api/v1/orders", headers=staff,
                           json={"order_type": "retail_order", "data": data})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _timeline(client, staff, number):
    return client.get(f"/api/v1/orders/{number}/timeline", headers=staff).get_json()


def _pending(db, number) -> list[str]:
    order = db.scalar(select(Order).where(Order.number == number))
    found = [t.approval_key for t in db.scalars(
        select(ApprovalTask).where(ApprovalTask.order_id == order.id,
                                   ApprovalTask.status.in_(PENDING)))]
    db.rollback()
    return found


def test_a_discount_edited_in_sends_the_order_to_review_as_at_creation(db, client, token_for,
                                                                      actions):
    _retail(db)
    staff = bearer(token_for("staff"))
    # At creation: a 39.00 mug with 38.99 off waits for the risk review.
    created = _create(client, staff, discount="38.99")
    assert (created["state"], created["data"]["total"]) == ("review", "0.01")
    assert "deep_discount" in created["tags"]
    assert _pending(db, created["number"]) == ["risk_review"]

    # The same discount PATCHed in later does the same.
    order = _create(client, staff)
    assert (order["state"], order["data"]["total"]) == ("ready", "39.00")
    edited = client.patch(f"/api/v1/orders/{order['number']}", headers=staff,
                          json={"data": {"discount": "38.99"}})
    assert edited.status_code == 200, edited.get_json()
    after = edited.get_json()
    assert (after["state"], after["data"]["total"]) == ("review", "0.01")
    assert "deep_discount" in after["tags"]
    assert _pending(db, order["number"]) == ["risk_review"]
    entries = _timeline(client, staff, order["number"])
    edit = next(e for e in entries if e["kind"] == "edited")
    assert edit["details"]["rules"] == [{"key": "deep_discount"}]
    assert edit["details"]["changes"]["total"] == ["39.00", "0.01"]
    back = next(e for e in entries if e["kind"] == "approval_required")
    assert (back["from_state"], back["to_state"]) == ("ready", "review")
    assert back["details"]["rule"] == "deep_discount"

    # The order page says which rule acted and where the order went, in both languages.
    actions.login_as("viewer")
    page = html.unescape(client.get(f"/orders/{order['number']}").get_data(as_text=True))
    assert "Rules that acted on the edit: deep_discount" in page
    assert "A rule asked for approval “Risk review”. The order moved from Ready to fulfil " \
           "to In review." in page
    chinese = html.unescape(client.get(f"/orders/{order['number']}", headers={
        "Accept-Language": "zh-CN"}).get_data(as_text=True))
    assert "因编辑而执行的规则：deep_discount" in chinese
    assert "订单从待发货转到审核中。" in chinese

    # Another edit while the rule still holds asks for nothing more.
    again = client.patch(f"/api/v1/orders/{order['number']}", headers=staff,
                         json={"data": {"note": "called the customer"}})
    assert again.status_code == 200
    later = _timeline(client, staff, order["number"])[len(entries):]
    assert [e["kind"] for e in later] == ["edited"]
    assert "rules" not in later[0]["details"]
    assert _pending(db, order["number"]) == ["risk_review"]


def test_an_edit_a_rule_refuses_leaves_the_order_unchanged(db, client, token_for):
    _retail(db)
    staff = bearer(token_for("staff"))
    refused_at_creation = client.post("/api/v1/orders", headers=staff, json={
        "order_type": "retail_order",
        "data": {**sample("retail")["data"], **MUG_ONLY, "discount": "38.99",
                 "risk_score": 95}})
    assert refused_at_creation.status_code == 422
    order = _create(client, staff)
    before = client.get(f"/api/v1/orders/{order['number']}", headers=staff).get_json()
    entries = _timeline(client, staff, order["number"])

    response = client.patch(f"/api/v1/orders/{order['number']}", headers=staff,
                            json={"data": {"discount": "38.99", "risk_score": 95}})
    assert response.status_code == 422
    assert response.get_json()["errors"] == refused_at_creation.get_json()["errors"] == [
        {"pointer": "/data", "detail": "The payment's risk score is 90 or more: the order "
                                       "is refused"}]
    after = client.get(f"/api/v1/orders/{order['number']}", headers=staff).get_json()
    assert (after["data"], after["state"], after["tags"], after["revision"]) == (
        before["data"], before["state"], before["tags"], before["revision"])
    assert _timeline(client, staff, order["number"]) == entries
    assert _pending(db, order["number"]) == []


def test_a_creation_only_rule_does_not_act_on_an_edit(db, client, token_for):
    document = copy.deepcopy(templates.load("retail"))
    order_type = document["order_types"][0]
    for rule in order_type["rules"]:
        if rule["key"] in ("deep_discount", "fraud_block"):
            rule["creation_only"] = True
    _retail(db)
    exchange.import_package(db, "test", {**document, "order_types": [order_type]},
                            design_context(db), "replace")
    db.commit()
    staff = bearer(token_for("staff"))
    # At creation the rules act as ever.
    assert _create(client, staff, discount="38.99")["state"] == "review"
    order = _create(client, staff)

    edited = client.patch(f"/api/v1/orders/{order['number']}", headers=staff,
                          json={"data": {"discount": "38.99", "risk_score": 95}})
    assert edited.status_code == 200, edited.get_json()
    assert (edited.get_json()["state"], edited.get_json()["data"]["total"]) == ("ready", "0.01")
    assert "deep_discount" not in edited.get_json()["tags"]
    # fraud_review (60 to 89) is not creation-only: 95 is outside it, so nothing acted.
    edit = next(e for e in _timeline(client, staff, order["number"]) if e["kind"] == "edited")
    assert "rules" not in edit["details"]
    assert _pending(db, order["number"]) == []

    # A rule that is not creation-only still acts on an edit.
    review = client.patch(f"/api/v1/orders/{order['number']}", headers=staff,
                          json={"data": {"risk_score": 70}})
    assert review.status_code == 200
    assert review.get_json()["state"] == "review" and "fraud_risk" in review.get_json()["tags"]


def rush_rules(definition):
    """A rule that holds a rush order, tells the warehouse, and would reserve stock and
    refund: what each does when an edit (rather than the creation) makes it match."""
    definition["rules"].append({"key": "rush_handling", "when": 'priority = "rush"', "then": [
        {"type": "hold", "reason": {"en": "Check the rush fee", "zh": "核实加急费"}},
        {"type": "notify", "to": {"roles": ["staff"]}, "template": "Rush: {{ order.number }}"},
        {"type": "reserve_stock"},
        {"type": "refund", "reason": "rush"}]})


def test_each_action_on_an_edit_acts_once_and_goods_and_money_wait(db, client, token_for,
                                                                    actions):
    # The rules refund: their publisher must hold payments.manage, as an admin does.
    publish(client, token_for, rush_rules, role="admin")
    staff = bearer(token_for("staff"))
    number = create(client, staff, {**SAMPLE, "priority": "normal"}).get_json()["number"]

    def jobs() -> int:
        order = db.scalar(select(Order).where(Order.number == number))
        count = db.scalar(select(func.count()).select_from(Job).where(
            Job.order_id == order.id, Job.kind == "notify"))
        db.rollback()
        return count

    assert jobs() == 0
    edited = client.patch(f"/api/v1/orders/{number}", headers=staff,
                          json={"data": {"priority": "rush"}})
    assert edited.status_code == 200, edited.get_json()
    edit = [e for e in _timeline(client, staff, number) if e["kind"] == "edited"][-1]
    assert edit["details"]["rules"] == [{"key": "rush_tag"}, {"key": "rush_handling"}]
    assert [a["type"] for a in edit["details"]["actions"]] == ["add_tag", "hold", "notify"]
    assert edited.get_json()["tags"] == ["free_shipping", "rush"]  # created with the first
    assert [(a["type"], a["reason"]) for a in edit["details"]["not_carried_out"]] == [
        ("reserve_stock", NOT_ON_EDIT), ("refund", NOT_ON_EDIT)]
    assert jobs() == 1
    assert _stock_held(db, number) == 0
    actions.login_as("staff")
    assert "On hold: Check the rush fee" in client.get(f"/orders/{number}").get_data(
        as_text=True)

    # The rule holds still: a later edit sends no second message.
    assert client.patch(f"/api/v1/orders/{number}", headers=staff,
                        json={"data": {"note": "customer called"}}).status_code == 200
    assert jobs() == 1
    # Back to normal and to rush again: the order is again what the rule is about.
    for priority in ("normal", "rush"):
        assert client.patch(f"/api/v1/orders/{number}", headers=staff,
                            json={"data": {"priority": priority}}).status_code == 200
    assert jobs() == 2


def _stock_held(db, number) -> int:
    order = db.scalar(select(Order).where(Order.number == number))
    held = db.scalar(select(func.count()).select_from(Reservation).where(
        Reservation.order_id == order.id))
    db.rollback()
    return held


def test_catering_refuses_moving_the_delivery_inside_the_cut_off_but_not_other_edits(
        db, client, token_for):
    templates.import_template(db, "test", "catering")
    db.commit()
    staff = bearer(token_for("staff"))
    example = sample("catering")
    order = client.post("/api/v1/orders", headers=staff, json={
        "order_type": "catering_order", "data": example["data"]}).get_json()
    today = datetime.now(UTC).date().isoformat()
    moved = client.patch(f"/api/v1/orders/{order['number']}", headers=staff,
                         json={"data": {"delivery_date": today}})
    assert moved.status_code == 422
    assert moved.get_json()["errors"] == [{
        "pointer": "/data",
        "detail": "Orders close the day before delivery: choose a later date"}]
    driver = client.patch(f"/api/v1/orders/{order['number']}", headers=staff,
                          json={"data": {"driver": "Wang"}})
    assert driver.status_code == 200, driver.get_json()
    assert driver.get_json()["data"]["delivery_date"] == example["data"]["delivery_date"]

    # On the delivery day the cut-off is TRUE before and after an edit of the driver:
    # the edit did not make it TRUE, so the driver can still be changed.
    stored = db.scalar(select(Order).where(Order.number == order["number"]))
    delivery_day = datetime.fromisoformat(example["data"]["delivery_date"]).replace(
        hour=8, tzinfo=UTC)
    changes = edit_order(db, Actor(None, "li", "staff"), stored, {"driver": "Zhao"},
                         now=delivery_day)
    assert changes == {"driver": ["Wang", "Zhao"]}
    db.rollback()
