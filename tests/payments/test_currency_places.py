"""Amounts of a currency without cents (JPY) read in its own places everywhere money is
shown: the payments API, its webhook events, the order and customer pages and the finance
summary. Every currency has the places the Unicode CLDR gives it (0 for CLP, 3 for OMR)."""
from __future__ import annotations

import json

import pytest

from tests.designer.samples import retail
from tests.payments.conftest import new_order, pay, refund, staff_handle_money
from tests.platform.test_api_tokens import bearer
from tests.webhooks.support import Receiver, wait_for
from tests.webhooks.test_delivery import subscribe

# The outbound client calls 127.0.0.1 only when allowed:
# the ERP of these tests listens on 127.0.0.1.
pytestmark = pytest.mark.usefixtures("outbound_to_loopback")

YEN_ITEMS = {"customer": {"code": "Y1", "name": "Sato Yuki"},
             "ship_to": {"country": "JP", "province": "Tokyo", "city": "Tokyo"},
             "items": [{"sku": "TEA-01", "qty": 2, "price": "1250"}]}


@pytest.fixture
def yen_order(client, published, staff):
    definition = staff_handle_money(retail())
    definition.update(key="yen_order", number_prefix="YO", currency="JPY")
    response = client.post("/api/v1/import", headers=published, json={
        "format": "orderloom-package/1", "order_types": [definition]})
    assert response.status_code == 201, response.get_json()
    return new_order(client, staff, "yen_order", YEN_ITEMS)


def test_the_payments_api_gives_yen_without_cents(client, staff, yen_order):
    assert pay(client, staff, yen_order, "1000").status_code == 201
    money = refund(client, staff, yen_order, "300").get_json()
    assert {k: money[k] for k in ("total", "paid", "refunded", "refundable",
                                  "outstanding")} == {
        "total": "2500", "paid": "1000", "refunded": "300", "refundable": "700",
        "outstanding": "1800"}  # 2500 less the 700 kept
    assert money["payments"][0]["amount"] == "1000" and money["refunds"][0]["amount"] == "300"
    refused = refund(client, staff, yen_order, "800").get_json()
    assert "(paid 1000, refunded already 300)" in refused["detail"]


def test_the_pages_show_yen_without_cents(client, staff, actions, yen_order):
    pay(client, staff, yen_order, "1000")
    actions.login_as("staff")
    order_page = client.get(f"/orders/{yen_order}").get_data(as_text=True)
    assert "2,500 JPY" in order_page and "1,000 JPY" in order_page
    assert "2,500.00" not in order_page
    profile = client.get("/customers/Y1").get_data(as_text=True)
    assert "2,500 JPY" in profile and "2,500.00" not in profile
    summary = client.get("/finance/summary").get_data(as_text=True)
    assert "<td>2,500</td>" in summary and "<td>1,000</td>" in summary


def test_the_erp_hears_the_order_sums_in_yen(client, staff, token_for, yen_order):
    admin = bearer(token_for("admin"))
    with Receiver() as erp:
        erp.secret = subscribe(client, admin, erp.url,
                               ["payment.received", "refund.issued"])["secret"]
        pay(client, staff, yen_order, "1000")
        refund(client, staff, yen_order, "300")
        wait_for(lambda: len(erp.processed) == 2)
    received, refunded = sorted((json.loads(r["body"])["data"] for r in erp.requests),
                                key=lambda e: "reason" in e)
    assert (received["paid"], received["refunded"]) == ("1000", "0")
    assert (refunded["paid"], refunded["refunded"]) == ("1000", "300")


@pytest.mark.parametrize(("currency", "total", "finer_than_the_currency"), [
    ("CNY", "2500.00", "0.001"), ("USD", "2500.00", "0.001"),
    ("JPY", "2500", "0.5"), ("CLP", "2500", "0.5"), ("ISK", "2500", "0.5"),
    ("OMR", "2500.000", "0.0001"), ("JOD", "2500.000", "0.0001"),
])
def test_each_currency_has_its_own_decimal_places(client, published, staff, currency, total,
                                                   finer_than_the_currency):
    definition = staff_handle_money(retail())
    definition.update(key="abroad", number_prefix="AB", currency=currency)
    response = client.post("/api/v1/import", headers=published, json={
        "format": "orderloom-package/1", "order_types": [definition]})
    assert response.status_code == 201, response.get_json()
    number = new_order(client, staff, "abroad", YEN_ITEMS)
    assert pay(client, staff, number, "1").status_code == 201
    refused = pay(client, staff, number, finer_than_the_currency).get_json()
    places = len(total.partition(".")[2])
    assert f"{currency} has {places} decimal places;" in refused["errors"][0]["detail"]
    money = client.get(f"/api/v1/orders/{number}/payments", headers=staff).get_json()
    one = f"1.{'0' * places}" if places else "1"
    assert (money["total"], money["paid"]) == (total, one)
