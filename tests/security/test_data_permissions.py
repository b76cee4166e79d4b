"""Data permissions: a role's row rule decides which orders its holders see, and every
place that reads orders for a person honours it (platform/row_access.py)."""
from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select, update

from orderloom.platform import accounts
from orderloom.runtime.audit import SYSTEM, AuditEvent
from orderloom.runtime.notify.in_app import Notification
from orderloom.runtime.orders.models import Order
from orderloom.runtime.stock.catalog import Warehouse
from tests.platform.test_api_tokens import assert_problem, bearer
from tests.runtime.support import SAMPLE, create
from tests.runtime.test_approvals import BIG, inbox, publish, submitted

RUNS_ORDERS = ["definitions.view", "orders.view", "orders.create", "orders.edit", "orders.act",
               "customers.view", "reports.view"]


def refused(response, status: int, pointer: str) -> None:
    body = assert_problem(response, status)
    assert pointer in [error["pointer"] for error in body["errors"]], body


def headers_of(db, user) -> dict[str, str]:
    _token, secret = accounts.issue_token(db, SYSTEM, user, "test")
    db.commit()
    return bearer(secret)


def add_role(client, admin, name: str, row_rule: str) -> None:
    response = client.post("/api/v1/roles", headers=admin, json={
        "name": name, "permissions": RUNS_ORDERS, "row_rule": row_rule})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["row_rule"] == row_rule


def scope(client, admin, user, **change) -> dict:
    response = client.patch(f"/api/v1/users/{user.id}", headers=admin, json=change)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def new_order(client, headers, data=SAMPLE) -> str:
    response = create(client, headers, data)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["number"]


