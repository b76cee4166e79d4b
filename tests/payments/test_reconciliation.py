"""Importing a provider's statement and finding where money and orders disagree:
every planted mismatch of each kind, and no false match."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
from openpyxl import Workbook

from orderloom.db import utcnow
from tests.payments.conftest import new_order, pay
from tests.platform.test_api_tokens import assert_problem

MAPPING = {"columns": {"reference": "Transaction ID", "order_number": "Order",
                       "amount": "Amount", "date": "Date", "description": "Memo"},
           "date_format": "%d/%m/%Y"}
HEADER = "Transaction ID,Order,Amount,Date,Memo\n"


def one_line(price: str) -> dict:
    return {"customer": {"code": "C1", "name": "Li Wei", "tier": "silver"},
            "ship_to": {"country": "CN", "province": "Zhejiang", "city": "Hangzhou"},
            "items": [{"sku": "TEA-01", "qty": 1, "price": price}]}


def day(moment) -> str:
    return moment.strftime("%d/%m/%Y")


def upload(client, headers, text: str, name="statement.csv", provider="alipay", **args):
    query = "&".join([f"provider={provider}", *(f"{k}={v}" for k, v in args.items())])
    data = {"file": (io.BytesIO(text.encode() if isinstance(text, str) else text), name)}
    return client.post(f"/api/v1/statements?{query}", headers=headers, data=data,
                       content_type="multipart/form-data")


def mismatches(client, headers, **args):
    query = "&".join(f"{k}={v}" for k, v in args.items())
    answer = client.get(f"/api/v1/mismatches?{query}", headers=headers)
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


@pytest.fixture
def planted(client, staff):
    """Orders and payments with one of each mismatch planted, and the statement."""
    assert client.put("/api/v1/statement-mappings/alipay", headers=staff,
                      json=MAPPING).status_code == 200
    now = utcnow()
    o = {k: new_order(client, staff, data=one_line(p)) for k, p in [
        ("a", "100.00"), ("b", "200.00"), ("c", "300.00"), ("f", "400.00"),
        ("g", "500.00"), ("h", "600.00"), ("i", "700.00"), ("j1", "800.00"),
        ("j2", "800.00")]}
    pay(client, staff, o["a"], "100.00", reference="T-A")
    pay(client, staff, o["b"], "200.00", reference="T-B")
    pay(client, staff, o["c"], "300.00")  # no reference: matched by amount and date
    pay(client, staff, o["f"], "400.00", reference="T-F",
        received_at=(now - timedelta(days=10)).isoformat())
    pay(client, staff, o["h"], "600.00", reference="T-H")
    pay(client, staff, o["j1"], "800.00")
    pay(client, staff, o["j2"], "800.00")
    for key in ("g", "h"):  # submitted, waved through review, shipped
        assert client.post(f"/api/v1/orders/{o[key]}/transitions/submit",
                           headers=staff).status_code == 200
        answer = client.post(f"/api/v1/orders/{o[key]}/transitions/ship", headers=staff)
        assert answer.status_code == 200, answer.get_json()
    today = day(now)
    statement = HEADER + "\n".join([
        f"T-A,,100.00,{today},clean",                          # row 2
        f"T-B,,195.00,{today},short by 5",                     # row 3: amount_difference
        f",,300.00,{today},no reference",                      # row 4: amount and date
        f"T-A,,100.00,{today},again",                          # row 5: duplicate
        f"NOPE-1,,777.77,{today},unknown",                     # row 6: unmatched_line
        f"T-F,,400.00,{day(now - timedelta(days=10))},old",    # row 7: clean
        f"T-H,,600.00,{today},shipped and paid",               # row 8: clean
        f",{o['i']},700.00,{today},for an order not recorded paid",  # row 9: amount_diff.
        f",,800.00,{today},two payments fit",                  # row 10: unmatched (ambiguous)
    ]) + "\n"
    return o, statement


def test_every_planted_mismatch_is_found_and_nothing_else(client, staff, planted, db):
    orders, statement = planted
    answer = upload(client, staff, statement)
    assert answer.status_code == 201, answer.get_json()
    result = answer.get_json()
    assert result["lines"] == 9
    assert result["mismatches"] == {"amount_difference": 2, "unmatched_line": 2,
                                    "duplicate": 1, "paid_not_shipped": 1,
                                    "shipped_unpaid": 1}
    found = {(m["kind"], m["order"], m["details"].get("row")) for m in
             mismatches(client, staff)}
    assert found == {
        ("amount_difference", orders["b"], 3),
        ("amount_difference", orders["i"], 9),
        ("duplicate", orders["a"], 5),
        ("unmatched_line", None, 6),
        ("unmatched_line", None, 10),
        ("paid_not_shipped", orders["f"], None),
        ("shipped_unpaid", orders["g"], None),
    }
    # The matches themselves: each line to its own order's payment, none to another's.
    from sqlalchemy import select

    from orderloom.runtime.orders.models import Order
    from orderloom.runtime.payments.statements import StatementLine

    matched = dict(db.execute(select(StatementLine.row_number, Order.number)
                              .join(Order, Order.id == StatementLine.order_id)).all())
    db.rollback()  # SQLite: let the app's requests write again
    assert matched == {2: orders["a"], 3: orders["b"], 4: orders["c"], 7: orders["f"],
                       8: orders["h"], 9: orders["i"]}
    difference = next(m for m in mismatches(client, staff, kind="amount_difference")
                      if m["order"] == orders["b"])
    assert (difference["details"]["statement"], difference["details"]["recorded"],
            difference["details"]["difference"]) == ("195.00", "200.00", "-5.00")


def test_the_same_statement_again_is_all_duplicates_and_repeats_no_order_mismatch(
        client, staff, planted):
    _orders, statement = planted
    assert upload(client, staff, statement).status_code == 201
    again = upload(client, staff, statement).get_json()
    counts = again["mismatches"]
    assert counts["paid_not_shipped"] == 0 and counts["shipped_unpaid"] == 0
    # every line that matched the first time, and the duplicate line again
    assert counts["duplicate"] == 7
    assert again["matched"] == 0


def test_a_mismatch_is_resolved_with_a_note_into_the_audit_trail(client, staff, planted, db):
    _orders, statement = planted
    upload(client, staff, statement)
    target = mismatches(client, staff, kind="shipped_unpaid")[0]
    url = f"/api/v1/mismatches/{target['id']}/resolve"
    empty = client.post(url, headers=staff, json={"note": ""})
    assert empty.status_code == 422
    assert empty.get_json()["errors"][0]["pointer"] == "/note"
    done = client.post(url, headers=staff, json={"note": "paid in cash at the door"})
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["note"] == "paid in cash at the door"
    assert done.get_json()["resolved_by"].startswith("staff-")
    assert client.post(url, headers=staff, json={"note": "again"}).status_code == 409
    assert all(m["id"] != target["id"] for m in mismatches(client, staff))
    assert any(m["id"] == target["id"] for m in mismatches(client, staff, resolved=1))
    from sqlalchemy import select

    from orderloom.runtime.audit import AuditEvent

    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "mismatch.resolved")
                       ).one()
    assert (event.subject_id, event.details["note"]) == (str(target["id"]),
                                                         "paid in cash at the door")


def test_an_excel_statement_reads_the_same_way(client, staff, planted):
    _orders, statement = planted
    workbook = Workbook()
    sheet = workbook.active
    for line in statement.strip().split("\n"):
        sheet.append(line.split(","))
    out = io.BytesIO()
    workbook.save(out)
    answer = upload(client, staff, out.getvalue(), name="statement.xlsx")
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["mismatches"]["amount_difference"] == 2


def test_a_bad_line_refuses_the_statement_and_stores_nothing(client, staff, planted):
    _orders, _statement = planted
    bad = HEADER + "T-A,,100.00,25/11/2026,ok\nT-B,,12,5O,25/11/2026,bad\nT-C,,9,31/02/2026,x\n"
    answer = upload(client, staff, bad)
    assert answer.status_code == 422
    problem = answer.get_json()
    pointers = [e["pointer"] for e in problem["errors"]]
    assert "/rows/4/Date" in pointers, problem
    assert mismatches(client, staff) == []
    assert client.get("/api/v1/mismatches?kind=nonsense", headers=staff).status_code == 422


def test_a_statement_must_come_as_a_file(client, staff):
    assert client.put("/api/v1/statement-mappings/alipay", headers=staff,
                      json=MAPPING).status_code == 200
    as_json = client.post("/api/v1/statements?provider=alipay", headers=staff,
                          json={"lines": []})
    assert "multipart/form-data" in assert_problem(as_json, 415)["detail"]
    no_file = client.post("/api/v1/statements?provider=alipay", headers=staff,
                          data={"note": "forgot it"}, content_type="multipart/form-data")
    assert assert_problem(no_file, 422)["errors"][0]["pointer"] == "/file"
    assert mismatches(client, staff) == []


def test_importing_without_a_saved_mapping_says_what_to_do(client, staff):
    answer = upload(client, staff, HEADER, provider="wechat")
    assert answer.status_code == 422
    assert answer.get_json()["errors"][0]["pointer"] == "/provider"
    assert "PUT /api/v1/statement-mappings/wechat" in answer.get_json()["detail"]


def test_a_mapping_must_name_amount_and_date(client, staff):
    answer = client.put("/api/v1/statement-mappings/alipay", headers=staff,
                        json={"columns": {"reference": "Transaction ID", "amount": "Amount"}})
    assert answer.status_code == 422
    assert answer.get_json()["errors"][0]["pointer"] == "/columns/date"
    saved = client.put("/api/v1/statement-mappings/alipay", headers=staff, json=MAPPING)
    assert saved.get_json()["columns"]["amount"] == "Amount"
    assert client.get("/api/v1/statement-mappings/alipay",
                      headers=staff).get_json()["date_format"] == "%d/%m/%Y"
