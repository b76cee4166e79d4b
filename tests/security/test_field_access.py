"""A field hidden from a role is absent for it everywhere an order shows; a field it
may see but not change is refused at its pointer. Each place is checked with a role
that may not see the value and one that may."""
from __future__ import annotations

import re

import pytest

from tests.conftest import Actions
from tests.designer.samples import retail
from tests.platform.test_api_tokens import assert_problem, bearer
from tests.runtime.support import SAMPLE

MARGIN = "MARGIN-7f3c-SECRET"  # a value no page or answer shows by chance
PRICE = "1234.57"  # a unit price of a line, in a column only admin sees


def restricted_retail():
    d = retail()
    d["form"]["fields"].append({"key": "margin", "type": "text", "label": {"en": "Margin"},
                                "access": {"see": ["admin", "staff"], "edit": ["admin"]}})
    items = next(f for f in d["form"]["fields"] if f["key"] == "items")
    next(c for c in items["fields"] if c["key"] == "price")["access"] = {"see": ["admin"]}
    # A pick list that quotes each order's values, as a designer may write one.
    d["print_templates"].append({
        "key": "pick_with_values", "document": "pick_list",
        "template": "{{ batch.orders | join(', ') }}{% for o in orders %} [{{ o.data.margin }}]"
                    "{% for line in o.lines %} <{{ line.price }}>{% endfor %}{% endfor %}"})
    return d


@pytest.fixture
def people(client, token_for):
    designer = bearer(token_for("designer"))
    answer = client.post("/api/v1/import", headers=designer, json={
        "format": "orderloom-package/1", "order_types": [restricted_retail()]})
    assert answer.status_code == 201, answer.get_json()
    return {role: bearer(token_for(role)) for role in ("admin", "staff", "viewer")}


@pytest.fixture
def order(client, people):
    """An order whose margin only admin may set and viewers never see, and whose line
    price only admin sees."""
    data = {**SAMPLE, "items": [{"sku": "TEA-01", "qty": 2, "price": PRICE}]}
    created = client.post("/api/v1/orders", headers=people["admin"], json={
        "order_type": "retail_order", "data": {**data, "margin": MARGIN}})
    assert created.status_code == 201, created.get_json()
    return created.get_json()["number"]


