"""Who may see, enter, change and act on the orders of one order type: the type's
``access`` (designer/type_access.py). An "HR only" order type is absent for everyone
else in every place that reads orders, and refused where they would enter or act."""
from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import select

from orderloom.platform import accounts
from orderloom.runtime.audit import SYSTEM
from orderloom.runtime.notify.webhooks import WebhookDelivery
from tests.designer.samples import retail
from tests.platform.test_api_tokens import assert_problem, bearer
from tests.runtime.support import SAMPLE

PACKAGE = "orderloom-package/1"
RUNS_ORDERS = ["definitions.view", "orders.view", "orders.create", "orders.edit", "orders.act",
               "customers.view", "reports.view", "webhooks.manage"]
SECRET_NOTE = "HR-ONLY-9d1e"  # a value no answer shows by chance


def hr_requests() -> dict:
    """The retail form as an "HR only" order type: HR sees, enters, changes and acts;
    Li Na of staff, by name, sees and acts but does not enter or change."""
    definition = retail()
    definition.update(key="hr_request", number_prefix="HR",
                      name={"en": "HR request", "zh": "人事申请"})
    definition["access"] = {"see": {"roles": ["hr"], "users": ["li.na"]},
                            "create": {"roles": ["hr"]},
                            "edit": {"roles": ["hr"]},
                            "act": {"roles": ["hr"], "users": ["li.na"]}}
    # Its big requests are approved by HR too: an approver act leaves out is a problem.
    approval = definition["workflow"]["approvals"][0]
    approval["approvers"], approval["escalate_to"] = {"roles": ["hr"]}, "hr"
    return definition


def headers_of(db, user) -> dict[str, str]:
    _token, secret = accounts.issue_token(db, SYSTEM, user, "test")
    db.commit()
    return bearer(secret)


@pytest.fixture
def company(client, db, make_user, token_for):
    accounts.create_role(db, SYSTEM, "hr", "Human resources", RUNS_ORDERS)
    db.commit()
    people = {"hr": make_user("hr", username="hr.wang"),
              "li_na": make_user("staff", username="li.na"),
              "staff": make_user("staff", username="zhao.lei"),
              "viewer": make_user("viewer", username="qian.yu"),
              "admin": make_user("admin", username="boss")}
    admin = bearer(token_for("admin"))
    imported = client.post("/api/v1/import", headers=admin, json={
        "format": PACKAGE, "order_types": [retail(), hr_requests()]})
    assert imported.status_code == 201, imported.get_json()
    return {name: headers_of(db, user) for name, user in people.items()}


def new(client, headers, order_type, note="") -> str:
    data = {**SAMPLE, "note": note} if note else SAMPLE
    created = client.post("/api/v1/orders", headers=headers,
                          json={"order_type": order_type, "data": data})
    assert created.status_code == 201, created.get_json()
    return created.get_json()["number"]


def listed(client, headers, query="") -> list[str]:
    answer = client.get(f"/api/v1/orders{query}", headers=headers)
    assert answer.status_code == 200, answer.get_json()
    return sorted(o["number"] for o in answer.get_json()["orders"])


def test_an_hr_only_type_is_absent_for_everyone_else(client, company):
    hr = new(client, company["hr"], "hr_request", SECRET_NOTE)
    sale = new(client, company["staff"], "retail_order")
    for outsider in ("staff", "viewer", "admin"):
        headers = company[outsider]
        assert listed(client, headers) == [sale], outsider
        assert listed(client, headers, f"?q={SECRET_NOTE}") == []
        assert client.get(f"/api/v1/orders/{hr}", headers=headers).status_code == 404
        assert client.get(f"/api/v1/orders/{hr}/timeline", headers=headers).status_code == 404
    exported = client.get("/api/v1/orders/export?format=csv", headers=company["viewer"])
    assert exported.status_code == 200
    text = exported.get_data(as_text=True).lstrip("\ufeff")  # the BOM Excel reads
    numbers = [row["number"] for row in csv.DictReader(io.StringIO(text))]
    assert numbers == [sale] and SECRET_NOTE not in text
    # HR, and Li Na by name, see both.
    assert listed(client, company["hr"]) == sorted([hr, sale])
    assert listed(client, company["li_na"]) == sorted([hr, sale])
    assert listed(client, company["li_na"], f"?q={SECRET_NOTE}") == [hr]


