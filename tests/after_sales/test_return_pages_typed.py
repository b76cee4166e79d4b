"""Known failures of the returns pages, each named after what once went wrong."""
from __future__ import annotations

import re

from tests.after_sales.test_returns import open_return, shipped_order, step


def test_a_superscript_or_circled_digit_typed_is_refused_not_a_500(client, shop, staff,
                                                                    actions):
    # "²" and "①" once passed isdigit() and then broke int(): a server error.
    order = shipped_order(client, staff, paid=False)
    actions.login_as("staff")
    csrf = actions.csrf(f"/orders/{order}/returns/new")
    opened = client.post(f"/orders/{order}/returns/new", data={
        "csrf_token": csrf, "reason": "damaged", "quantity:CUP-02": "²"})
    assert opened.status_code == 200 and "Type a whole number." in opened.get_data(
        as_text=True)
    number = open_return(client, staff, order, [{"sku": "CUP-02", "quantity": 1}])["number"]
    step(client, staff, number, "approve")
    received = client.post(f"/returns/{number}/receive", data={
        "csrf_token": csrf, "received:CUP-02": "①"})
    assert received.status_code == 422 and "type a whole number" in received.get_data(
        as_text=True)
    step(client, staff, number, "receive")
    step(client, staff, number, "inspect", {"lines": {"CUP-02": {"disposition": "write_off"}}})
    closed = client.post(f"/returns/{number}/close", data={
        "csrf_token": csrf, "outcome": "exchange", "lines": "MUG-03 ²"})
    assert closed.status_code == 422 and "MUG-03 ²" in closed.get_data(as_text=True)
    hours = client.post("/admin/returns", data={"csrf_token": csrf, "sla_hours": "④⑧"})
    assert hours.status_code == 422 and "type a whole number" in hours.get_data(as_text=True)


def test_a_refused_receipt_or_refund_amount_is_said_beside_its_box(client, shop, staff,
                                                                   actions):
    # The receive and refund refusals once went to keys no box read, so none showed.
    order = shipped_order(client, staff, admin=shop)
    number = open_return(client, staff, order, [{"sku": "CUP-02", "quantity": 1}])["number"]
    step(client, staff, number, "approve")
    actions.login_as("admin")
    csrf = actions.csrf(f"/returns/{number}")
    received = client.post(f"/returns/{number}/receive", data={
        "csrf_token": csrf, "received:CUP-02": "5"}).get_data(as_text=True)
    assert re.search(r'name="received:CUP-02"[^>]*aria-invalid="true">\s*'
                     r'<p class="field-error">[^<]+</p>', received)
    step(client, staff, number, "receive")
    step(client, staff, number, "inspect", {"lines": {"CUP-02": {"disposition": "write_off"}}})
    closed = client.post(f"/returns/{number}/close", data={
        "csrf_token": csrf, "outcome": "refund", "amount": "99999"}).get_data(as_text=True)
    assert re.search(r'id="close-amount"[^>]*aria-invalid="true">\s*'
                     r'<p class="field-error">[^<]+</p>', closed)
