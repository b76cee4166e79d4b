"""The order form's product picker and customer search in Chromium: typing part of a
name, SKU or barcode offers the catalog's products and picking one fills the SKU and
the unit price; typing part of a customer offers the records and picking one fills the
customer and the order's recipient; a SKU typed by hand that the catalog lacks is
refused at its line."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.order_form_support import open_order_form
from tests.browser.test_order_form import cell
from tests.platform.test_api_tokens import bearer


def test_a_product_picked_by_barcode_fills_its_sku_and_price(
        page, live_server, client, token_for, make_user):
    open_order_form(page, live_server, client, token_for, make_user)
    sku = cell(page, 0, "sku").locator("input")
    sku.fill("500035")  # the end of a barcode
    options = cell(page, 0, "sku").locator("[role=option]")
    expect(options).to_have_text(["JEANS-32 · Slim jeans W32 · 6901234500035 · 299.00"])
    options.first.click()
    expect(sku).to_have_value("JEANS-32")
    expect(cell(page, 0, "price").locator("input")).to_have_value("299.00")
    expect(cell(page, 0, "sku").locator("[role=listbox]")).to_be_hidden()

    # By name, with the keyboard; the price fills with its thousands separator shown.
    page.click("button.add-line")
    second = cell(page, 1, "sku").locator("input")
    second.fill("t-shirt")
    expect(cell(page, 1, "sku").locator("[role=option]")).to_have_count(1)
    second.press("ArrowDown")
    second.press("Enter")
    expect(second).to_have_value("TSHIRT-WHT-M")
    cell(page, 1, "qty").locator("input").fill("2")
    expect(cell(page, 1, "amount").locator("output")).to_have_text("2,158.00")

    # A product without a price leaves the price as it was for the person to type.
    page.click("button.add-line")
    third = cell(page, 2, "sku").locator("input")
    third.fill("sock")
    cell(page, 2, "sku").locator("[role=option]").first.click()
    expect(third).to_have_value("SOCKS")
    assert cell(page, 2, "price").locator("input").input_value() == ""


def test_a_sku_typed_by_hand_that_the_catalog_lacks_is_refused_at_its_line(
        page, live_server, client, token_for, make_user):
    open_order_form(page, live_server, client, token_for, make_user)
    customer = page.locator(".form-field[data-key=customer]")
    customer.locator("[data-part=code]").fill("C-1001")
    customer.locator("[data-part=name]").fill("Wang Fang")
    ship_to = page.locator(".form-field[data-key=ship_to]")
    ship_to.locator("[data-part=country]").fill("CN")
    ship_to.locator("[data-part=province]").fill("Zhejiang")
    cell(page, 0, "sku").locator("input").fill("sneaker-42")
    cell(page, 0, "qty").locator("input").fill("1")
    cell(page, 0, "price").locator("input").fill("399")
    page.click("#save-order")
    expect(cell(page, 0, "sku").locator(".field-error")).to_have_text("no product 'sneaker-42'")
    assert client.get("/api/v1/orders", headers=bearer(token_for("staff"))).get_json()[
        "orders"] == []


def test_a_customer_picked_by_name_fills_the_customer_and_the_recipient(
        page, live_server, client, token_for, make_user):
    open_order_form(page, live_server, client, token_for, make_user)
    customer = page.locator(".form-field[data-key=customer]")
    code = customer.locator("[data-part=code]")
    code.fill("wang")
    options = customer.locator("[role=option]")
    expect(options).to_have_text(
        ["C-1001 · Wang Fang · 13800138001 · wang.fang@example.com"])
    options.first.click()
    expect(code).to_have_value("C-1001")
    assert customer.locator("[data-part=name]").input_value() == "Wang Fang"
    assert customer.locator("[data-part=phone]").input_value() == "13800138001"
    assert customer.locator("[data-part=tier]").input_value() == "vip"
    # The field that means the recipient's name, whatever it is called.
    assert page.locator("#field-receiver").input_value() == "Wang Fang"

    # By phone: the other customer replaces the first in the customer's parts.
    code.fill("138002")
    options.first.click()
    expect(code).to_have_value("C-1002")
    assert customer.locator("[data-part=tier]").input_value() == ""
    # The recipient typed or filled before is the person's: it stays.
    assert page.locator("#field-receiver").input_value() == "Wang Fang"