def _text(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def test_the_api_answers_leave_out_a_hidden_field_and_column(client, people, order):
    seen = client.get(f"/api/v1/orders/{order}", headers=people["viewer"]).get_json()
    assert "margin" not in seen["data"]
    assert seen["data"]["items"] == [{"sku": "TEA-01", "qty": 2, "amount": "2469.14"}]
    listed = client.get("/api/v1/orders", headers=people["viewer"]).get_json()["orders"]
    assert "margin" not in listed[0]["data"] and MARGIN not in str(listed)
    staff = client.get(f"/api/v1/orders/{order}", headers=people["staff"]).get_json()
    assert staff["data"]["margin"] == MARGIN and "price" not in staff["data"]["items"][0]
    admin = client.get(f"/api/v1/orders/{order}", headers=people["admin"]).get_json()
    assert admin["data"]["items"][0]["price"] == PRICE


def test_a_field_one_may_see_but_not_change_is_refused_at_its_pointer(client, people, order):
    before = client.get(f"/api/v1/orders/{order}", headers=people["staff"]).get_json()
    refused = client.patch(f"/api/v1/orders/{order}", headers=people["staff"],
                           json={"data": {"margin": "0", "note": "x"}})
    body = assert_problem(refused, 422)
    assert body["errors"] == [{"pointer": "/data/margin",
                               "detail": "you may not change this field"}]
    after = client.get(f"/api/v1/orders/{order}", headers=people["staff"]).get_json()
    assert after["revision"] == before["revision"] and "note" not in after["data"]
    # Sending back the value as read is not a change.
    same = client.patch(f"/api/v1/orders/{order}", headers=people["staff"],
                        json={"data": {"margin": MARGIN, "priority": "rush"}})
    assert same.status_code == 200, same.get_json()
    allowed = client.patch(f"/api/v1/orders/{order}", headers=people["admin"],
                           json={"data": {"margin": "M2"}})
    assert allowed.status_code == 200 and allowed.get_json()["data"]["margin"] == "M2"


def test_entering_a_field_one_may_not_change_on_a_new_order_is_refused(client, people):
    body = assert_problem(client.post("/api/v1/orders", headers=people["staff"], json={
        "order_type": "retail_order", "data": {**SAMPLE, "margin": "mine"}}), 422)
    # Staff sees no prices either, so typing them is refused too, each at its place.
    assert body["errors"] == [
        {"pointer": "/data/items/0/price", "detail": "you may not change this column"},
        {"pointer": "/data/items/1/price", "detail": "you may not change this column"},
        {"pointer": "/data/margin", "detail": "you may not change this field"}]
    assert client.get("/api/v1/orders", headers=people["staff"]).get_json()["orders"] == []


def test_an_edit_by_someone_who_cannot_see_a_column_keeps_its_values(client, people, order):
    seen = client.get(f"/api/v1/orders/{order}", headers=people["staff"]).get_json()
    lines = [{"sku": line["sku"], "qty": 3} for line in seen["data"]["items"]]
    edited = client.patch(f"/api/v1/orders/{order}", headers=people["staff"],
                          json={"data": {"items": lines}})
    assert edited.status_code == 200, edited.get_json()
    admin = client.get(f"/api/v1/orders/{order}", headers=people["admin"]).get_json()
    assert admin["data"]["items"] == [{"sku": "TEA-01", "qty": 3, "price": PRICE,
                                       "amount": "3703.71"}]
    # A new price typed by someone who cannot see the column is refused at its place.
    body = assert_problem(client.patch(f"/api/v1/orders/{order}", headers=people["staff"],
                                       json={"data": {"items": [{**lines[0], "price": "1"}]}}),
                          422)
    assert body["errors"] == [{"pointer": "/data/items/0/price",
                               "detail": "you may not change this column"}]


def test_searching_by_a_hidden_value_does_not_find_the_order(client, people, order):
    for query in (f"q={MARGIN}", f"field.margin={MARGIN}"):
        viewer = client.get(f"/api/v1/orders?{query}", headers=people["viewer"]).get_json()
        staff = client.get(f"/api/v1/orders?{query}", headers=people["staff"]).get_json()
        assert viewer["orders"] == [], query
        assert [o["number"] for o in staff["orders"]] == [order], query
    # A visible value still finds it for everyone.
    viewer = client.get("/api/v1/orders?q=Hangzhou", headers=people["viewer"]).get_json()
    assert [o["number"] for o in viewer["orders"]] == [order]


def test_the_timeline_does_not_quote_a_hidden_value(client, people, order):
    assert client.patch(f"/api/v1/orders/{order}", headers=people["admin"],
                        json={"data": {"margin": "NEW-" + MARGIN}}).status_code == 200
    viewer = _text(client.get(f"/api/v1/orders/{order}/timeline", headers=people["viewer"]))
    staff = _text(client.get(f"/api/v1/orders/{order}/timeline", headers=people["staff"]))
    assert MARGIN not in viewer and "NEW-" + MARGIN in staff


def test_exports_leave_out_a_hidden_field_and_column(client, people, order):
    for kind in ("csv", "xlsx"):
        url = f"/api/v1/orders/export?order_type=retail_order&format={kind}"
        viewer = client.get(url, headers=people["viewer"])
        staff = client.get(url, headers=people["staff"])
        assert viewer.status_code == staff.status_code == 200
        if kind == "csv":
            text, staff_text = viewer.get_data(as_text=True), staff.get_data(as_text=True)
            header = text.splitlines()[0]
            assert "margin" not in header and "items.price" not in header
            assert MARGIN not in text and PRICE not in text
            assert MARGIN in staff_text and PRICE not in staff_text
        else:
            from io import BytesIO

            from openpyxl import load_workbook

            def cells(response):
                sheet = load_workbook(BytesIO(response.get_data())).active
                return {str(c.value) for row in sheet.iter_rows() for c in row}

            assert MARGIN not in cells(viewer) and MARGIN in cells(staff)


def test_print_documents_leave_out_a_hidden_value(client, people, order):
    # The built-in order sheet lists every field of the order's data.
    url = f"/api/v1/orders/{order}/documents/order"
    assert MARGIN not in _text(client.get(url, headers=people["viewer"]))
    assert MARGIN in _text(client.get(url, headers=people["staff"]))
    invoice = f"/api/v1/orders/{order}/documents/invoice"
    assert PRICE not in _text(client.get(invoice, headers=people["staff"]))
    assert PRICE in _text(client.get(invoice, headers=people["admin"]))


def _browser(app, make_user, role):
    """A browser of its own, logged in as a new person with ``role``."""
    actions = Actions(app.test_client(), make_user)
    actions.login_as(role)
    return actions.client


def test_the_order_pages_leave_out_a_hidden_field(app, client, make_user, people, order):
    client = _browser(app, make_user, "viewer")
    page = _text(client.get(f"/orders/{order}"))
    columns = "/orders?order_type=retail_order&columns=number&columns=field:margin"
    listed = _text(client.get(columns))
    assert MARGIN not in page and "Margin" not in page and PRICE not in page
    assert MARGIN not in listed and "Margin" not in listed
    client = _browser(app, make_user, "staff")
    assert MARGIN in _text(client.get(f"/orders/{order}"))
    assert MARGIN in _text(client.get(columns))


def test_the_order_form_locks_a_field_one_may_see_but_not_change(app, make_user, people,
                                                                  order):
    client = _browser(app, make_user, "staff")
    form = _text(client.get(f"/orders/{order}/edit"))
    assert re.search(r'id="field-margin"[^>]*disabled', form)
    assert "your role may not change this field" in form
    client = _browser(app, make_user, "admin")
    form = _text(client.get(f"/orders/{order}/edit"))
    assert 'id="field-margin"' in form and not re.search(r'id="field-margin"[^>]*disabled',
                                                         form)


def test_webhook_payloads_follow_the_roles_of_whoever_set_the_subscription_up(
        client, db, make_user, people, outbound_to_loopback):
    from orderloom.platform import accounts
    from orderloom.runtime.audit import SYSTEM
    from tests.webhooks.support import Receiver, wait_for
    from tests.webhooks.test_delivery import subscribe

    # An integration person: manages webhooks, holds no role that sees the margin.
    accounts.create_role(db, SYSTEM, "integrator", "", ["webhooks.manage"])
    db.commit()
    user = make_user("integrator")
    secret = accounts.issue_token(db, SYSTEM, user, "test")[1]
    db.commit()
    with Receiver() as theirs, Receiver() as admins:
        made = subscribe(client, bearer(secret), theirs.url)
        assert made["seen_as"] == ["integrator"]
        theirs.secret = made["secret"]
        admins.secret = subscribe(client, people["admin"], admins.url)["secret"]
        data = {**SAMPLE, "items": [{"sku": "TEA-01", "qty": 2, "price": PRICE}]}
        assert client.post("/api/v1/orders", headers=people["admin"], json={
            "order_type": "retail_order", "data": {**data, "margin": MARGIN}}
        ).status_code == 201
        wait_for(lambda: theirs.requests and admins.requests)
    received = theirs.requests[0]["body"].decode()
    assert MARGIN not in received and PRICE not in received and "SO-000001" in received
    seen_by_admin = admins.requests[0]["body"].decode()
    assert MARGIN in seen_by_admin and PRICE in seen_by_admin


def test_the_public_tracking_page_shows_no_form_field(client, token_for):
    from tests.logistics.support import SAMPLE as PARCEL
    from tests.logistics.test_carrier_field import chosen_carrier_order

    definition = chosen_carrier_order()
    definition["form"]["fields"].append({"key": "margin", "type": "text",
                                         "label": {"en": "Margin"},
                                         "access": {"see": ["staff"]}})
    designer = bearer(token_for("designer"))
    assert client.post("/api/v1/import", headers=designer, json={
        "format": "orderloom-package/1", "order_types": [definition]}).status_code == 201
    staff = bearer(token_for("staff"))
    created = client.post("/api/v1/orders", headers=staff, json={
        "order_type": "parcel_order", "data": {**PARCEL, "margin": MARGIN}})
    assert created.status_code == 201, created.get_json()
    number = created.get_json()["number"]
    assert created.get_json()["data"]["margin"] == MARGIN
    assert client.post(f"/api/v1/orders/{number}/transitions/ship",
                       headers=staff).status_code == 200
    [shipment] = client.get(f"/api/v1/orders/{number}/shipments",
                            headers=staff).get_json()["shipments"]
    page = _text(client.get(shipment["tracking_url"].split("localhost", 1)[-1]))
    assert number in page and MARGIN not in page


def test_a_shared_saved_view_shows_no_hidden_column_to_a_role_that_may_not_see_it(
        app, client, make_user, people, order):
    view = client.post("/api/v1/saved-views", headers=people["admin"], json={
        "name": "Weekly", "order_type": "retail_order", "shared": True,
        "filters": {"field.margin": MARGIN}, "columns": ["number", "field:margin"]})
    assert view.status_code == 201, view.get_json()
    view_id = view.get_json()["id"]
    for role, sees in (("viewer", False), ("staff", True)):
        browser = _browser(app, make_user, role)
        page = _text(browser.get(f"/orders/views/{view_id}", follow_redirects=True))
        # The view's filter and column on the hidden field are left out for the viewer:
        # neither the value it filters by nor the column shows.
        assert order in page and (MARGIN in page, "Margin" in page) == (sees, sees), role
        seen = client.get(f"/api/v1/saved-views/{view_id}", headers=people[role]).get_json()
        assert (seen["filters"], seen["columns"]) == (
            ({"field.margin": MARGIN}, ["number", "field:margin"]) if sees
            else ({}, ["number"])), role


def test_the_pick_list_printed_from_the_order_list_leaves_out_a_hidden_value(
        app, client, make_user, people, order):
    # Once the page printed every value of the order, hidden or not.
    assert client.post("/api/v1/warehouses", headers=people["admin"], json={
        "code": "HZ", "name": "Hangzhou", "regions": ["Zhejiang"]}).status_code == 201
    url = f"/orders/pick-lists/print?warehouse=HZ&numbers={order}"
    viewer = _text(_browser(app, make_user, "viewer").get(url))
    assert order in viewer and MARGIN not in viewer and PRICE not in viewer
    admin = _text(_browser(app, make_user, "admin").get(url))
    assert MARGIN in admin and PRICE in admin


def test_deleting_a_line_keeps_the_hidden_price_of_each_remaining_line(client, people):
    # Once the stored prices were put back by place: deleting the first line gave the
    # second line the first line's price.
    created = client.post("/api/v1/orders", headers=people["admin"], json={
        "order_type": "retail_order", "data": {**SAMPLE, "items": [
            {"sku": "TEA-01", "qty": 1, "price": PRICE},
            {"sku": "CUP-02", "qty": 1, "price": "9.00"}]}})
    assert created.status_code == 201, created.get_json()
    number = created.get_json()["number"]
    edited = client.patch(f"/api/v1/orders/{number}", headers=people["staff"],
                          json={"data": {"items": [{"sku": "CUP-02", "qty": 2}]}})
    assert edited.status_code == 200, edited.get_json()
    admin = client.get(f"/api/v1/orders/{number}", headers=people["admin"]).get_json()
    assert admin["data"]["items"] == [{"sku": "CUP-02", "qty": 2, "price": "9.00",
                                       "amount": "18.00"}]


def test_a_new_order_leaving_read_only_fields_as_they_start_is_taken(client, people):
    # Once every new order from the form by such a role was refused: the form sends
    # its locked controls too, an unticked box as false and a choice at its default.
    definition = {**restricted_retail(), "key": "gift_order"}
    fields = definition["form"]["fields"]
    next(f for f in fields if f["key"] == "priority")["access"] = {"edit": ["admin"]}
    fields.append({"key": "gift", "type": "boolean", "label": {"en": "Gift"},
                   "access": {"edit": ["admin"]}})
    items = next(f for f in fields if f["key"] == "items")
    del next(c for c in items["fields"] if c["key"] == "price")["access"]
    assert client.post("/api/v1/import", headers=people["admin"], json={
        "format": "orderloom-package/1", "order_types": [definition]}).status_code == 201
    as_sent = {**SAMPLE, "priority": "normal", "gift": False, "margin": ""}
    created = client.post("/api/v1/orders", headers=people["staff"], json={
        "order_type": "gift_order", "data": as_sent})
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["data"]["priority"] == "normal"
    body = assert_problem(client.post("/api/v1/orders", headers=people["staff"], json={
        "order_type": "gift_order", "data": {**as_sent, "priority": "rush", "gift": True}}),
        422)
    assert sorted(e["pointer"] for e in body["errors"]) == ["/data/gift", "/data/priority"]
    assert {e["detail"] for e in body["errors"]} == {"you may not change this field"}


def test_a_notification_quoting_a_hidden_field_does_not_show_it_to_its_recipient(
        client, db, make_user, token_for):
    """A notify action's subject and body are rendered for each recipient from the
    order as that recipient sees it: the viewers' notice and a viewer's own leave out
    the margin, the staff notice and an administrator's show it."""
    definition = restricted_retail()
    definition["rules"].append({"key": "tell", "when": "TRUE", "then": [{
        "type": "notify", "to": {"roles": ["viewer", "staff"], "users": ["qian.yu", "boss"]},
        "subject": "Order {{ order.number }} margin {{ order.data.margin }}",
        "template": "Margin: {{ order.data.margin }}; lines: "
                    "{% for line in order.data['items'] %}{{ line.price }} {% endfor %}"}]})
    make_user("viewer", username="qian.yu")
    make_user("admin", username="boss")
    admin = bearer(token_for("admin"))
    assert client.post("/api/v1/import", headers=admin, json={
        "format": "orderloom-package/1", "order_types": [definition]}).status_code == 201
    data = {**SAMPLE, "items": [{"sku": "TEA-01", "qty": 2, "price": PRICE}]}
    assert client.post("/api/v1/orders", headers=admin, json={
        "order_type": "retail_order", "data": {**data, "margin": MARGIN}}).status_code == 201
    from sqlalchemy import select

    from orderloom.platform.models import User
    from orderloom.runtime.notify.in_app import Notification

    ids = dict(db.execute(select(User.username, User.id)).all())
    told = {(n.role or n.user_id): n.title + " | " + n.body
            for n in db.scalars(select(Notification))}
    for hidden_from in ("viewer", ids["qian.yu"]):
        assert MARGIN not in told[hidden_from] and PRICE not in told[hidden_from]
        assert "Margin: ;" in told[hidden_from]
    # Staff see the margin but not the line price; the administrator sees both.
    assert MARGIN in told["staff"] and PRICE not in told["staff"]
    assert MARGIN in told[ids["boss"]] and PRICE in told[ids["boss"]]


def test_a_notify_job_written_before_jobs_named_their_version_still_hides_fields(
        client, db, make_user, token_for):
    # Notify jobs now carry the order's version, so that they find its blueprint
    # without a query; one queued by the release before has only the order's id.
    definition = restricted_retail()
    definition["rules"].append({"key": "tell", "when": "TRUE", "then": [{
        "type": "notify", "to": {"roles": ["viewer"]},
        "subject": "Order {{ order.number }}", "template": "Margin: {{ order.data.margin }}"}]})
    admin = bearer(token_for("admin"))
    assert client.post("/api/v1/import", headers=admin, json={
        "format": "orderloom-package/1", "order_types": [definition]}).status_code == 201
    assert client.post("/api/v1/orders", headers=admin, json={
        "order_type": "retail_order", "data": {**SAMPLE, "margin": MARGIN}}).status_code == 201
    from sqlalchemy import delete, select

    from orderloom.runtime.jobs.models import Job
    from orderloom.runtime.jobs.outbox import enqueue
    from orderloom.runtime.notify.in_app import Notification

    written = db.scalars(select(Job).where(Job.kind == "notify")).one()
    assert written.payload["version"][0] is not None
    old_payload = {k: v for k, v in written.payload.items() if k != "version"}
    db.execute(delete(Notification))
    old = enqueue(db, "notify", old_payload, order_id=written.order_id)
    db.commit()  # run at once, in-process, by the app's dispatcher
    assert db.get(Job, old.id, populate_existing=True).status == "done"
    (body,) = db.scalars(select(Notification.body).where(Notification.role == "viewer")).all()
    assert body == "Margin: "


def test_a_flag_of_a_line_below_its_list_price_quotes_no_hidden_price(
        app, client, make_user, people):
    # The flag once quoted the line's price and the list price to those who may not
    # see the lines' money.
    assert client.post("/api/v1/products", headers=people["admin"], json={
        "sku": "TEA-01", "name": "Tea", "attributes": {"price": "2000.00"}}).status_code == 201
    created = client.post("/api/v1/orders", headers=people["admin"], json={
        "order_type": "retail_order",
        "data": {**SAMPLE, "items": [{"sku": "TEA-01", "qty": 2, "price": PRICE}]}})
    assert created.status_code == 201, created.get_json()
    number = created.get_json()["number"]

    def flags(role):
        timeline = client.get(f"/api/v1/orders/{number}/timeline", headers=people[role])
        return [e["details"]["lines"] for e in timeline.get_json()
                if e["kind"] == "price_below_list"]

    assert [(line["sku"], line["price"], line["list_price"]) for line in flags("admin")[0]] \
        == [("TEA-01", PRICE, "2000.00")]
    assert [(line["sku"], line["price"], line["list_price"]) for line in flags("staff")[0]] \
        == [("TEA-01", None, None)]
    page = _text(_browser(app, make_user, "staff").get(f"/orders/{number}"))
    assert "1 line is priced below its list price: TEA-01." in page
    assert "1,234.57" not in page and "2,000.00" not in page and PRICE not in page
