"""An administrator subscribes the ERP on the Webhooks page, keeps the secret shown
once, reads a delivery's attempts and sends it again."""
from __future__ import annotations

import pytest

from tests.browser.test_staff_console import go_to, log_in
from tests.designer.samples import retail
from tests.platform.test_api_tokens import bearer
from tests.runtime.support import create
from tests.webhooks.support import Receiver

# The outbound client calls 127.0.0.1 only when allowed:
# the ERP of this test listens on 127.0.0.1.
pytestmark = pytest.mark.usefixtures("outbound_to_loopback")

SCREENSHOT = "/tmp/orderloom-webhooks.png"


def test_an_admin_subscribes_reads_the_log_and_resends(page, live_server, client, token_for,
                                                       make_user):
    designer = bearer(token_for("designer"))
    assert client.post("/api/v1/import", headers=designer, json={
        "format": "orderloom-package/1", "order_types": [retail()]}).status_code == 201
    make_user("admin", username="boss")
    with Receiver() as erp:
        log_in(page, live_server, "boss")
        go_to(page, "Webhooks")
        page.fill("#webhook-name", "Kingdee ERP")
        page.fill("#webhook-url", erp.url)
        page.check("input[name=events][value='order.created']")
        page.click("button.primary:text-is(\"Subscribe\")")
        erp.secret = page.locator("#secret").inner_text()
        assert erp.secret.startswith("olwhs_")
        assert "Kingdee ERP" in page.locator("#subscriptions").inner_text()

        number = create(client, bearer(token_for("staff"))).get_json()["number"]
        page.goto(f"{live_server}/admin/webhooks")
        assert page.locator("#secret").count() == 0  # shown once only
        row = page.locator("#deliveries tbody tr").first
        assert "order.created" in row.inner_text() and "delivered" in row.inner_text()
        row.locator("summary").click()
        assert "200" in row.locator("ol").inner_text()
        page.screenshot(path=SCREENSHOT, full_page=True)
        row.locator("button", has_text="Re-send").click()
        assert "is being sent again" in page.locator("p.notice").inner_text()
    assert [r["headers"]["Idempotency-Key"] for r in erp.requests] == (
        [erp.requests[0]["headers"]["Idempotency-Key"]] * 2)
    assert all(r["signature_valid"] for r in erp.requests)
    assert list(erp.processed.values())[0]["data"]["order"]["number"] == number
