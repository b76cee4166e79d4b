"""An administrator on a phone creates a custom role on the Roles page, sees a grant
they may not make refused beside its box, and the page never scrolls sideways."""
from __future__ import annotations

from tests.browser.layout import page_width
from tests.browser.test_staff_console import log_in

PHONE = 390
SCREENSHOT = "/tmp/orderloom-roles-390.png"


def overflow(page) -> int:
    """How far the page is wider than the phone's screen (0: no sideways scrolling)."""
    return page_width(page) - PHONE


def test_roles_on_a_phone_fit_the_screen_and_refusals_sit_beside_their_box(
        page, live_server, client, make_user, token_for):
    make_user("admin", username="boss")
    page.set_viewport_size({"width": PHONE, "height": 844})
    log_in(page, live_server, "boss")
    page.goto(f"{live_server}/admin/users")
    page.click("main a[href='/admin/roles']")
    assert overflow(page) <= 0

    page.fill("#role-name", "people")
    page.check("#new-role input[value='users.manage']")
    page.click("#new-role button.primary")
    assert "Role people is created." in page.locator("p.notice").inner_text()
    assert page.locator("#role-people input[value='users.manage']").is_checked()
    assert overflow(page) <= 0

    # Someone holding only `people` may manage roles, but not grant what they lack.
    make_user("people", username="hr.zhou")
    page.click("form.logout button")
    log_in(page, live_server, "hr.zhou")
    page.goto(f"{live_server}/admin/roles")
    page.fill("#role-name", "cashier")
    page.check("#new-role input[value='payments.manage']")
    page.click("#new-role button.primary")
    refusal = page.locator("#new-role p.error")
    assert refusal.inner_text() == ("you cannot grant 'payments.manage': you do not hold it "
                                    "yourself")
    box = page.locator("#new-role input[value='payments.manage']").bounding_box()
    said = refusal.bounding_box()
    assert 0 <= said["y"] - box["y"] < 120  # right under the box that was ticked
    assert page.locator("#role-cashier").count() == 0
    assert overflow(page) <= 0
    page.screenshot(path=SCREENSHOT, full_page=True)
