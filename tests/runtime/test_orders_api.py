"""Orders through the API: creation, computation, rules, transitions, timeline."""
from __future__ import annotations

from tests.designer.samples import retail
from tests.platform.test_api_tokens import assert_problem, bearer
from tests.runtime.support import SAMPLE, create

# Over the 5000 of manager_review's `when`: submitted, it waits in review for approval.
BIG = {**SAMPLE, "items": [{"sku": "TEA-01", "qty": 5, "price": "1250.50"}]}


def test_an_order_is_numbered_computed_and_starts_in_the_start_state(client, staff):
    response = create(client, staff, {**SAMPLE, "total": "1.00"})
    assert response.status_code == 201, response.get_json()
    order = response.get_json()
    assert order["number"] == "SO-000001"
    assert order["state"] == "draft"
    assert order["version"] == 1
    # the server computes; the client's total was ignored
    assert order["data"]["total"] == "2560.70"
    assert order["data"]["discount"] == "128.04"
    assert [line["amount"] for line in order["data"]["items"]] == ["2501.00", "59.70"]
    assert order["data"]["priority"] == "normal"  # the field's default
    assert response.headers["ETag"] == '"1"'
    assert [t["key"] for t in order["transitions"]] == ["submit", "cancel"]
    second = create(client, staff).get_json()
    assert second["number"] == "SO-000002"


def test_unknown_fields_are_refused_with_a_pointer_and_a_suggestion(client, staff):
    body = assert_problem(create(client, staff, {**SAMPLE, "priorty": "rush"}), 422)
    assert body["errors"] == [{"pointer": "/data/priorty",
                               "detail": "is not a field of this order type; did you mean "
                                         "'priority'?"}]


def test_missing_required_fields_and_failed_validations_are_pointed_at(client, staff):
    data = {"ship_to": SAMPLE["ship_to"],
            "items": [{"sku": "A", "qty": 1, "price": "1"}, {"sku": "B", "qty": 5000,
                                                             "price": "1"}]}
    body = assert_problem(create(client, staff, data), 422)
    assert {"pointer": "/data/customer", "detail": "is required"} in body["errors"]
    assert {"pointer": "/data/items/1/qty", "detail": "At most 1000 per line"} in body["errors"]
    assert client.get("/api/v1/orders", headers=staff).get_json()["orders"] == []


def test_a_choice_outside_its_options_is_refused(client, staff):
    body = assert_problem(create(client, staff, {**SAMPLE, "priority": "yesterday"}), 422)
    assert body["errors"][0]["pointer"] == "/data/priority"
    assert "not one of the options" in body["errors"][0]["detail"]


def test_rules_tag_the_order_and_the_timeline_records_their_actions(client, staff):
    big = {**SAMPLE, "priority": "rush",
           "items": [{"sku": "TEA-01", "qty": 30, "price": "1000"}]}
    order = create(client, staff, big).get_json()
    assert order["tags"] == ["rush", "free_shipping"]  # a rule, then the decision table
    created, required = client.get(f"/api/v1/orders/{order['number']}/timeline",
                                   headers=staff).get_json()
    assert created["kind"] == "created"
    assert {"key": "big_order", "matched": True} in created["details"]["rules"]
    assert {"type": "require_approval", "approval": "manager_review"} in \
        created["details"]["actions"]
    assert "not_carried_out" not in created["details"]
    assert required["kind"] == "approval_required"
    assert required["details"] == {"approval": "manager_review"}


def test_a_blocking_rule_refuses_the_order_with_its_message(client, token_for):
    designer = bearer(token_for("designer"))
    definition = retail()
    definition["rules"].append({"key": "no_mars", "when": 'ship_to.country = "MARS"',
                                "then": [{"type": "block",
                                          "message": {"en": "We do not ship to Mars"}}]})
    client.post("/api/v1/import", headers=designer,
                json={"format": "orderloom-package/1", "order_types": [definition]})
    staff = bearer(token_for("staff"))
    body = assert_problem(create(client, staff, {**SAMPLE, "ship_to": {"country": "Mars"}}), 422)
    assert body["errors"] == [{"pointer": "/data", "detail": "We do not ship to Mars"}]


def test_transitions_move_the_order_and_the_timeline_records_them(client, staff):
    number = create(client, staff, BIG).get_json()["number"]
    response = client.post(f"/api/v1/orders/{number}/transitions/submit", headers=staff)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["state"] == "review"
    assert response.headers["ETag"] == '"2"'
    timeline = client.get(f"/api/v1/orders/{number}/timeline", headers=staff).get_json()
    assert [(e["kind"], e["transition"], e["from_state"], e["to_state"]) for e in timeline] == [
        ("created", None, None, "draft"), ("transition", "submit", "draft", "review"),
        ("approval", None, None, None)]
    assert timeline[1]["actor"].startswith("staff-")


def test_a_transition_from_the_wrong_state_is_a_conflict(client, staff):
    number = create(client, staff).get_json()["number"]
    body = assert_problem(client.post(f"/api/v1/orders/{number}/transitions/ship",
                                      headers=staff), 409)
    assert body["detail"] == "'ship' cannot be taken from state 'draft'; it starts from confirmed"


