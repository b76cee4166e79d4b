"""Who sees money on the pages: the payments box and the finance pages follow the
payments permissions."""
from __future__ import annotations

import pytest

from tests.payments.conftest import new_order, pay


@pytest.fixture
def paid_order(client, staff):
    number = new_order(client, staff)
    pay(client, staff, number, "100.00", reference="ALI-100")
    return number


def test_a_viewer_sees_the_payments_but_no_forms(client, actions, paid_order):
    actions.login_as("viewer")
    html = client.get(f"/orders/{paid_order}").get_data(as_text=True)
    assert 'data-payment-status="partly_paid"' in html and "ALI-100" in html
    assert 'id="payment-form"' not in html and 'id="refund-form"' not in html
    assert client.get("/finance/reconciliation").status_code == 200
    assert 'id="statement-form"' not in client.get("/finance/reconciliation").get_data(
        as_text=True)


def test_a_designer_sees_no_money(client, actions, paid_order):
    actions.login_as("designer")
    assert client.get("/finance/summary").status_code == 403
    assert client.get("/finance/reconciliation").status_code == 403


def test_a_bad_amount_on_the_page_says_which_field_and_records_nothing(client, actions,
                                                                       paid_order, staff):
    actions.login_as("staff")
    csrf = actions.csrf(f"/orders/{paid_order}")
    answer = client.post(f"/orders/{paid_order}/payments", data={
        "amount": "12,5x", "method": "cash", "csrf_token": csrf}, follow_redirects=True)
    html = answer.get_data(as_text=True)
    assert "The payment was not recorded: Amount: &#39;12,5x&#39; is not an amount" in html
    money = client.get(f"/api/v1/orders/{paid_order}/payments", headers=staff).get_json()
    assert money["paid"] == "100.00"
