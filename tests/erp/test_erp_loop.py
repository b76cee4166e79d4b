"""The ERP loop against a fake Odoo (JSON-RPC) and a fake ERPNext (REST): orders with
their lines and payments reach the ERP once, stock follows, the ERP's items and counts
come back, and a reconciliation lists what differs."""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests.erp.conftest import connect, run_due_jobs
from tests.erp.fake_erp import NEXT_KEY, ODOO_KEY
from tests.payments.conftest import pay
from tests.platform.test_api_tokens import assert_problem
from tests.runtime.support import SAMPLE, create

KINDS = ("odoo", "erpnext")


@pytest.fixture(params=KINDS)
def erp(request, odoo, erpnext):
    return request.param, {"odoo": odoo, "erpnext": erpnext}[request.param]


def sale_order(kind, fake, number):
    """(SKU, quantity, price) of each line of the ERP's sale order for ``number``."""
    if kind == "odoo":
        found = fake.sale_order(number)
        return found and sorted((s, float(q), float(p)) for s, q, p in found["lines"])
    found = fake.sales_order(number)
    return found and sorted((i["item_code"], float(i["qty"]), float(i["rate"]))
                            for i in found["items"])


def payments(kind, fake):
    if kind == "odoo":
        return [(p["ref"], float(p["amount"]))
                for p in fake.records["account.payment"].values()]
    return [(p["reference_no"], float(p["paid_amount"]))
            for p in fake.docs["Payment Entry"].values()]


def test_an_order_placed_in_orderloom_appears_in_the_erp_with_its_lines_and_payment(
        client, admin, erp):
    kind, fake = erp
    assert connect(client, admin, kind, fake).status_code == 201
    response = create(client, admin)
    assert response.status_code == 201, response.get_json()
    number = response.get_json()["number"]
    assert sale_order(kind, fake, number) == [("CUP-02", 3.0, 19.9), ("TEA-01", 2.0, 1250.5)]
    assert pay(client, admin, number, "2560.70").status_code == 201
    [(reference, amount)] = payments(kind, fake)
    assert reference.startswith(f"{number}/") and amount == 2560.70
    attempts = client.get(f"/api/v1/orders/{number}/erp", headers=admin).get_json()
    assert sorted((a["subject"], a["outcome"]) for a in attempts["attempts"]) == [
        ("order", "sent"), ("payment", "sent")]


def test_a_stock_change_in_orderloom_reaches_the_erp(client, admin, erp):
    kind, fake = erp
    connect(client, admin, kind, fake)
    assert client.post("/api/v1/stock/receipts", headers=admin, json={
        "sku": "TEA-01", "warehouse": "HZ", "quantity": 5}).status_code == 201
    assert fake.quantity("TEA-01") == 25
    assert client.post("/api/v1/stock/adjustments", headers=admin, json={
        "sku": "TEA-01", "warehouse": "HZ", "change": -3, "reference": "broken"}
    ).status_code == 201
    assert fake.quantity("TEA-01") == 22


def test_a_retry_after_a_lost_answer_does_not_duplicate_the_sale_order(app, client, admin,
                                                                       erp):
    kind, fake = erp
    connection = connect(client, admin, kind, fake).get_json()
    fake.lose_answers = 1  # the sale order is made, the answer never arrives
    number = create(client, admin).get_json()["number"]
    log = client.get(f"/api/v1/erp/connections/{connection['id']}", headers=admin).get_json()
    assert [(a["reference"], a["outcome"]) for a in log["attempts"]] == [(number, "failed")]
    run_due_jobs(app)
    log = client.get(f"/api/v1/erp/connections/{connection['id']}", headers=admin).get_json()
    assert [(a["number"], a["outcome"]) for a in log["attempts"]] == [(2, "sent"),
                                                                     (1, "failed")]
    orders = fake.records["sale.order"] if kind == "odoo" else fake.docs["Sales Order"]
    assert len(orders) == 1


def test_a_sku_the_erp_lacks_is_a_clear_refusal_not_a_retry_loop(app, client, admin, erp):
    kind, fake = erp
    connection = connect(client, admin, kind, fake).get_json()
    assert client.post("/api/v1/products", headers=admin,
                       json={"sku": "POT-03", "name": "Tea pot"}).status_code == 201
    data = {**SAMPLE, "items": [{"sku": "POT-03", "qty": 1, "price": "88.00"}]}
    number = create(client, admin, data).get_json()["number"]
    run_due_jobs(app)
    log = client.get(f"/api/v1/erp/connections/{connection['id']}", headers=admin).get_json()
    [attempt] = [a for a in log["attempts"] if a["subject"] == "order"]
    assert (attempt["reference"], attempt["outcome"]) == (number, "refused")
    assert "POT-03" in attempt["detail"] and "SKU" in attempt["detail"]
    assert sale_order(kind, fake, number) is None
    # Someone adds the product in the ERP and sends the order again from the log.
    if kind == "odoo":
        fake.add_product("POT-03", "Tea pot", "88.00")
    else:
        fake.add_item("POT-03", "Tea pot", "88.00")
    assert client.post(f"/api/v1/erp/syncs/{attempt['sync']}/send",
                       headers=admin).status_code == 202
    assert sale_order(kind, fake, number) == [("POT-03", 1.0, 88.0)]
    assert client.post(f"/api/v1/erp/syncs/{attempt['sync']}/send",
                       headers=admin).status_code == 409  # it is there now


