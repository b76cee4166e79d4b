"""A refund issued in Orderloom reaches the ERP once: a credit note in Odoo (reversing
the sale order's posted invoice when it has one), a Payment Entry of type Pay in
ERPNext; a retry after a lost answer makes no second one."""
from __future__ import annotations

import pytest

from tests.erp.conftest import connect, run_due_jobs
from tests.payments.conftest import pay, refund
from tests.runtime.support import create

KINDS = ("odoo", "erpnext")


@pytest.fixture(params=KINDS)
def erp(request, odoo, erpnext):
    return request.param, {"odoo": odoo, "erpnext": erpnext}[request.param]


def refunds(kind, fake):
    """(reference, amount, customer) of every refund the ERP holds."""
    if kind == "odoo":
        return [(m["ref"], m["amount_total"],
                 fake.records["res.partner"][m["partner_id"]]["name"])
                for m in fake.credit_notes()]
    return [(p["reference_no"], float(p["paid_amount"]), p["party"])
            for p in fake.docs["Payment Entry"].values() if p["payment_type"] == "Pay"]


def attempts(client, admin, connection):
    log = client.get(f"/api/v1/erp/connections/{connection['id']}", headers=admin).get_json()
    return [(a["subject"], a["number"], a["outcome"]) for a in log["attempts"]]


def test_a_refund_reaches_the_erp_once_even_when_its_answer_is_lost(app, client, admin, erp):
    kind, fake = erp
    connection = connect(client, admin, kind, fake).get_json()
    number = create(client, admin).get_json()["number"]
    assert pay(client, admin, number, "2560.70").status_code == 201
    fake.losing, fake.lose_answers = "refund", 1  # made in the ERP, the answer never comes
    assert refund(client, admin, number, "100.00", reason="a cup broke").status_code == 201
    assert len(refunds(kind, fake)) == 1
    assert attempts(client, admin, connection)[0] == ("refund", 1, "failed")
    run_due_jobs(app)
    [(reference, amount, customer)] = refunds(kind, fake)
    assert reference.startswith(f"{number}/refund/") and amount == 100.0
    assert customer == "Li Wei"
    assert attempts(client, admin, connection)[0] == ("refund", 2, "sent")
    # The money that came in is still there beside the money that went back.
    received = (fake.records["account.payment"] if kind == "odoo" else
                {k: p for k, p in fake.docs["Payment Entry"].items()
                 if p["payment_type"] == "Receive"})
    assert len(received) == 1


def test_an_odoo_credit_note_reverses_the_posted_invoice_of_the_order(client, admin, odoo):
    connect(client, admin, "odoo", odoo)
    number = create(client, admin).get_json()["number"]
    pay(client, admin, number, "2560.70")
    odoo.add_invoice(number, state="draft")  # a draft invoice is nothing to reverse
    invoice = odoo.add_invoice(number)
    refund(client, admin, number, "19.90", reason="one cup short")
    [note] = odoo.credit_notes()
    assert (note["move_type"], note["reversed_entry_id"], note["amount_total"]) == (
        "out_refund", invoice, 19.9)
    assert note["invoice_origin"] == odoo.sale_order(number)["name"]
    assert note["state"] == "draft"  # the accountant posts it
    [line] = note["lines"]
    assert line["name"].endswith("one cup short") and line["tax_ids"] == [[6, 0, []]]


def test_a_refund_of_an_order_not_in_the_erp_follows_the_order_there(client, admin, odoo):
    # Sent once shipped: the order is paid and partly refunded before it ships.
    connection = connect(client, admin, "odoo", odoo, send_at="shipped").get_json()
    number = create(client, admin).get_json()["number"]
    pay(client, admin, number, "2560.70")
    refund(client, admin, number, "60.00")
    assert odoo.sale_order(number) is None and odoo.credit_notes() == []
    assert attempts(client, admin, connection) == []  # nothing refused on the way
    for transition in ("submit", "ship"):
        answer = client.post(f"/api/v1/orders/{number}/transitions/{transition}",
                             headers=admin)
        assert answer.status_code == 200, answer.get_json()
    assert odoo.sale_order(number) is not None
    assert [amount for _, amount, _ in refunds("odoo", odoo)] == [60.0]
    assert sorted(attempts(client, admin, connection)) == [
        ("order", 1, "sent"), ("payment", 1, "sent"), ("refund", 1, "sent")]
