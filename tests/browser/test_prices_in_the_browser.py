"""Price lists in Chromium: a price manager adds a list on the Price lists page, and on
the order form a picked product's line gets the price that list gives the customer,
following the quantity into a quantity break, and keeps it when saved."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.order_form_support import open_order_form
from tests.browser.test_order_form import cell
from tests.browser.test_staff_console import go_to, log_in
from tests.platform.test_api_tokens import bearer


def test_a_price_manager_adds_a_list_and_is_told_of_a_wrong_line(
        page, live_server, client, token_for, make_user):
    admin = bearer(token_for("admin"))
    assert client.post("/api/v1/products", headers=admin, json={
        "sku": "JEANS-32", "name": "Slim jeans W32"}).status_code == 201
    make_user("admin", username="zhao.min")
    log_in(page, live_server, "zhao.min")
    go_to(page, "Price lists")
    expect(page.locator("h1")).to_have_text("Price lists")
    page.fill("#code", "vip")
    page.fill("#name", "VIP customers")
    page.fill("#customer_tier", "vip")
    page.fill("#valid_from", "2026-01-01")
    page.fill("#prices", "JEANS-32 259.00\nJEANS-32 3 239.00\nJEANS-33 100")
    page.click("button.primary >> text=Save")
    expect(page.locator("p.error")).to_have_text(
        "Prices, line 3: there is no product JEANS-33 in the catalog.")
    expect(page.locator("#prices")).to_have_value(
        "JEANS-32 259.00\nJEANS-32 3 239.00\nJEANS-33 100")
    page.fill("#prices", "JEANS-32 259.00\nJEANS-32 3 239.00")
    page.click("button.primary >> text=Save")
    row = page.locator("#price-lists tr[data-code=vip]")
    expect(row).to_contain_text("tier vip")
    expect(row).to_contain_text("2026-01-01 – …")
    saved = client.get("/api/v1/price-lists/vip", headers=admin).get_json()
    assert saved["prices"] == [{"sku": "JEANS-32", "min_quantity": 1, "price": "259.00"},
                               {"sku": "JEANS-32", "min_quantity": 3, "price": "239.00"}]


def test_the_order_form_fills_the_price_the_customers_list_gives(
        page, live_server, client, token_for, make_user):
    admin = bearer(token_for("admin"))
    # Before the form opens; open_order_form adds the products and customers first.
    open_order_form(page, live_server, client, token_for, make_user)
    assert client.post("/api/v1/price-lists", headers=admin, json={
        "code": "vip", "currency": "CNY", "customer_tier": "vip",
        "prices": [{"sku": "JEANS-32", "price": "259.00"},
                   {"sku": "JEANS-32", "min_quantity": 3, "price": "239.00"}]}
    ).status_code == 201
    customer = page.locator(".form-field[data-key=customer]")
    customer.locator("[data-part=code]").fill("wang")
    customer.locator("[role=option]").first.click()
    expect(customer.locator("[data-part=tier]")).to_have_value("vip")
    ship_to = page.locator(".form-field[data-key=ship_to]")
    ship_to.locator("[data-part=country]").fill("CN")
    ship_to.locator("[data-part=province]").fill("Zhejiang")

    sku = cell(page, 0, "sku").locator("input")
    sku.fill("jeans")
    cell(page, 0, "sku").locator("[role=option]").first.click()
    price = cell(page, 0, "price").locator("input")
    expect(price).to_have_value("259.00")  # the VIP list's, not the catalog's 299.00
    quantity = cell(page, 0, "qty").locator("input")
    quantity.fill("3")
    quantity.press("Tab")
    expect(price).to_have_value("239.00")  # the break from three pieces
    expect(cell(page, 0, "amount").locator("output")).to_have_text("717.00")

    # A price the person types stays theirs when the quantity changes again.
    price.fill("230.00")
    quantity.fill("4")
    quantity.press("Tab")
    expect(price).to_have_value("230.00")
    page.click("#save-order")
    expect(page.locator("#below-list")).to_contain_text(
        "Line 1, JEANS-32 × 4: 230.00 CNY, list price 239.00 CNY (price list vip)")
    staff = bearer(token_for("staff"))
    (order,) = client.get("/api/v1/orders", headers=staff).get_json()["orders"]
    stored = client.get(f"/api/v1/orders/{order['number']}", headers=staff).get_json()
    assert stored["data"]["items"][0]["price"] == "230.00"


def test_the_form_prices_only_what_is_shown_and_follows_the_customer(
        page, live_server, client, token_for, make_user):
    # Once a slow answer for an older quantity overwrote the newer one, an answer on its
    # way overwrote a price just typed, and another customer left the old list's prices.
    admin = bearer(token_for("admin"))
    open_order_form(page, live_server, client, token_for, make_user)
    assert client.post("/api/v1/price-lists", headers=admin, json={
        "code": "vip", "currency": "CNY", "customer_tier": "vip",
        "prices": [{"sku": "JEANS-32", "price": "259.00"},
                   {"sku": "JEANS-32", "min_quantity": 3, "price": "239.00"},
                   {"sku": "JEANS-32", "min_quantity": 5, "price": "219.00"}]}
    ).status_code == 201
    customer = page.locator(".form-field[data-key=customer]")
    customer.locator("[data-part=code]").fill("wang")
    customer.locator("[role=option]").first.click()
    expect(customer.locator("[data-part=tier]")).to_have_value("vip")
    cell(page, 0, "sku").locator("input").fill("jeans")
    cell(page, 0, "sku").locator("[role=option]").first.click()
    price = cell(page, 0, "price").locator("input")
    quantity = cell(page, 0, "qty").locator("input")
    expect(price).to_have_value("259.00")

    held = []

    def hold_three(route):
        if "quantity=3" in route.request.url and not held:
            held.append(route)
        else:
            route.continue_()

    page.route("**/unit-price?*", hold_three)
    quantity.fill("3")
    quantity.press("Tab")
    quantity.fill("5")
    quantity.press("Tab")
    expect(price).to_have_value("219.00")
    with page.expect_response(lambda r: "quantity=3" in r.url):
        held[0].continue_()
    page.wait_for_timeout(200)  # the late answer's turn to run, had it been kept
    expect(price).to_have_value("219.00")

    held.clear()
    quantity.fill("3")
    quantity.press("Tab")
    price.fill("200.00")
    with page.expect_response(lambda r: "quantity=3" in r.url):
        held[0].continue_()
    page.wait_for_timeout(200)
    expect(price).to_have_value("200.00")
    page.unroute("**/unit-price?*")

    # A price the form filled follows another customer; Li Ming has no list: the
    # catalog's price.
    price.fill("")
    cell(page, 0, "sku").locator("input").fill("jeans")
    cell(page, 0, "sku").locator("[role=option]").first.click()
    expect(price).to_have_value("239.00")
    customer.locator("[data-part=code]").fill("li ming")
    customer.locator("[role=option]").first.click()
    expect(customer.locator("[data-part=code]")).to_have_value("C-1002")
    expect(price).to_have_value("299.00")
