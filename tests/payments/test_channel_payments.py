"""A channel's mapping puts the payment a web shop reports into the new order."""
from __future__ import annotations

import copy

import pytest

from tests.channels.support import SIMPLE_MAPPING, SIMPLE_ORDER, create_channel, deliver
from tests.platform.test_api_tokens import bearer


@pytest.fixture
def admin(client, token_for, published):
    return bearer(token_for("admin"))


def paying_mapping() -> dict:
    mapping = copy.deepcopy(SIMPLE_MAPPING)
    mapping["fields"].update({"payment.amount": "$.paid.amount",
                              "payment.method": "$.paid.gateway",
                              "payment.reference": "$.paid.transaction",
                              "payment.received_at": "$.paid.at"})
    return mapping


def test_a_paid_web_shop_order_arrives_paid(client, admin):
    secret = create_channel(client, admin, mapping=paying_mapping())["secret"]
    payload = {**SIMPLE_ORDER, "paid": {"amount": "21.00", "gateway": "alipay",
                                        "transaction": "2026112522001", "at":
                                        "2026-11-25T08:30:00+08:00"}}
    answer = deliver(client, "shop", payload, secret)
    assert answer.status_code == 201, answer.get_json()
    money = client.get(f"/api/v1/orders/{answer.get_json()['order']}/payments",
                       headers=admin).get_json()
    assert money["payment_status"] == "paid"
    assert [(p["amount"], p["method"], p["reference"], p["source"], p["received_at"])
            for p in money["payments"]] == [
        ("21.00", "alipay", "2026112522001", "channel", "2026-11-25T00:30:00+00:00")]


def test_an_unpaid_web_shop_order_records_no_payment(client, admin):
    secret = create_channel(client, admin, mapping=paying_mapping())["secret"]
    payload = {**SIMPLE_ORDER, "paid": {"amount": "0.00", "gateway": "cod"}}
    answer = deliver(client, "shop", payload, secret)
    assert answer.status_code == 201, answer.get_json()
    money = client.get(f"/api/v1/orders/{answer.get_json()['order']}/payments",
                       headers=admin).get_json()
    assert (money["payment_status"], money["payments"]) == ("unpaid", [])


def test_a_payment_that_cannot_be_recorded_keeps_the_payload_as_a_dead_letter(client, admin):
    secret = create_channel(client, admin, mapping=paying_mapping())["secret"]
    payload = {**SIMPLE_ORDER, "paid": {"amount": "21.001", "gateway": "alipay"}}
    answer = deliver(client, "shop", payload, secret)
    assert answer.status_code == 202, answer.get_json()
    assert "CNY has 2 decimal places" in str(answer.get_json())
    assert client.get("/api/v1/orders", headers=admin).get_json()["orders"] == []


def test_a_payment_member_that_does_not_exist_is_a_mapping_problem(client, admin):
    mapping = copy.deepcopy(SIMPLE_MAPPING)
    mapping["fields"]["payment.amout"] = "$.paid.amount"
    answer = client.post("/api/v1/channels", headers=admin, json={
        "key": "shop", "name": "Shop", "kind": "webhook", "order_type": "retail_order",
        "mapping": mapping})
    assert answer.status_code == 422
    problem = answer.get_json()
    assert any(e["pointer"] == "/mapping/fields/payment.amout" and "did you mean 'amount'"
               in e["detail"] for e in problem["errors"]), problem


def test_an_order_file_with_payment_columns_records_the_payments(client, admin):
    import io
    import json

    from tests.channels.support import MARKETPLACE_ROWS
    from tests.channels.test_files import MARKETPLACE, csv_file

    mapping = copy.deepcopy(MARKETPLACE)
    mapping["fields"].update({"payment.amount": "$['实付金额']",
                              "payment.reference": "$['支付流水号']",
                              "payment.method": {"formula": '"alipay"'}})
    rows = [{**row, "实付金额": "1330.10" if row["订单编号"].endswith("1") else "0",
             "支付流水号": "PAY-" + row["订单编号"]} for row in MARKETPLACE_ROWS]
    answer = client.post("/api/v1/order-imports", headers=admin,
                         query_string={"order_type": "retail_order"},
                         data={"file": (io.BytesIO(csv_file(rows)), "tmall.csv"),
                               "mapping": json.dumps(mapping)},
                         content_type="multipart/form-data")
    assert answer.status_code in (200, 201), answer.get_json()
    created = {c["external_id"]: c["number"] for c in answer.get_json()["created"]}
    first = client.get(f"/api/v1/orders/{created['TM20261125001']}/payments",
                       headers=admin).get_json()
    second = client.get(f"/api/v1/orders/{created['TM20261125002']}/payments",
                        headers=admin).get_json()
    assert (first["payment_status"], first["paid"], first["payments"][0]["reference"]) == (
        "paid", "1330.10", "PAY-TM20261125001")
    assert (second["payment_status"], second["payments"]) == ("unpaid", [])