def listed(client, headers, query="") -> list[str]:
    response = client.get(f"/api/v1/orders{query}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return sorted(o["number"] for o in response.get_json()["orders"])


@pytest.fixture
def company(client, db, make_user, token_for):
    """An outside agent who sees only their own orders, and a staff member who sees all."""
    admin = bearer(token_for("admin"))
    add_role(client, admin, "agents", "mine")

    def agents_take_transitions(definition):
        for transition in definition["workflow"]["transitions"]:
            transition["roles"] = [*transition.get("roles", []), "agents"]

    publish(client, token_for, agents_take_transitions)
    agent = make_user("agents", username="agent.kim")
    staff = make_user("staff", username="zhao.lei")
    return {"admin": admin, "agent": headers_of(db, agent), "agent_user": agent,
            "staff": headers_of(db, staff), "staff_user": staff}


def test_an_agent_lists_only_their_own_orders_and_a_hidden_one_answers_404(client, company):
    own = new_order(client, company["agent"])
    other = new_order(client, company["staff"])
    assert listed(client, company["agent"]) == [own]
    assert listed(client, company["staff"]) == sorted([own, other])
    # The hidden order answers exactly as an order that does not exist.
    hidden = client.get(f"/api/v1/orders/{other}", headers=company["agent"])
    missing = client.get("/api/v1/orders/SO-NOPE", headers=company["agent"])
    assert hidden.status_code == missing.status_code == 404
    assert hidden.get_json()["detail"].replace(other, "X") == \
        missing.get_json()["detail"].replace("SO-NOPE", "X")
    for response in (
            client.get(f"/api/v1/orders/{other}/timeline", headers=company["agent"]),
            client.post(f"/api/v1/orders/{other}/transitions/submit", headers=company["agent"]),
            client.patch(f"/api/v1/orders/{other}", headers=company["agent"],
                         json={"data": {"note": "mine now"}})):
        assert response.status_code == 404, response.get_json()
    assert client.get(f"/api/v1/orders/{other}", headers=company["staff"]).get_json()[
        "state"] == "draft"


def test_search_does_not_find_a_hidden_order_by_its_number_or_text(client, company):
    other = new_order(client, company["staff"])
    assert listed(client, company["staff"], f"?q={other}") == [other]
    assert listed(client, company["agent"], f"?q={other}") == []
    assert listed(client, company["agent"], "?q=Hangzhou") == []


def test_bulk_transition_answers_404_for_a_hidden_order_and_leaves_it_alone(client, company):
    own = new_order(client, company["agent"])
    other = new_order(client, company["staff"])
    response = client.post("/api/v1/orders/bulk/transitions/submit", headers=company["agent"],
                           json={"numbers": [own, other]})
    assert response.status_code == 200, response.get_json()
    results = {r["number"]: r["status"] for r in response.get_json()["results"]}
    assert results == {own: 200, other: 404}
    assert client.get(f"/api/v1/orders/{other}", headers=company["staff"]).get_json()[
        "state"] == "draft"


def test_the_export_holds_only_visible_orders(client, company):
    own = new_order(client, company["agent"])
    other = new_order(client, company["staff"])
    response = client.get("/api/v1/orders/export?format=csv", headers=company["agent"])
    assert response.status_code == 200
    text = response.get_data(as_text=True).lstrip("\ufeff")  # the BOM Excel reads
    numbers = {row["number"] for row in csv.DictReader(io.StringIO(text))}
    assert numbers == {own}
    assert other not in text


def test_dashboards_count_only_visible_orders(client, company):
    new_order(client, company["agent"])
    new_order(client, company["staff"])
    new_order(client, company["staff"])

    def drafts(headers) -> int:
        response = client.get("/api/v1/dashboards/orders_by_state", headers=headers)
        assert response.status_code == 200, response.get_json()
        return sum(row["orders"] for row in response.get_json()["rows"]
                   if row["state"] == "draft")

    assert drafts(company["admin"]) == 3
    assert drafts(company["agent"]) == 1


def test_a_customers_order_history_shows_only_visible_orders(client, company):
    own = new_order(client, company["agent"])
    new_order(client, company["staff"])
    response = client.get("/api/v1/customers/C1/orders", headers=company["agent"])
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert [o["number"] for o in body["orders"]] == [own]
    assert body["count"] == 1


def test_the_order_pages_hide_what_the_row_rule_hides(client, company, actions):
    own = new_order(client, company["agent"])
    other = new_order(client, company["staff"])
    assert actions.login("agent.kim").status_code == 302
    page = client.get("/orders").get_data(as_text=True)
    assert f'href="/orders/{own}"' in page and other not in page
    assert client.get(f"/orders/{other}").status_code == 404
    assert client.get(f"/orders/{own}").status_code == 200
    searched = client.get(f"/orders?q={other}").get_data(as_text=True)
    assert f'href="/orders/{other}"' not in searched


def test_orders_of_my_channels(client, db, company, make_user):
    add_role(client, company["admin"], "north_sales", "my_channels")
    seller = make_user("north_sales", username="seller.north")
    first, second = new_order(client, company["staff"]), new_order(client, company["staff"])
    db.execute(update(Order).where(Order.number == second).values(channel="tmall"))
    db.commit()
    seller_headers = headers_of(db, seller)
    # No channels given yet: the rule shows nothing, rather than everything.
    assert listed(client, seller_headers) == []
    assert scope(client, company["admin"], seller, channels=["manual"])["channels"] == [
        "manual"]
    assert listed(client, seller_headers) == [first]


def test_orders_of_my_warehouses(client, db, company, make_user):
    db.add(Warehouse(code="HZ", name="Hangzhou"))
    db.commit()
    add_role(client, company["admin"], "packers", "my_warehouses")
    packer = make_user("packers", username="packer.hz")
    first, second = new_order(client, company["staff"]), new_order(client, company["staff"])
    db.execute(update(Order).where(Order.number == first).values(warehouse="HZ"))
    db.execute(update(Order).where(Order.number == second).values(warehouse="SH"))
    db.commit()
    scope(client, company["admin"], packer, warehouses=["HZ"])
    assert listed(client, headers_of(db, packer)) == [first]


def test_orders_of_my_team(client, db, company, make_user):
    add_role(client, company["admin"], "region_sales", "my_team")
    north_a = make_user("region_sales", username="north.a")
    north_b = make_user("region_sales", username="north.b")
    south = make_user("region_sales", username="south.a")
    for user, team in ((north_a, "North"), (north_b, "North"), (south, "South")):
        scope(client, company["admin"], user, team=team)
    by_a = new_order(client, headers_of(db, north_a))
    by_b = new_order(client, headers_of(db, north_b))
    by_south = new_order(client, headers_of(db, south))
    assert listed(client, headers_of(db, north_a)) == sorted([by_a, by_b])
    assert listed(client, headers_of(db, south)) == [by_south]
    # Leaving the team leaves its orders.
    scope(client, company["admin"], north_b, team=None)
    assert listed(client, headers_of(db, north_a)) == [by_a]


def test_the_approvals_inbox_leaves_out_tasks_on_hidden_orders(client, db, token_for,
                                                                make_user):
    admin = bearer(token_for("admin"))
    add_role(client, admin, "reviewers", "my_team")

    def reviewed_by_the_team(definition):
        definition["workflow"]["approvals"][0]["approvers"] = {"roles": ["reviewers"]}
        for transition in definition["workflow"]["transitions"]:
            transition["roles"] = ["reviewers"]

    publish(client, token_for, reviewed_by_the_team)
    north, south = (make_user("reviewers", username="rev.north"),
                    make_user("reviewers", username="rev.south"))
    scope(client, admin, north, team="North")
    scope(client, admin, south, team="South")
    north_order = submitted(client, headers_of(db, north), BIG)
    south_order = submitted(client, headers_of(db, south), BIG)
    assert [t["order"] for t in inbox(client, headers_of(db, north))] == [north_order]
    assert [t["order"] for t in inbox(client, headers_of(db, south))] == [south_order]


def test_row_rules_and_scopes_are_checked_and_audited(client, db, company, make_user):
    admin, agent = company["admin"], company["agent_user"]
    refused(client.patch("/api/v1/roles/staff", headers=admin,
                                json={"row_rule": "my_region"}), 422, "/row_rule")
    refused(client.patch(f"/api/v1/users/{agent.id}", headers=admin,
                                json={"channels": ["manual", "nowhere"]}), 422, "/channels/1")
    refused(client.patch(f"/api/v1/users/{agent.id}", headers=admin,
                                json={"warehouses": ["XX"]}), 422, "/warehouses/0")
    # A built-in role's permissions are fixed, its row rule is not.
    changed = client.patch("/api/v1/roles/staff", headers=admin, json={"row_rule": "mine"})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["row_rule"] == "mine"
    scope(client, admin, agent, team="Agents", channels=["manual"])
    db.expire_all()
    trail = [(e.action, e.details) for e in db.scalars(
        select(AuditEvent).where(AuditEvent.action.in_(
            ["role.row_rule_changed", "user.scope_changed"])).order_by(AuditEvent.id))]
    assert ("role.row_rule_changed", {"name": "staff", "before": "all", "after": "mine"}) \
        in trail
    assert ("user.scope_changed", {
        "before": {"channels": [], "warehouses": [], "team": None},
        "after": {"channels": ["manual"], "warehouses": [], "team": "Agents"}}) in trail


def test_someone_who_does_not_see_every_order_cannot_widen_a_view(client, db, company,
                                                                   make_user):
    add_role(client, company["admin"], "team_leads", "mine")
    client.patch("/api/v1/roles/team_leads", headers=company["admin"],
                 json={"permissions": [*RUNS_ORDERS, "users.manage"]})
    lead = make_user("team_leads", username="lead.one")
    lead_headers = headers_of(db, lead)
    refused(client.patch("/api/v1/roles/team_leads", headers=lead_headers,
                                json={"row_rule": "all"}), 403, "/")
    refused(client.patch(f"/api/v1/users/{lead.id}", headers=lead_headers,
                                json={"channels": ["manual"]}), 403, "/")
    other = new_order(client, company["staff"])
    assert listed(client, lead_headers) == []
    assert client.get(f"/api/v1/orders/{other}", headers=lead_headers).status_code == 404


def test_an_administrator_sets_rules_and_scopes_on_the_users_page(client, db, company,
                                                                  actions, make_user):
    seller_id = make_user("staff", username="seller.east").id
    db.commit()  # ends the read of the id, which on SQLite would hold off the writes below
    actions.login_as("admin")
    page = client.get("/admin/users").get_data(as_text=True)
    assert "Who sees which orders" in page and "Every order" in page
    token = actions.csrf("/admin/users")
    saved = client.post("/admin/roles/staff/row-rule", data={
        "row_rule": "my_team", "csrf_token": token}, follow_redirects=True)
    assert "Holders of staff now see: Orders entered by anyone of the user&#39;s team." in \
        saved.get_data(as_text=True)
    saved = client.post(f"/admin/users/{seller_id}/scope", data={
        "channels": "manual", "warehouses": "", "team": "East", "csrf_token": token},
        follow_redirects=True)
    assert "What seller.east sees is saved." in saved.get_data(as_text=True)
    refused = client.post(f"/admin/users/{seller_id}/scope", data={
        "channels": "manual, tmall", "warehouses": "", "team": "West", "csrf_token": token})
    assert refused.status_code == 422
    assert "there is no channel &#39;tmall&#39;" in refused.get_data(as_text=True)
    body = client.get(f"/api/v1/users/{seller_id}", headers=company["admin"]).get_json()
    assert (body["channels"], body["team"]) == (["manual"], "East")  # the refusal kept it
    role = client.get("/api/v1/roles", headers=company["admin"]).get_json()
    assert {r["name"]: r["row_rule"] for r in role}["staff"] == "my_team"
    zh = client.get("/admin/users?lang=zh").get_data(as_text=True)
    assert "谁能看到哪些订单" in zh and "该用户所在团队任何成员录入的订单" in zh


def test_documents_of_a_hidden_order_are_404(client, company):
    own = new_order(client, company["agent"])
    other = new_order(client, company["staff"])
    assert client.get(f"/api/v1/orders/{own}/documents/packing_slip",
                      headers=company["agent"]).status_code == 200
    assert client.get(f"/api/v1/orders/{other}/documents/packing_slip",
                      headers=company["agent"]).status_code == 404
    assert client.get(f"/api/v1/orders/{other}/documents/packing_slip",
                      headers=company["staff"]).status_code == 200


def test_an_approval_on_a_hidden_order_cannot_be_decided(client, db, token_for, make_user):
    admin = bearer(token_for("admin"))
    add_role(client, admin, "reviewers", "my_team")

    def reviewed_by_the_team(definition):
        definition["workflow"]["approvals"][0]["approvers"] = {"roles": ["reviewers"]}
        for transition in definition["workflow"]["transitions"]:
            transition["roles"] = ["reviewers"]

    publish(client, token_for, reviewed_by_the_team)
    north, south = (make_user("reviewers", username="rev.north"),
                    make_user("reviewers", username="rev.south"))
    scope(client, admin, north, team="North")
    scope(client, admin, south, team="South")
    south_headers = headers_of(db, south)
    submitted(client, south_headers, BIG)
    (task,) = inbox(client, south_headers)
    # The task is for the reviewers role, which north holds too; the order is not theirs.
    response = client.post(f"/api/v1/approvals/{task['id']}/approve",
                           headers=headers_of(db, north), json={"comment": "fine"})
    assert response.status_code == 404, response.get_json()
    assert inbox(client, south_headers)[0]["status"] == "open"


def shipped(client, headers, number: str) -> dict:
    response = client.post(f"/api/v1/orders/{number}/shipments", headers=headers,
                           json={"carrier": "local"})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_a_shipment_of_a_hidden_order_answers_404_like_a_missing_one(client, company,
                                                                      actions):
    # Once the shipment routes looked a shipment up by its id alone, so an agent could
    # read and move another person's parcel by counting ids.
    own = new_order(client, company["agent"])
    other = new_order(client, company["staff"])
    mine, theirs = shipped(client, company["agent"], own), shipped(client, company["staff"],
                                                                   other)
    agent = company["agent"]
    assert client.get(f"/api/v1/shipments/{mine['id']}", headers=agent).status_code == 200
    hidden = client.get(f"/api/v1/shipments/{theirs['id']}", headers=agent)
    missing = client.get("/api/v1/shipments/999999", headers=agent)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.get_json()["detail"].replace(str(theirs["id"]), "N") == \
        missing.get_json()["detail"].replace("999999", "N")
    assert theirs["tracking_number"] not in hidden.get_data(as_text=True)
    for response in (
            client.post(f"/api/v1/shipments/{theirs['id']}/events", headers=agent,
                        json={"status": "delivered"}),
            client.post(f"/api/v1/shipments/{theirs['id']}/refresh", headers=agent),
            client.get(f"/api/v1/shipments/{theirs['id']}/label", headers=agent),
            client.get(f"/api/v1/orders/{other}/quotes", headers=agent)):
        assert response.status_code == 404, response.get_data(as_text=True)
    # The staff pages of the agent's own login refuse the same, and change nothing.
    assert actions.login("agent.kim").status_code == 302
    token = actions.csrf(f"/orders/{own}")
    entered = client.post(f"/orders/{other}/shipments/{theirs['id']}/events", data={
        "status": "delivered", "csrf_token": token}, follow_redirects=True)
    assert f"There is no shipment {theirs['id']} on order {other}." in \
        entered.get_data(as_text=True)
    refreshed = client.post(f"/orders/{other}/shipments/{theirs['id']}/refresh", data={
        "csrf_token": token}, follow_redirects=True)
    assert f"There is no shipment {theirs['id']} on order {other}." in \
        refreshed.get_data(as_text=True)
    booked = client.post(f"/orders/{other}/shipments", data={
        "carrier": "local", "csrf_token": token})
    assert booked.status_code == 302 and booked.headers["Location"] == "/orders"
    quotes = client.get(f"/orders/{other}/quotes")
    assert quotes.status_code == 302 and quotes.headers["Location"] == "/orders"
    seen = client.get(f"/api/v1/orders/{other}/shipments", headers=company["staff"]).get_json()
    assert [(s["id"], s["status"], len(s["events"])) for s in seen["shipments"]] == [
        (theirs["id"], "label_created", len(theirs["events"]))]


def test_notifications_about_a_hidden_order_are_left_out(client, db, company):
    own = new_order(client, company["agent"])
    other = new_order(client, company["staff"])
    ids = dict(db.execute(select(Order.number, Order.id)).all())
    hidden = Notification(role="agents", order_id=ids[other], title=f"{other} is on hold")
    db.add_all([Notification(role="agents", order_id=ids[own], title=f"{own} is on hold"),
                hidden, Notification(role="agents", title="Stock of TEA-01 is low")])
    db.commit()
    response = client.get("/api/v1/notifications", headers=company["agent"])
    assert response.status_code == 200, response.get_json()
    assert sorted(n["title"] for n in response.get_json()) == sorted(
        [f"{own} is on hold", "Stock of TEA-01 is low"])
    assert client.post(f"/api/v1/notifications/{hidden.id}/read",
                       headers=company["agent"]).status_code == 404
    db.expire_all()
    assert db.get(Notification, hidden.id).read_at is None


def test_a_customers_standing_counts_only_visible_orders(client, company, actions):
    new_order(client, company["agent"])
    new_order(client, company["staff"])
    new_order(client, company["staff"])

    def counted(headers) -> dict:
        response = client.get("/api/v1/customers/C1", headers=headers)
        assert response.status_code == 200, response.get_json()
        return response.get_json()["orders"]

    every, own = counted(company["admin"]), counted(company["agent"])
    assert (every["all"], every["counted"]) == (3, 3)
    assert (own["all"], own["counted"]) == (1, 1)
    listed_customers = client.get("/api/v1/customers?q=C1", headers=company["agent"])
    assert [c["orders"]["all"] for c in listed_customers.get_json()["customers"]] == [1]
    assert actions.login("agent.kim").status_code == 302
    page = client.get("/customers/C1").get_data(as_text=True)
    assert 'id="order-count">1</dd>' in page


def test_bulk_approval_of_a_task_on_a_hidden_order_does_not_name_the_order(
        client, db, token_for, make_user, actions):
    admin = bearer(token_for("admin"))
    add_role(client, admin, "reviewers", "my_team")

    def reviewed_by_the_team(definition):
        definition["workflow"]["approvals"][0]["approvers"] = {"roles": ["reviewers"]}
        for transition in definition["workflow"]["transitions"]:
            transition["roles"] = ["reviewers"]

    publish(client, token_for, reviewed_by_the_team)
    north, south = (make_user("reviewers", username="rev.north"),
                    make_user("reviewers", username="rev.south"))
    scope(client, admin, north, team="North")
    scope(client, admin, south, team="South")
    south_headers = headers_of(db, south)
    south_order = submitted(client, south_headers, BIG)
    (task,) = inbox(client, south_headers)
    assert actions.login("rev.north").status_code == 302
    answered = client.post("/approvals/approve-selected", data={
        "task_ids": [str(task["id"])], "back": "/approvals",
        "csrf_token": actions.csrf("/approvals")}, follow_redirects=True)
    page = answered.get_data(as_text=True)
    assert f"task {task['id']}: there is no such approval" in page
    assert south_order not in page
    assert inbox(client, south_headers)[0]["status"] == "open"


def test_only_someone_who_sees_every_order_may_subscribe_to_webhooks(client, db, company,
                                                                      make_user, actions):
    # A subscription is told of every order's events: one made by a person whose row
    # rule hides orders would have sent them those orders.
    add_role(client, company["admin"], "integrators", "mine")
    client.patch("/api/v1/roles/integrators", headers=company["admin"],
                 json={"permissions": [*RUNS_ORDERS, "webhooks.manage"]})
    integrator = make_user("integrators", username="int.one")
    headers = headers_of(db, integrator)
    hook = {"name": "Mine", "url": "https://erp.example.com/hooks", "events": ["*"]}
    body = assert_problem(client.post("/api/v1/webhooks", headers=headers, json=hook), 403)
    assert "sees every order" in body["detail"]
    made = client.post("/api/v1/webhooks", headers=company["admin"], json=hook)
    assert made.status_code == 201, made.get_json()
    assert client.get(made.headers["Location"], headers=headers).status_code == 200
    assert_problem(client.patch(made.headers["Location"], headers=headers,
                                json={"url": "https://mine.example.com/hooks"}), 403)
    assert client.get(made.headers["Location"], headers=company["admin"]).get_json()[
        "url"] == "https://erp.example.com/hooks"
    assert actions.login("int.one").status_code == 302
    page = client.post("/admin/webhooks", data={
        "name": "Mine too", "url": "https://mine.example.com/hooks", "events": "*",
        "csrf_token": actions.csrf("/admin/webhooks")})
    assert page.status_code == 403
    assert "sees every order" in page.get_data(as_text=True)
    names = [s["name"] for s in client.get("/api/v1/webhooks",
                                          headers=company["admin"]).get_json()]
    assert names == ["Mine"]
