"""Who sees money on the pages: the payments box and the finance pages follow the
payments permissions."""
from __future__ import annotations

import io

import pytest

from tests.pages.conftest import errors
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


def test_a_refused_mapping_names_the_column_in_chinese(client, actions):
    """Once, the Chinese page said “请指定存放amount的列”: the column's key, not its name."""
    actions.login_as("staff")
    zh = {"Accept-Language": "zh-CN"}
    client.post("/finance/mappings", headers=zh, data={
        "provider": "alipay", "column_date": "Date",
        "csrf_token": actions.csrf("/finance/reconciliation")})
    page = client.get("/finance/reconciliation", headers=zh).get_data(as_text=True)
    assert "请指定存放金额的列" in page and "amount" not in errors(page)[0]


def test_why_a_statement_line_is_unmatched_is_said_in_chinese(client, actions, staff):
    """Once, the reason of an unmatched statement line stayed in English on the Chinese
    page."""
    actions.login_as("staff")
    zh = {"Accept-Language": "zh-CN"}
    csrf = actions.csrf("/finance/reconciliation")
    client.post("/finance/mappings", headers=zh, data={
        "provider": "alipay", "column_amount": "Amount", "column_date": "Date",
        "column_reference": "Ref", "csrf_token": csrf})
    client.post("/finance/statements", headers=zh, data={
        "provider": "alipay", "csrf_token": csrf,
        "file": (io.BytesIO(b"Amount,Date,Ref\n77.70,2026-01-05,NOPE-1\n"), "s.csv")},
        content_type="multipart/form-data")
    page = client.get("/finance/reconciliation", headers=zh).get_data(as_text=True)
    assert "NOPE-1" in page
    assert "没有与之相符的付款或订单" in page
    assert "no payment or order matches it" not in page


def test_a_reader_who_may_not_see_the_total_sees_neither_it_nor_what_is_owed(
        client, actions, published, staff):
    # The payments box showed the total, and the total less what came in, to a role
    # whose field access hides the order's total.
    from tests.designer.samples import retail
    from tests.payments.conftest import staff_handle_money

    definition = staff_handle_money(retail())
    next(f for f in definition["form"]["fields"] if f["key"] == "total")["access"] = {
        "see": ["admin", "staff"]}
    imported = client.post("/api/v1/import?on_conflict=replace", headers=published, json={
        "format": "orderloom-package/1", "order_types": [definition]})
    assert imported.status_code in (200, 201), imported.get_json()
    number = new_order(client, staff)
    pay(client, staff, number, "100.00", reference="ALI-200")
    actions.login_as("viewer")
    html = client.get(f"/orders/{number}").get_data(as_text=True)
    assert 'id="payments"' in html and "ALI-200" in html and "100.00" in html
    assert "Still owed" not in html and 'id="payments-total"' not in html
    assert "2,560.70" not in html and "2,460.70" not in html
    client.post("/logout", data={"csrf_token": actions.csrf(f"/orders/{number}")})
    actions.login_as("staff")
    html = client.get(f"/orders/{number}").get_data(as_text=True)
    assert 'id="payments-owed"' in html and "2,460.70" in html
    assert 'id="payments-total"' in html and "2,560.70" in html