def test_a_hidden_type_is_answered_as_a_missing_one_wherever_a_type_key_is_taken(
        client, company):
    def answered(path, headers) -> tuple[int, str]:
        answer = client.get(path, headers=headers)
        problem = answer.get_json()
        problem.pop("request_id", None)
        return answer.status_code, json.dumps(problem, sort_keys=True)

    for outsider in ("staff", "viewer", "admin"):
        headers = company[outsider]
        types = client.get("/api/v1/order-types", headers=headers).get_json()
        assert [t["key"] for t in types] == ["retail_order"], outsider
        for path in ("/api/v1/order-types/{}", "/api/v1/order-types/{}/versions",
                     "/api/v1/order-types/{}/export", "/api/v1/orders?order_type={}",
                     "/api/v1/orders/export?order_type={}"):
            # Exactly as for a type that does not exist, and none of its form shows.
            status, text = answered(path.format("hr_request"), headers)
            assert (status, text.replace("hr_request", "no_such_type")) == answered(
                path.format("no_such_type"), headers), (outsider, path)
            assert status == 404 and "ship_to" not in text
        workspace = client.get("/api/v1/export", headers=headers).get_json()
        assert [t["key"] for t in workspace["order_types"]] == ["retail_order"]
        dashboard = "/api/v1/dashboards/orders_by_state?order_type={}"
        assert answered(dashboard.format("hr_request"), headers)[1].replace(
            "hr_request", "no_such_type") == answered(dashboard.format("no_such_type"),
                                                      headers)[1]
        view = client.post("/api/v1/saved-views", headers=headers, json={
            "name": "HR", "order_type": "hr_request", "columns": ["number"]})
        assert assert_problem(view, 422)["detail"].endswith("there is no order type 'hr_request'")
    for insider in ("hr", "li_na"):
        types = client.get("/api/v1/order-types", headers=company[insider]).get_json()
        assert [t["key"] for t in types] == ["hr_request", "retail_order"]
        assert client.get("/api/v1/orders/export?order_type=hr_request",
                          headers=company[insider]).status_code == 200


def test_dashboards_count_only_the_types_one_sees(client, company):
    new(client, company["hr"], "hr_request")
    new(client, company["hr"], "hr_request")
    new(client, company["staff"], "retail_order")

    def orders_counted(headers) -> int:
        answer = client.get("/api/v1/dashboards/orders_by_state", headers=headers)
        assert answer.status_code == 200, answer.get_json()
        return sum(row["orders"] for row in answer.get_json()["rows"])

    assert orders_counted(company["viewer"]) == 1
    assert orders_counted(company["hr"]) == 3


def test_entering_an_order_of_the_type_needs_its_create(client, company):
    # Someone who may not even see the type is told it does not exist.
    unseen = assert_problem(client.post("/api/v1/orders", headers=company["staff"], json={
        "order_type": "hr_request", "data": SAMPLE}), 404)
    assert unseen["detail"] == "there is no order type 'hr_request'"
    refused = assert_problem(client.post("/api/v1/orders", headers=company["li_na"], json={
        "order_type": "hr_request", "data": SAMPLE}), 403)
    assert "does not let you enter its orders" in refused["detail"]
    assert listed(client, company["li_na"], "?order_type=hr_request") == []
    new(client, company["hr"], "hr_request")


def test_changing_needs_edit_and_acting_needs_act(client, company):
    number = new(client, company["hr"], "hr_request")
    refused = assert_problem(client.patch(f"/api/v1/orders/{number}", headers=company["li_na"],
                                          json={"data": {"note": "changed"}}), 403)
    assert "does not let you change its orders" in refused["detail"]
    seen = client.get(f"/api/v1/orders/{number}", headers=company["li_na"]).get_json()
    assert "note" not in seen["data"] and seen["revision"] == 1
    assert client.patch(f"/api/v1/orders/{number}", headers=company["hr"],
                        json={"data": {"note": "changed"}}).status_code == 200
    # Li Na acts, by name; transitions keep their own roles on top (submit: staff).
    acted = client.post(f"/api/v1/orders/{number}/transitions/submit",
                        headers=company["li_na"])
    assert acted.status_code == 200, acted.get_json()
    # Staff in bulk: the HR order is a 404 line and stays as it was.
    other = new(client, company["hr"], "hr_request")
    bulk = client.post("/api/v1/orders/bulk/transitions/submit", headers=company["staff"],
                       json={"numbers": [other]}).get_json()
    assert bulk["results"][0]["status"] == 404
    assert client.get(f"/api/v1/orders/{other}",
                      headers=company["hr"]).get_json()["state"] == "draft"


