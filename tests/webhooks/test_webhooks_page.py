"""The administrators' webhooks page: subscribe, see the secret once, read the log,
re-send."""
from __future__ import annotations

import re
import time

from orderloom.platform.app import JOBS
from orderloom.runtime.jobs.sweeper import sweep
from tests.runtime.support import create
from tests.webhooks.conftest import FIRST_WAIT
from tests.webhooks.support import Receiver


def test_an_admin_subscribes_and_resends_from_the_page(app, client, actions, published,
                                                        token_for):
    actions.login_as("admin")
    page = client.get("/admin/webhooks")
    assert page.status_code == 200 and "No system is subscribed yet." in page.get_data(
        as_text=True)
    with Receiver(fail_first=1) as erp:
        refused = client.post("/admin/webhooks", data={
            "csrf_token": actions.csrf("/admin/webhooks"), "name": "ERP", "url": erp.url,
            "events": ["order.created"], "custom_events": "order.creatd"})
        assert refused.status_code == 422
        assert "did you mean &#39;order.created&#39;?" in refused.get_data(as_text=True)
        made = client.post("/admin/webhooks", data={
            "csrf_token": actions.csrf("/admin/webhooks"), "name": "ERP", "url": erp.url,
            "events": ["order.created"]})
        assert made.status_code == 201
        html = made.get_data(as_text=True)
        erp.secret = re.search(r'<code id="secret">([^<]+)</code>', html).group(1)
        assert erp.secret not in client.get("/admin/webhooks").get_data(as_text=True)

        staff = {"Authorization": f"Bearer {token_for('staff')}"}
        assert create(client, staff).status_code == 201  # first attempt: 500
        log = client.get("/admin/webhooks?status=pending").get_data(as_text=True)
        assert "order.created" in log and "answered 500" in log
        assert "Re-send" not in log  # still being sent: the retry is scheduled
        delivery = re.search(r'data-delivery="(\d+)"', log).group(1)
        answer = client.post(f"/admin/webhooks/deliveries/{delivery}/resend",
                             data={"csrf_token": actions.csrf("/admin/webhooks")},
                             follow_redirects=True)
        assert "is still being sent" in answer.get_data(as_text=True)

        time.sleep(FIRST_WAIT)  # the retry comes due; the sweeper sends it
        sweep(app.extensions[JOBS].sessions, runner=app.extensions[JOBS].runner)
        settled = client.get("/admin/webhooks?status=delivered").get_data(as_text=True)
        assert f'data-delivery="{delivery}"' in settled and "Re-send" in settled
        answer = client.post(f"/admin/webhooks/deliveries/{delivery}/resend",
                             data={"csrf_token": actions.csrf("/admin/webhooks")},
                             follow_redirects=True)
        assert "is being sent again with the same Idempotency-Key" in answer.get_data(
            as_text=True)
    assert [r["status"] for r in erp.requests] == [500, 200, 200]
    assert len({r["headers"]["Idempotency-Key"] for r in erp.requests}) == 1


def test_staff_do_not_see_the_webhooks_page(client, actions):
    actions.login_as("staff")
    assert client.get("/admin/webhooks").status_code == 403
    assert "/admin/webhooks" not in client.get("/").get_data(as_text=True)
