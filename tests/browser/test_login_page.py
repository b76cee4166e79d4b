"""Logging in and managing tokens in a real browser."""
from __future__ import annotations

from tests.conftest import TEST_PASSWORD


def test_a_person_logs_in_sees_the_start_page_and_logs_out(page, live_server, make_user):
    make_user("staff", username="li.wei")
    page.goto(f"{live_server}/")
    assert page.url == f"{live_server}/login?next=/"
    page.fill("#username", "li.wei")
    page.fill("#password", "not the password")
    page.click("button.primary")
    assert page.locator("p.error").inner_text() == "Wrong username or password."
    page.fill("#password", TEST_PASSWORD)
    page.click("button.primary")
    assert page.locator("h1").inner_text() == "Welcome, li.wei"
    cookie = next(c for c in page.context.cookies() if c["name"] == "orderloom_session")
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Lax"
    page.click("text=Log out")
    assert page.locator("p.notice").inner_text() == "You are logged out."


def test_a_token_created_on_the_page_is_shown_once(page, live_server, make_user):
    make_user("staff", username="li.wei")
    page.goto(f"{live_server}/login")
    page.fill("#username", "li.wei")
    page.fill("#password", TEST_PASSWORD)
    page.click("button.primary")
    page.click("text=API tokens")
    page.fill("#token-name", "Web shop")
    page.click("text=Create token")
    token = page.locator("#new-token").inner_text()
    assert token.startswith("olt_")
    response = page.request.get(f"{live_server}/api/v1/me",
                                headers={"Authorization": f"Bearer {token}"})
    assert response.json()["username"] == "li.wei"
    page.reload()
    assert page.locator("#new-token").count() == 0
    assert "Web shop" in page.locator("table").inner_text()