def test_the_order_pages_hide_the_type(client, company, actions):
    number = new(client, company["hr"], "hr_request", SECRET_NOTE)
    actions.login("zhao.lei")
    page = client.get("/orders").get_data(as_text=True)
    assert number not in page and SECRET_NOTE not in page
    assert client.get(f"/orders/{number}").status_code == 404
    assert client.get(f"/api/v1/orders/{number}/documents/order_sheet").status_code == 404


def test_webhooks_of_someone_who_may_not_see_the_type_hear_nothing_of_it(
        client, db, company, outbound_to_loopback):
    for who in ("staff", "hr"):
        made = client.post("/api/v1/webhooks", headers=company["admin"] if who == "staff"
                           else company["hr"], json={
                               "name": who, "url": "http://127.0.0.1:9/hook",
                               "events": ["order.created"]})
        assert made.status_code == 201, made.get_json()
    number = new(client, company["hr"], "hr_request", SECRET_NOTE)
    deliveries = db.scalars(select(WebhookDelivery)).all()
    told = {d.subscription_id for d in deliveries
            if d.payload["data"]["order"]["number"] == number}
    # The administrator's subscription is seen as admin, whom the type leaves out.
    assert len(told) == 1 and len(deliveries) == 1


def test_unknown_roles_and_users_are_problems_at_their_pointers(client, token_for, actions):
    definition = hr_requests()
    definition["access"]["see"] = {"roles": ["hr", "hrr"], "users": ["li.na", "nobody.here"]}
    definition["access"]["edit"] = {"roles": ["staff"]}
    admin = bearer(token_for("admin"))
    accounts_made = client.post("/api/v1/roles", headers=admin, json={
        "name": "hr", "permissions": ["orders.view"]})
    assert accounts_made.status_code == 201, accounts_made.get_json()
    body = assert_problem(client.post("/api/v1/import", headers=admin, json={
        "format": PACKAGE, "order_types": [definition]}), 422)
    pointers = {e["pointer"]: e["detail"] for e in body["errors"]}
    assert "there is no role 'hrr'" in pointers["/order_types/0/access/see/roles/1"]
    assert "add it to see too" in pointers["/order_types/0/access/edit/roles/0"]
    # A package travels between instances without their people; a draft is checked
    # against this instance's users too, and the designer's problems list shows it all.
    designer = bearer(token_for("designer"))
    assert client.post("/api/v1/order-types", headers=designer,
                       json=definition).status_code == 201
    shown = client.get("/api/v1/order-types/hr_request", headers=designer).get_json()
    problems = {e["pointer"]: e["detail"] for e in shown["errors"]}
    assert "there is no user 'nobody.here'" in problems["/access/see/users/1"]
    assert "/access/see/roles/1" in problems and "/access/edit/roles/0" in problems
    actions.login_as("designer")
    page = client.get("/designer/hr_request").get_data(as_text=True)
    assert '"pointer": "/access/see/users/1"' in page


def test_a_type_without_access_behaves_as_before(client, company):
    number = new(client, company["staff"], "retail_order")
    for who in ("staff", "viewer", "hr", "admin"):
        assert client.get(f"/api/v1/orders/{number}", headers=company[who]).status_code == 200


def test_the_new_order_page_offers_only_the_types_one_may_enter(app, company, make_user):
    from tests.conftest import Actions

    def browser_of(username):
        browser = app.test_client()
        assert Actions(browser, make_user).login(username).status_code == 302
        return browser

    staff = browser_of("zhao.lei")
    assert "hr_request" not in staff.get("/orders/new").get_data(as_text=True)
    assert staff.get("/orders/new/hr_request").status_code == 404
    assert browser_of("li.na").get("/orders/new/hr_request").status_code == 403
    assert browser_of("hr.wang").get("/orders/new/hr_request").status_code == 200


