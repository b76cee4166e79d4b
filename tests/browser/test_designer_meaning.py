"""A business user says what a field holds in the designer, and a store connected to
their order type fills it: the choice offers only what fits the field, a meaning given
twice shows the usual problem at the field, and the choice survives a save and reload."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.test_designer_editing import open_retail
from tests.channels.store_payloads import SHOPIFY_SECRET, shopify_delivery, shopify_order
from tests.platform.test_api_tokens import bearer


def offered(page) -> list[str]:
    return page.locator("#prop-meaning option").all_inner_texts()


def test_a_meaning_chosen_in_the_designer_is_saved_and_a_store_fills_that_field(
        page, live_server, client, token_for, make_user):
    open_retail(page, live_server, client, token_for, make_user)
    # A long text can only be the buyer's note; a customer field has nothing to choose.
    page.click('.canvas-field[data-key="note"] .field-name')
    expect(page.locator("#prop-meaning")).to_have_value("")
    assert offered(page) == ["Nothing in particular", "Buyer's note"]
    page.select_option("#prop-meaning", label="Buyer's note")
    page.click('.canvas-field[data-key="customer"] .field-name')
    expect(page.locator("#prop-label-en")).to_have_value("Customer")
    expect(page.locator("#prop-meaning")).to_have_count(0)
    # A line's whole-number column offers the line's quantity, not the order's parts.
    page.locator('.line-column[data-lines="items"][data-key="qty"]').click()
    assert offered(page) == ["Nothing in particular", "Quantity"]
    page.select_option("#prop-meaning", "quantity")

    # A second long text said to be the buyer's note too: the usual problem, at it,
    # and the first keeps its meaning.
    page.click('.canvas-field[data-key="note"] .field-name')
    page.locator('.palette-item[data-type="long_text"] button').focus()
    page.keyboard.press("Enter")
    page.select_option("#prop-meaning", "note")
    problem = page.locator('#field-panel .prop-problem[data-member="meaning"]')
    expect(problem).to_have_text("'note' already means note; one field per meaning")
    expect(page.locator("#problem-count")).to_have_text("Problems: 1")
    page.click('.canvas-field[data-key="note"] .field-name')
    expect(page.locator("#prop-meaning")).to_have_value("note")
    expect(problem).to_have_text("'note' already means note; one field per meaning")
    page.keyboard.press("Control+z")  # the second note's meaning
    page.keyboard.press("Control+z")  # the second note
    expect(page.locator("#problem-count")).to_have_text("No problems")
    expect(problem).to_be_hidden()

    page.keyboard.press("Control+s")
    expect(page.locator("#save-state")).to_have_text("All changes saved")
    page.reload()
    page.click('.canvas-field[data-key="note"] .field-name')
    expect(page.locator("#prop-meaning")).to_have_value("note")
    expect(page.locator("#prop-meaning option:checked")).to_have_text("Buyer's note")
    page.locator('.line-column[data-lines="items"][data-key="qty"]').click()
    expect(page.locator("#prop-meaning")).to_have_value("quantity")

    # Published and connected, a store's order puts its buyer's note in that field.
    designer = bearer(token_for("designer"))
    assert client.post("/api/v1/order-types/retail_order/publish",
                       headers=designer).status_code == 201
    admin = bearer(token_for("admin"))
    connected = client.post("/api/v1/channels", headers=admin, json={
        "key": "shop", "name": "Our Shopify store", "kind": "shopify",
        "order_type": "retail_order", "webhook_secret": SHOPIFY_SECRET,
        "store_url": "https://orderloom-test.myshopify.com"})
    assert connected.status_code == 201, connected.get_json()
    assert "the customer's note (a long text field meaning note)" not in connected.get_json()[
        "not_carried"]
    answer = shopify_delivery(client, "shop", shopify_order())
    assert answer.status_code == 201, answer.get_json()
    order = client.get(f"/api/v1/orders/{answer.get_json()['order']}", headers=admin).get_json()
    assert order["data"]["note"] == shopify_order()["note"]


def test_the_choice_speaks_chinese_in_a_chinese_designer(
        page, live_server, client, token_for, make_user):
    open_retail(page, live_server, client, token_for, make_user, suffix="?lang=zh")
    page.click('.canvas-field[data-key="ship_to"] .field-name')
    expect(page.locator('label[for="prop-meaning"]')).to_have_text("这个字段是什么")
    assert offered(page) == ["无特别含义", "收货地址"]