def test_the_reconciliation_finds_a_planted_difference(client, admin, erp):
    kind, fake = erp
    connection = connect(client, admin, kind, fake).get_json()
    number = create(client, admin).get_json()["number"]
    url = f"/api/v1/erp/connections/{connection['id']}/reconcile"
    unsent = client.post(url, headers=admin, json={}).get_json()
    # The stock was received before the ERP was connected: nothing of it is there yet.
    assert [(d["reference"], d["orderloom"], d["erp"]) for d in unsent["differences"]] == [
        ("CUP-02", "30", None), ("TEA-01", "20", None)]
    assert client.post(f"/api/v1/erp/connections/{connection['id']}/send-stock",
                       headers=admin).get_json() == {"skus": 2}
    clean = client.post(url, headers=admin, json={}).get_json()
    assert (clean["orders_compared"], clean["differences"]) == (1, [])
    # Planted: someone in the ERP changes a line's quantity and the stock of a SKU.
    if kind == "odoo":
        line = next(line for line in fake.records["sale.order.line"].values()
                    if fake.records["product.product"][line["product_id"]]["default_code"]
                    == "CUP-02")
        line["product_uom_qty"] = 4
        [quant] = [q for q in fake.records["stock.quant"].values()
                   if fake.records["product.product"][q["product_id"]]["default_code"]
                   == "TEA-01"] or [None]
        quant["quantity"] = 17
    else:
        order = fake.sales_order(number)
        next(i for i in order["items"] if i["item_code"] == "CUP-02")["qty"] = 4
        fake.set_bin("TEA-01", 17)
    found = client.post(url, headers=admin, json={}).get_json()
    assert sorted((d["subject"], d["reference"], d["what"], d["orderloom"], d["erp"])
                  for d in found["differences"]) == [
        ("order", number, "quantity of CUP-02", "3", "4"),
        ("stock", "TEA-01", "on hand", "20", "17")]
    page = client.get(f"/api/v1/erp/connections/{connection['id']}", headers=admin)
    assert page.get_json()["reconciliations"][0]["differences"] == found["differences"]


def test_a_wrong_key_is_shown_clearly_on_test_connection(client, admin, erp):
    kind, fake = erp
    connection = connect(client, admin, kind, fake, api_key="not-the-key").get_json()
    answer = client.post(f"/api/v1/erp/connections/{connection['id']}/test",
                         headers=admin).get_json()
    assert answer["ok"] is False
    assert answer["detail"] == {
        "odoo": "Odoo did not accept the login 'erp@example.com' with this API key on "
                "database 'orderloom-test'",
        "erpnext": "ERPNext did not accept the API key and secret: AuthenticationError: "
                   "Invalid API key or secret"}[kind]
    assert "not-the-key" not in str(client.get("/api/v1/erp/connections",
                                               headers=admin).get_json())
    client.patch(f"/api/v1/erp/connections/{connection['id']}", headers=admin,
                 json={"api_key": {"odoo": ODOO_KEY, "erpnext": NEXT_KEY}[kind]})
    answer = client.post(f"/api/v1/erp/connections/{connection['id']}/test",
                         headers=admin).get_json()
    assert answer["ok"] is True


