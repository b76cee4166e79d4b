"""A staff member finds the exception queue in the top bar, sees the order waiting
under its reason, and releases it from the page: the order moves on."""
from __future__ import annotations

from tests.browser.test_staff_console import go_to, log_in
from tests.exceptions.test_exception_queue import checking_gold_customers
from tests.platform.test_api_tokens import bearer
from tests.runtime.support import SAMPLE, create
from tests.runtime.test_approvals import publish, state


def test_staff_release_an_order_from_the_queue_and_it_moves_on(
        page, live_server, client, token_for, make_user):
    publish(client, token_for, checking_gold_customers)
    admin = bearer(token_for("admin"))
    number = create(client, admin, SAMPLE).get_json()["number"]
    make_user("staff", username="zhao.lei")
    log_in(page, live_server, "zhao.lei")
    go_to(page, "Exceptions")
    assert page.locator("#exception-counts tr[data-reason=rule] td").first.inner_text() == "1"
    card = page.locator("section.exception", has_text=number)
    assert "Gold customer: call first" in card.inner_text()
    card.locator("select[name=resolution]").select_option("release")
    card.locator("input[name=note]").fill("called, all fine")
    card.locator("button", has_text="Resolve").click()
    page.wait_for_selector("text=is resolved")
    assert f"The exception on order {number} is resolved" in page.inner_text("body")
    assert page.locator("section.exception", has_text=number).count() == 0
    assert state(client, admin, number) == "confirmed"
