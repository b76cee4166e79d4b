"""A connection that sends an order when it is paid: the order reaches the ERP when a
payment makes its payment status paid, whatever its state is called, with every
payment after it at the first try."""
from __future__ import annotations

from tests.erp.conftest import connect
from tests.payments.conftest import pay
from tests.platform.test_api_tokens import assert_problem
from tests.runtime.support import create


def test_an_order_is_sent_when_a_payment_makes_it_paid(client, admin, erpnext):
    connection = connect(client, admin, "erpnext", erpnext, send_at="paid").get_json()
    assert connection["send_at"] == "paid"
    number = create(client, admin).get_json()["number"]
    assert pay(client, admin, number, "1000.00").status_code == 201
    assert erpnext.sales_order(number) is None  # partly paid: not yet
    assert pay(client, admin, number, "1560.70").status_code == 201
    assert erpnext.sales_order(number)["po_no"] == number
    assert sorted(float(p["paid_amount"]) for p in erpnext.docs["Payment Entry"].values()) \
        == [1000.0, 1560.7]
    log = client.get(f"/api/v1/erp/connections/{connection['id']}", headers=admin).get_json()
    # Each sent at its first attempt: the order went ahead of its payments.
    assert sorted((a["subject"], a["number"], a["outcome"]) for a in log["attempts"]) == [
        ("order", 1, "sent"), ("payment", 1, "sent"), ("payment", 1, "sent")]


def test_send_at_takes_a_category_or_paid_and_names_the_choices_otherwise(
        client, admin, erpnext, actions):
    body = assert_problem(connect(client, admin, "erpnext", erpnext, send_at="payed"), 422)
    assert [e["pointer"] for e in body["errors"]] == ["/send_at"]
    actions.login_as("admin")
    page = client.get("/admin/erp").get_data(as_text=True)
    assert '<option value="paid" >it is paid (its payment status becomes paid)</option>' in page
