"""payment.received and refund.issued reach the ERP through the outbound webhooks, and
the daily summary adds up the day's orders, payments, refunds and what is owed."""
from __future__ import annotations

import io
import json

import pytest
from openpyxl import load_workbook

from orderloom.db import utcnow
from tests.payments.conftest import SAMPLE_TOTAL, new_order, pay, refund
from tests.platform.test_api_tokens import bearer
from tests.webhooks.support import Receiver, wait_for
from tests.webhooks.test_delivery import subscribe

# The outbound client calls 127.0.0.1 only when allowed:
# the ERP of these tests listens on 127.0.0.1.
pytestmark = pytest.mark.usefixtures("outbound_to_loopback")


def test_the_erp_hears_of_payments_and_refunds(client, staff, token_for):
    admin = bearer(token_for("admin"))
    with Receiver() as erp:
        erp.secret = subscribe(client, admin, erp.url,
                               ["payment.received", "refund.issued"])["secret"]
        number = new_order(client, staff)
        pay(client, staff, number, "100.00", reference="ALI-7")
        refund(client, staff, number, "40.00", reason="late delivery")
        wait_for(lambda: len(erp.processed) == 2)
    received, refunded = sorted((json.loads(r["body"]) for r in erp.requests),
                                key=lambda e: e["type"])
    assert received["type"] == "payment.received"
    assert {k: received["data"][k] for k in ("order", "amount", "currency", "reference",
                                             "payment_status")} == {
        "order": number, "amount": "100.00", "currency": "CNY", "reference": "ALI-7",
        "payment_status": "partly_paid"}
    assert refunded["type"] == "refund.issued"
    assert {k: refunded["data"][k] for k in ("order", "amount", "reason",
                                             "payment_status")} == {
        "order": number, "amount": "40.00", "reason": "late delivery",
        "payment_status": "partly_refunded"}


def test_a_refused_refund_announces_nothing(client, staff, token_for):
    admin = bearer(token_for("admin"))
    with Receiver() as erp:
        erp.secret = subscribe(client, admin, erp.url, ["refund.issued"])["secret"]
        number = new_order(client, staff)
        pay(client, staff, number, "10.00")
        assert refund(client, staff, number, "20.00").status_code == 422
    assert erp.requests == []


def test_the_daily_summary_adds_up_the_day(client, staff):
    first, second = new_order(client, staff), new_order(client, staff)
    pay(client, staff, first, SAMPLE_TOTAL)
    pay(client, staff, second, "500.00")
    refund(client, staff, first, "60.70")
    answer = client.get("/api/v1/finance/summary", headers=staff)
    assert answer.status_code == 200, answer.get_json()
    (row,) = answer.get_json()["rows"]
    assert row == {"date": utcnow().date().isoformat(), "currency": "CNY", "orders": 2,
                   "order_value": "5121.40", "payments": 2, "received": "3060.70",
                   "refunds": 1, "refunded": "60.70", "net_received": "3000.00",
                   "outstanding_orders": 1, "outstanding": "2060.70"}
    csv = client.get("/api/v1/finance/summary?format=csv", headers=staff)
    assert csv.mimetype == "text/csv"
    lines = csv.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0].startswith("date,currency,orders,order_value")
    assert lines[1].endswith(",CNY,2,5121.40,2,3060.70,1,60.70,3000.00,1,2060.70")
    xlsx = client.get("/api/v1/finance/summary?format=xlsx", headers=staff)
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    values = [c.value for c in next(sheet.iter_rows(min_row=2, max_row=2))]
    assert values[1:4] == ["CNY", 2, 5121.4]


def test_summary_dates_are_checked(client, staff):
    for query, pointer in [("from=2026-13-01", "/from"), ("from=2026-11-25&to=2026-11-01",
                                                          "/from"),
                           ("from=2026-01-01&to=2026-12-31", "/to"), ("format=pdf", "/format")]:
        answer = client.get(f"/api/v1/finance/summary?{query}", headers=staff)
        assert answer.status_code == 422, query
        assert answer.get_json()["errors"][0]["pointer"] == pointer, query
