"""The console on a phone-wide screen (390 px): no main page is wider than the screen,
and the top bar's links fold behind a Menu button that opens them."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.layout import page_width
from tests.browser.main_pages import main_pages
from tests.browser.test_staff_console import log_in

WIDTH = 390
SCREENSHOTS = "/tmp/orderloom-narrow"


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport={"width": WIDTH, "height": 800})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def overflow(page) -> int:
    """How far the page reaches past the right edge of the screen, in pixels."""
    return page_width(page) - WIDTH


def test_no_main_page_is_wider_than_a_phone(phone, live_server, client, token_for,
                                            make_user):
    paths = main_pages(client, token_for)
    phone.goto(f"{live_server}/login")
    assert overflow(phone) <= 0, "/login"
    make_user("admin", username="li.na")  # every link of the top bar
    log_in(phone, live_server, "li.na")
    wide = {}
    for path in paths:
        phone.goto(f"{live_server}{path}")
        phone.wait_for_load_state("load")
        phone.screenshot(path=f"{SCREENSHOTS}{path.replace('/', '-')}.png", full_page=True)
        if overflow(phone) > 0:
            wide[path] = overflow(phone)
    assert wide == {}


def test_the_menu_button_opens_the_links_on_a_phone(phone, live_server, client, token_for,
                                                    make_user):
    main_pages(client, token_for)
    make_user("admin", username="li.na")
    log_in(phone, live_server, "li.na")
    menu = phone.locator("#menu-button")
    links = phone.locator("#main-nav")
    expect(menu).to_be_visible()
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(links).to_be_hidden()
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(links).to_be_visible()
    links.get_by_role("link", name="Customers").click()
    expect(phone.locator("h1")).to_have_text("Customers")
    assert overflow(phone) <= 0


def test_a_wide_screen_shows_the_links_without_a_menu_button(page, live_server, client,
                                                              token_for, make_user):
    main_pages(client, token_for)
    make_user("staff", username="wang.fang")
    log_in(page, live_server, "wang.fang")
    expect(page.locator("#main-nav")).to_be_visible()
    expect(page.locator("#menu-button")).to_be_hidden()