def test_the_erps_items_and_counted_stock_come_back_once(client, admin, erp):
    kind, fake = erp
    connection = connect(client, admin, kind, fake).get_json()
    url = f"/api/v1/erp/connections/{connection['id']}/pull"
    client.post(f"/api/v1/erp/connections/{connection['id']}/send-stock", headers=admin)
    if kind == "odoo":
        fake.add_product("KET-04", "Kettle", "199.00")
        client.post(url, headers=admin)  # the first pull reads everything
        product = fake.records["product.product"][
            next(i for i, p in fake.records["product.product"].items()
                 if p["default_code"] == "TEA-01")]
        product.update(list_price=1300.0, write_date=fake.stamp())
        quant = next(q for q in fake.records["stock.quant"].values()
                     if q["product_id"] == product["id"])
        quant.update(quantity=12.0, write_date=fake.stamp())
    else:
        fake.add_item("KET-04", "Kettle", "199.00")
        client.post(url, headers=admin)
        fake.docs["Item"]["TEA-01"].update(standard_rate=1300.0, modified=fake.stamp())
        fake.set_bin("TEA-01", 12)
    taken = client.post(url, headers=admin).get_json()
    assert (taken["items"], taken["stock"]) == (1, 1)
    products = {p["sku"]: p for p in client.get("/api/v1/products", headers=admin).get_json()}
    assert products["KET-04"]["name"] == "Kettle"
    assert products["TEA-01"]["attributes"]["price"] in ("1300.0", "1300")
    levels = client.get("/api/v1/stock?sku=TEA-01", headers=admin).get_json()
    assert [(level["warehouse"], level["on_hand"]) for level in levels] == [("HZ", 12)]
    again = client.post(url, headers=admin).get_json()
    assert (again["items"], again["stock"]) == (0, 0)


def test_a_mapping_naming_a_field_the_erp_document_lacks_is_refused_with_its_place(
        client, admin, odoo):
    mappings = {"sale_order": {"fields": {"partner_nam": "$.data.customer.name"}}}
    body = assert_problem(connect(client, admin, "odoo", odoo, mappings=mappings), 422)
    assert body["errors"] == [{"pointer": "/mappings/sale_order/fields/partner_nam",
                               "detail": "'partner_nam' is not a field of the ERP's sale "
                                         "order; did you mean 'partner_name'?"}]
    body = assert_problem(connect(client, admin, "odoo", odoo, login="",
                                  warehouse="XX"), 422)
    assert [e["pointer"] for e in body["errors"]] == ["/login"]  # too short for the schema
    body = assert_problem(connect(client, admin, "odoo", odoo, warehouse="XX",
                                  order_types=["wholesale"]), 422)
    assert body["errors"] == [
        {"pointer": "/order_types/0", "detail": "there is no order type 'wholesale'"},
        {"pointer": "/warehouse", "detail": "there is no warehouse 'XX'"}]
    assert client.get("/api/v1/erp/connections", headers=admin).get_json() == []


def test_one_order_reaches_odoo_and_erpnext_together(client, admin, odoo, erpnext):
    connect(client, admin, "odoo", odoo)
    connect(client, admin, "erpnext", erpnext)
    number = create(client, admin).get_json()["number"]
    pay(client, admin, number, "1000.00")
    for kind, fake in (("odoo", odoo), ("erpnext", erpnext)):
        assert sale_order(kind, fake, number) == [("CUP-02", 3.0, 19.9),
                                                  ("TEA-01", 2.0, 1250.5)]
        assert [amount for _, amount in payments(kind, fake)] == [1000.0]
    assert erpnext.sales_order(number)["customer"] == "Li Wei"
    assert odoo.sale_order(number)["partner_id"] in odoo.records["res.partner"]


def test_the_sweeper_reads_the_erp_back_once_per_interval(app, client, admin, erpnext):
    from orderloom.platform.app import JOBS
    from orderloom.runtime.erp.pulling import pull_due

    connect(client, admin, "erpnext", erpnext, pull_every_minutes=15)
    erpnext.add_item("KET-04", "Kettle", "199.00")
    sessions = app.extensions[JOBS].sessions
    assert len(pull_due(sessions)) == 1
    assert pull_due(sessions) == []  # not again within the 15 minutes
    run_due_jobs(app, after=timedelta(seconds=1))
    products = {p["sku"]: p for p in client.get("/api/v1/products", headers=admin).get_json()}
    assert products["KET-04"]["name"] == "Kettle"


def test_a_reconciliation_period_that_cannot_be_read_is_refused_with_its_place(
        client, admin, odoo):
    connection = connect(client, admin, "odoo", odoo).get_json()
    url = f"/api/v1/erp/connections/{connection['id']}/reconcile"
    body = assert_problem(client.post(url, headers=admin, json={"from": "last tuesday"}), 422)
    assert [e["pointer"] for e in body["errors"]] == ["/from"]
    body = assert_problem(client.post(url, headers=admin, json={
        "from": "2026-12-01", "to": "2026-11-01"}), 422)
    assert body["errors"] == [{"pointer": "/from",
                               "detail": "the period must start before it ends"}]


def test_an_erp_address_over_plain_http_outside_is_refused(client, admin, odoo):
    body = assert_problem(connect(client, admin, "odoo", odoo,
                                  base_url="http://erp.example.com"), 422)
    assert body["errors"][0]["pointer"] == "/base_url"
    assert body["errors"][0]["detail"].startswith("must start with https://")
