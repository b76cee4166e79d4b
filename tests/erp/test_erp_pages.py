"""The ERP pages an administrator works on: the connection's settings without its
secret, test connection from the page, the attempt log and the reconciliation's
differences; and the order page's list of what was sent to the ERP."""
from __future__ import annotations

import re

from tests.erp.conftest import connect
from tests.erp.fake_erp import ODOO_KEY
from tests.runtime.support import create


def test_the_connection_page_shows_attempts_and_differences_and_never_the_key(
        client, admin, odoo, actions):
    connection = connect(client, admin, "odoo", odoo).get_json()
    number = create(client, admin).get_json()["number"]
    client.post(f"/api/v1/erp/connections/{connection['id']}/send-stock", headers=admin)
    # Planted: someone counts 99 cups in Odoo.
    next(q for q in odoo.records["stock.quant"].values())["quantity"] = 99
    actions.login_as("admin")
    listing = client.get("/admin/erp").get_data(as_text=True)
    assert "odoo books" in listing
    csrf = actions.csrf(f"/admin/erp/{connection['id']}")
    answer = client.post(f"/api/v1/erp/connections/{connection['id']}/reconcile",
                         headers={"X-CSRF-Token": csrf}, json={})
    assert answer.status_code == 201, answer.get_json()
    page = client.get(f"/admin/erp/{connection['id']}").get_data(as_text=True)
    assert ODOO_KEY not in page
    assert re.search(rf"order {number}</td><td>1</td><td>sent</td>", page)
    assert "stock CUP-02: on hand: Orderloom 30, ERP 99" in page
    test = client.post(f"/api/v1/erp/connections/{connection['id']}/test",
                       headers={"X-CSRF-Token": csrf}).get_json()
    assert test == {"ok": True, "detail": "logged in to Odoo 17.0 database 'orderloom-test' as "
                                          "user 2"}
    order_page = client.get(f"/orders/{number}").get_data(as_text=True)
    assert "Sent to the ERP" in order_page
    assert re.search(rf"order {number}</td><td>1</td><td>sent</td>", order_page)


def test_the_page_offers_the_retail_mappings_for_a_new_connection(client, admin, actions):
    actions.login_as("admin")
    page = client.get("/admin/erp").get_data(as_text=True)
    assert "$.data.items[*]" in page and "No ERP is connected yet." in page


def test_the_connection_page_reads_in_chinese(client, admin, odoo, actions):
    connection = connect(client, admin, "odoo", odoo, send_at="paid").get_json()
    create(client, admin)
    client.post(f"/api/v1/erp/connections/{connection['id']}/send-stock", headers=admin)
    next(q for q in odoo.records["stock.quant"].values())["quantity"] = 99
    client.post(f"/api/v1/erp/connections/{connection['id']}/reconcile", headers=admin,
                json={})
    actions.login_as("admin")
    page = client.get(f"/admin/erp/{connection['id']}",
                      headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "何时发送订单" in page
    assert '<option value="paid" selected>已付款（付款状态变为已付清时）</option>' in page
    assert "状态含义为已发货" in page
    assert "库存 CUP-02：在库：Orderloom 30，ERP 99" in page
    assert re.search(r"<td>库存 CUP-02</td><td>1</td><td>已发送</td>", page)