def test_shipping_and_entering_a_parcels_news_need_act(app, client, company, make_user, db):
    from tests.conftest import Actions

    notices = hr_requests()
    notices.update(key="hr_notice", number_prefix="HN",
                   name={"en": "HR notice", "zh": "人事通知"})
    notices["access"] = {"see": {"roles": ["hr", "staff"]},
                         "create": {"roles": ["hr", "staff"]}, "act": {"roles": ["hr"]}}
    for transition in notices["workflow"]["transitions"]:
        transition["roles"] = ["hr"]  # acting is HR's alone
    admin = bearer(accounts.issue_token(db, SYSTEM, make_user("admin", username="root.li"),
                                        "test")[1])
    db.commit()
    assert client.post("/api/v1/import", headers=admin, json={
        "format": PACKAGE, "order_types": [notices]}).status_code == 201
    number = new(client, company["staff"], "hr_notice")
    refused = assert_problem(client.post(f"/api/v1/orders/{number}/shipments",
                                         headers=company["staff"],
                                         json={"carrier": "local"}), 403)
    assert "does not let you act on its orders" in refused["detail"]
    shipped = client.post(f"/api/v1/orders/{number}/shipments", headers=company["hr"],
                          json={"carrier": "local"})
    assert shipped.status_code == 201, shipped.get_json()
    shipment = shipped.get_json()["id"]
    refused = assert_problem(client.post(f"/api/v1/shipments/{shipment}/events",
                                         headers=company["staff"],
                                         json={"status": "delivered"}), 403)
    assert "does not let you act on its orders" in refused["detail"]
    browser = app.test_client()
    assert Actions(browser, make_user).login("zhao.lei").status_code == 302
    browser.post(f"/orders/{number}/shipments/{shipment}/events",
                 data={"status": "delivered"})
    browser.post(f"/orders/{number}/shipments", data={"carrier": "local"})
    shipments = client.get(f"/api/v1/orders/{number}/shipments",
                           headers=company["hr"]).get_json()["shipments"]
    # Nothing the refused person asked for was stored: one parcel, only booked.
    assert [(s["id"], [e["status"] for e in s["events"]]) for s in shipments] == [
        (shipment, ["label_created"])]
    assert client.get(f"/api/v1/orders/{number}", headers=company["hr"]).get_json()[
        "state"] == "draft"


def test_no_transition_or_approval_is_offered_where_access_act_refuses(
        app, client, company):
    from tests.conftest import Actions

    reviews = hr_requests()
    reviews.update(key="hr_review", number_prefix="HV",
                   name={"en": "HR review", "zh": "人事审核"})
    # Staff see and enter them; of staff, only Li Na acts, by name.
    reviews["access"] = {"see": {"roles": ["hr", "staff"]},
                         "create": {"roles": ["hr", "staff"]},
                         "act": {"roles": ["hr"], "users": ["li.na"]}}
    approval = reviews["workflow"]["approvals"][0]
    approval["approvers"], approval["escalate_to"] = {"roles": ["staff"]}, "staff"
    imported = client.post("/api/v1/import", headers=company["admin"], json={
        "format": PACKAGE, "order_types": [reviews]})
    assert imported.status_code == 201, imported.get_json()
    big = {**SAMPLE, "items": [{"sku": "TEA-01", "qty": 5, "price": "1250.50"}]}
    created = client.post("/api/v1/orders", headers=company["staff"],
                          json={"order_type": "hr_review", "data": big})
    assert created.status_code == 201, created.get_json()
    number = created.get_json()["number"]

    def offered(who) -> list[str]:
        answer = client.get(f"/api/v1/orders/{number}", headers=company[who]).get_json()
        return [t["key"] for t in answer["transitions"]]

    assert offered("staff") == []
    assert "submit" in offered("li_na")
    submitted = client.post(f"/api/v1/orders/{number}/transitions/submit",
                            headers=company["li_na"])
    assert submitted.status_code == 200, submitted.get_json()

    def inbox(who) -> list[str]:
        answer = client.get("/api/v1/approvals", headers=company[who])
        assert answer.status_code == 200, answer.get_json()
        return [t["order"] for t in answer.get_json()]

    assert inbox("staff") == [] and inbox("li_na") == [number]
    browser = app.test_client()
    assert Actions(browser, None).login("zhao.lei").status_code == 302
    page = browser.get(f"/orders/{number}").get_data(as_text=True)
    assert "/approvals/" not in page and "data-transition=" not in page
    assert number not in browser.get("/approvals").get_data(as_text=True)
