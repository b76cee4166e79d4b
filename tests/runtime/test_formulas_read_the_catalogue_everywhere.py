"""Every formula the server evaluates for an order reads the instance's calendar, time
zone and catalogue: an approval's condition, an automatic move's condition, a set_field
action, an approvers formula, a refund's amount and a readonly_when all see the
customer that CUSTOMERINFO looks up, not #N/A."""
from __future__ import annotations

from tests.platform.test_api_tokens import bearer
from tests.runtime.support import SAMPLE

KNOWN = 'CUSTOMERINFO(customer.code, "credit_limit")'


def _with(change):
    from tests.designer.samples import retail
    definition = retail()
    change(definition)
    return definition


def _set_up(client, token_for, definition, publisher="designer"):
    admin = bearer(token_for("admin"))
    created = client.post("/api/v1/customers", headers=admin, json={
        "code": "C1", "name": "Li Wei", "attributes": {"credit_limit": "10000.00"}})
    assert created.status_code == 201, created.get_json()
    imported = client.post("/api/v1/import", headers=bearer(token_for(publisher)), json={
        "format": "orderloom-package/1", "order_types": [definition]})
    assert imported.status_code == 201, imported.get_json()
    staff = bearer(token_for("staff"))
    order = client.post("/api/v1/orders", headers=staff,
                        json={"order_type": "retail_order", "data": SAMPLE})
    assert order.status_code == 201, order.get_json()
    return staff, order.get_json()


def _submit(client, staff, number):
    return client.post(f"/api/v1/orders/{number}/transitions/submit", headers=staff)


def test_an_approval_condition_reads_the_customer(client, token_for):
    def within_credit(definition):
        definition["workflow"]["approvals"][0]["when"] = f"{KNOWN} < total"
    staff, order = _set_up(client, token_for, _with(within_credit))
    submitted = _submit(client, staff, order["number"])
    assert submitted.status_code == 200, submitted.get_json()
    # 2,560.70 is within the customer's 10,000 credit: no approval, straight on.
    assert submitted.get_json()["state"] == "confirmed"


def test_an_automatic_move_condition_reads_the_customer(client, token_for):
    def trusted(definition):
        definition["workflow"]["automatic"].append(
            {"key": "trusted", "from": "draft", "to": "confirmed", "when": f"{KNOWN} >= 10000"})
    _staff, order = _set_up(client, token_for, _with(trusted))
    assert order["state"] == "confirmed"


def test_a_set_field_action_reads_the_customer(client, token_for):
    def noted(definition):
        definition["workflow"]["transitions"][0]["actions"] = [
            {"type": "set_field", "field": "note",
             "value": 'CUSTOMERINFO(customer.code, "name") & " checked"'}]
    staff, order = _set_up(client, token_for, _with(noted))
    submitted = _submit(client, staff, order["number"])
    assert submitted.status_code == 200, submitted.get_json()
    assert submitted.get_json()["data"]["note"] == "Li Wei checked"


def test_an_approvers_formula_reads_the_customer(client, token_for, db, make_user):
    from orderloom.platform import accounts
    from orderloom.runtime.audit import Actor
    manager = make_user("admin")
    _token, secret = accounts.issue_token(db, Actor(manager.id, manager.username, "cli"),
                                          manager, "test")
    db.commit()

    def by_customer(definition):
        approval = definition["workflow"]["approvals"][0]
        approval["when"] = "TRUE"
        approval["approvers"] = {"formula": f'IF({KNOWN} > 5000, "{manager.username}", "")'}
    staff, order = _set_up(client, token_for, _with(by_customer))
    assert _submit(client, staff, order["number"]).status_code == 200
    inbox = client.get("/api/v1/approvals", headers=bearer(secret)).get_json()
    assert [t["assignee"] for t in inbox if t["order"] == order["number"]] == [
        {"user": manager.username}]


def test_a_refunds_amount_reads_the_customer(client, token_for):
    def refunding(definition):
        cancel = definition["workflow"]["transitions"][3]
        cancel["actions"].append({"type": "refund", "amount": f"IF({KNOWN} > 0, 0, 1)"})
    # Only someone who may refund publishes a refund action.
    staff, order = _set_up(client, token_for, _with(refunding), publisher="admin")
    # Nothing was paid and the customer is known, so the formula asks for nothing back.
    cancelled = client.post(f"/api/v1/orders/{order['number']}/transitions/cancel",
                            headers=staff)
    assert cancelled.status_code == 200, cancelled.get_json()
    assert cancelled.get_json()["state"] == "cancelled"


def test_a_readonly_when_reads_the_customer(client, token_for):
    def locked(definition):
        note = next(f for f in definition["form"]["fields"] if f["key"] == "note")
        note["readonly_when"] = f"{KNOWN} >= 10000"
    staff, order = _set_up(client, token_for, _with(locked))
    edited = client.patch(f"/api/v1/orders/{order['number']}", headers=staff,
                          json={"data": {"note": "call first"}})
    assert edited.status_code == 422, edited.get_json()
    assert [e["pointer"] for e in edited.get_json()["errors"]] == ["/data/note"]
