"""The designer's action list offers every registered action type with its settings,
drawn from the type's own description."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.test_designer_editing import open_retail
from tests.platform.test_api_tokens import bearer


def test_a_document_action_offers_the_documents_there_are(page, live_server, client,
                                                           token_for, make_user):
    open_retail(page, live_server, client, token_for, make_user, "#rules")
    page.click("button.add-rule")
    rule = page.locator('[data-block="rules"] .wf-item').nth(2)
    rule.locator("input").nth(0).fill("print_slip")
    rule.locator(".formula-input textarea").first.fill("total > 0")
    action = rule.locator(".action").first
    action.locator("select").first.select_option("create_document")
    expect(action.locator("select").nth(1).locator("option")).to_have_text(
        ["Pick list", "Packing slip", "Shipping label", "Invoice"])
    action.locator("select").nth(1).select_option("invoice")
    expect(page.locator("#problem-count")).to_have_text("No problems")
    page.click("#save")
    expect(page.locator("#save-state")).to_have_text("All changes saved")
    designer = bearer(token_for("designer"))
    draft = client.get("/api/v1/order-types/retail_order", headers=designer).get_json()["draft"]
    saved = next(r for r in draft["rules"] if r["key"] == "print_slip")
    assert saved["then"] == [{"type": "create_document", "document": "invoice"}]


def test_a_hold_is_offered_with_its_reason_in_each_language(page, live_server, client,
                                                           token_for, make_user):
    open_retail(page, live_server, client, token_for, make_user, "#rules")
    page.click("button.add-rule")
    rule = page.locator('[data-block="rules"] .wf-item').nth(2)
    rule.locator("input").nth(0).fill("check_big")
    rule.locator(".formula-input textarea").first.fill("total > 20000")
    action = rule.locator(".action").first
    action.locator("select").first.select_option(label="Hold the order")
    expect(action.locator("label.wf-prop span")).to_have_text(["Reason (English)",
                                                               "Reason (Chinese)"])
    action.locator("label.wf-prop input").nth(0).fill("Check the payment first")
    action.locator("label.wf-prop input").nth(1).fill("请先核实付款")
    expect(page.locator("#problem-count")).to_have_text("No problems")
    page.click("#save")
    expect(page.locator("#save-state")).to_have_text("All changes saved")
    designer = bearer(token_for("designer"))
    draft = client.get("/api/v1/order-types/retail_order", headers=designer).get_json()["draft"]
    saved = next(r for r in draft["rules"] if r["key"] == "check_big")
    assert saved["then"] == [{"type": "hold", "reason": {"en": "Check the payment first",
                                                         "zh": "请先核实付款"}}]


def test_a_shipment_action_can_choose_the_cheapest_carrier(page, live_server, client,
                                                           token_for, make_user):
    open_retail(page, live_server, client, token_for, make_user, "#rules")
    page.click("button.add-rule")
    rule = page.locator('[data-block="rules"] .wf-item').nth(2)
    rule.locator("input").nth(0).fill("ship_cheaply")
    rule.locator(".formula-input textarea").first.fill("total > 0")
    action = rule.locator(".action").first
    action.locator("select").first.select_option("create_shipment")
    choose = action.locator("label.wf-prop", has_text="Choose the carrier by quote")
    expect(choose.locator("option")).to_have_text(["No: the carrier above", "The cheapest",
                                                   "The fastest"])
    choose.locator("select").select_option("cheapest")
    expect(page.locator("#problem-count")).to_have_text("No problems")
    page.click("#save")
    expect(page.locator("#save-state")).to_have_text("All changes saved")
    designer = bearer(token_for("designer"))
    draft = client.get("/api/v1/order-types/retail_order", headers=designer).get_json()["draft"]
    saved = next(r for r in draft["rules"] if r["key"] == "ship_cheaply")
    assert saved["then"] == [{"type": "create_shipment", "carrier": "local",
                              "choose": "cheapest"}]