def test_an_unknown_transition_gets_a_suggestion(client, staff):
    number = create(client, staff).get_json()["number"]
    body = assert_problem(client.post(f"/api/v1/orders/{number}/transitions/sumbit",
                                      headers=staff), 404)
    assert "did you mean 'submit'?" in body["detail"]


def test_roles_the_transition_does_not_name_are_refused(client, staff, token_for, make_user,
                                                        db):
    from orderloom.platform import accounts
    from orderloom.runtime.audit import SYSTEM

    accounts.create_role(db, SYSTEM, "clerk", "", ["orders.view", "orders.act"])
    db.commit()
    clerk = make_user("clerk")
    _token, secret = accounts.issue_token(db, SYSTEM, clerk, "t")
    db.commit()
    number = create(client, staff).get_json()["number"]
    body = assert_problem(client.post(f"/api/v1/orders/{number}/transitions/submit",
                                      headers=bearer(secret)), 403)
    assert "for the roles staff" in body["detail"]
    viewer = bearer(token_for("viewer"))
    assert_problem(client.post(f"/api/v1/orders/{number}/transitions/submit",
                               headers=viewer), 403)


def test_a_condition_that_is_not_met_is_explained(client, staff):
    number = create(client, staff, {**SAMPLE, "items": [
        {"sku": "GOLD", "qty": 1, "price": "200000"}]}).get_json()["number"]
    body = assert_problem(client.post(f"/api/v1/orders/{number}/transitions/cancel",
                                      headers=staff), 422)
    assert body["detail"] == "'cancel' is not allowed now: its condition 'total < 100000' is " \
                             "not met"


def test_a_stale_if_match_is_refused_with_the_current_state(client, staff):
    number = create(client, staff, BIG).get_json()["number"]
    client.post(f"/api/v1/orders/{number}/transitions/submit", headers=staff)
    body = assert_problem(client.post(f"/api/v1/orders/{number}/transitions/cancel",
                                      headers={**staff, "If-Match": '"1"'}), 409)
    assert body["current"] == {"revision": 2, "state": "review"}
    ok = client.post(f"/api/v1/orders/{number}/transitions/cancel",
                     headers={**staff, "If-Match": '"2"'})
    assert ok.status_code == 200
    assert ok.get_json()["state"] == "cancelled"


def test_orders_of_an_unpublished_type_cannot_be_created(client, token_for):
    designer = bearer(token_for("designer"))
    client.post("/api/v1/order-types", headers=designer, json=retail())
    staff = bearer(token_for("staff"))
    body = assert_problem(create(client, staff), 422)
    assert "no published version" in body["detail"]


def test_the_list_pages_newest_first(client, staff):
    numbers = [create(client, staff).get_json()["number"] for _ in range(3)]
    first = client.get("/api/v1/orders?limit=2", headers=staff).get_json()
    assert [o["number"] for o in first["orders"]] == numbers[::-1][:2]
    rest = client.get(first["next"], headers=staff).get_json()
    assert [o["number"] for o in rest["orders"]] == [numbers[0]]
    assert rest["next"] is None
    assert client.get("/api/v1/orders?state=review", headers=staff).get_json()["orders"] == []


def test_decision_tables_act_on_new_orders(client, staff):
    # The sample's table: total over 1000 to Zhejiang or Jiangsu ships free.
    near = create(client, staff).get_json()
    far = create(client, staff, {**SAMPLE, "ship_to": {"country": "CN",
                                                       "province": "Beijing"}}).get_json()
    assert "free_shipping" in near["tags"]
    assert "standard" in far["tags"]
    created = client.get(f"/api/v1/orders/{near['number']}/timeline",
                         headers=staff).get_json()[0]
    assert created["details"]["decision_tables"] == [{"key": "shipping_class", "rows": [0]}]


def test_the_timeline_records_field_changes_and_job_results(client, token_for):
    admin = bearer(token_for("admin"))
    definition = retail()
    submit = definition["workflow"]["transitions"][0]
    submit["actions"] = [{"type": "set_field", "field": "note", "value": '"checked " & priority'},
                         {"type": "notify", "to": {"roles": ["staff"]},
                          "template": "Order {{ order.number }} submitted"}]
    client.post("/api/v1/import", headers=admin,
                json={"format": "orderloom-package/1", "order_types": [definition]})
    staff = bearer(token_for("staff"))
    number = create(client, staff).get_json()["number"]
    client.post(f"/api/v1/orders/{number}/transitions/submit", headers=staff)
    timeline = client.get(f"/api/v1/orders/{number}/timeline", headers=staff).get_json()
    submitted = next(e for e in timeline if e["transition"] == "submit")
    assert submitted["details"]["changes"] == {"note": [None, "checked normal"]}
    job = next(e for e in timeline if e["kind"] == "job")
    assert (job["actor"], job["details"]["job_kind"], job["details"]["status"]) == \
        ("system", "notify", "done")
