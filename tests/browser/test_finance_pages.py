"""Finance in a real browser: record a payment and a refund on the order page, refuse
a refund larger than what was paid, import a statement and resolve what disagrees,
read the daily summary."""
from __future__ import annotations

from tests.browser.navigation import follow
from tests.browser.test_staff_console import go_to, log_in
from tests.designer.samples import retail
from tests.payments.conftest import staff_handle_money
from tests.platform.test_api_tokens import bearer
from tests.runtime.support import SAMPLE

SCREENSHOTS = "/tmp/orderloom-finance"


def test_staff_takes_a_payment_refunds_and_reconciles(page, live_server, client, token_for,
                                                      make_user, tmp_path):
    # The order type lets staff handle its money; handing that out is an administrator's.
    admin = bearer(token_for("admin"))
    assert client.post("/api/v1/import", headers=admin, json={
        "format": "orderloom-package/1",
        "order_types": [staff_handle_money(retail())]}).status_code == 201
    staff_api = bearer(token_for("staff"))
    number = client.post("/api/v1/orders", headers=staff_api, json={
        "order_type": "retail_order", "data": SAMPLE}).get_json()["number"]
    make_user("staff", username="qian.li")

    log_in(page, live_server, "qian.li")
    page.goto(f"{live_server}/orders/{number}")
    assert page.locator("#payment-status").inner_text() == "Unpaid"
    page.fill("#payment-amount", "2560.70")
    page.fill("#payment-method", "bank_transfer")
    page.fill("#payment-reference", "BK-778")
    page.click("#payment-form button[type=submit]")
    assert "it is now paid" in page.locator("p.notice").inner_text()
    assert page.locator("#payment-status").inner_text() == "Paid"
    assert page.locator("#amount-paid").inner_text() == "2,560.70 CNY"

    page.fill("#refund-amount", "3000")
    page.fill("#refund-reason", "too much")
    page.click("#refund-form button[type=submit]")
    notice = page.locator("p.notice.failed").inner_text()
    assert "No refund was issued: Amount: a refund of 3000 CNY is more than the 2560.70 CNY" \
        in notice
    assert page.locator("#payment-status").inner_text() == "Paid"

    page.fill("#refund-amount", "60.70")
    page.fill("#refund-reason", "one cup broken")
    page.click("#refund-form button[type=submit]")
    assert page.locator("#payment-status").inner_text() == "Partly refunded"
    assert page.locator("#amount-refunded").inner_text() == "60.70 CNY"
    page.screenshot(path=f"{SCREENSHOTS}-order-1280.png", full_page=True)

    go_to(page, "Finance")
    page.click("text=Reconciliation")
    page.click("summary")
    page.fill("#mapping-provider", "bank")
    page.fill("#column-reference", "Ref")
    page.fill("#column-amount", "Amount")
    page.fill("#column-date", "Date")
    page.click("#mapping-form button[type=submit]")
    assert page.locator("p.notice").inner_text() == "Column mapping of bank saved."
    statement = tmp_path / "bank.csv"
    statement.write_text("Ref,Amount,Date\nBK-778,2560.70,2026-11-25\nXX-1,99.00,2026-11-25\n")
    page.set_input_files("#statement-file", str(statement))
    page.click("#statement-form button[type=submit]")
    assert page.locator("p.notice").inner_text() == (
        "2 lines read, 1 matched; 1 new mismatches.")
    row = page.locator("#mismatches tr[data-kind=unmatched_line]")
    assert "99.00 CNY" in row.inner_text()
    row.locator("input[name=note]").fill("bank fee, booked by hand")
    follow(page, row.locator("button"))
    assert page.locator("p.notice").inner_text().endswith("resolved.")
    assert page.locator("#mismatches").count() == 0
    page.screenshot(path=f"{SCREENSHOTS}-reconciliation-1280.png", full_page=True)

    page.goto(f"{live_server}/finance/summary")
    today = page.locator("#summary tbody tr").last
    cells = today.locator("td").all_inner_texts()
    # day, currency, orders, value, payments, received, refunds, refunded, net, owing, out
    assert cells[1:9] == ["CNY", "1", "2,560.70", "1", "2,560.70", "1", "60.70", "2,500.00"]
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=f"{SCREENSHOTS}-summary-390.png", full_page=True)
