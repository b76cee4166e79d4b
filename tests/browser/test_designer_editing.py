"""The designer's editing aids in a real browser: keyboard instead of dragging, undo
and redo, the warning on leaving and the unsaved changes offered back, the live
preview, the decision table grid, print template preview, routing, Chinese, and a
tablet-wide screen."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.layout import page_width
from tests.browser.test_designer_acceptance import canvas_keys, wf_item
from tests.browser.test_staff_console import log_in
from tests.designer.samples import retail
from tests.platform.test_api_tokens import bearer


def open_retail(page, live_server, client, token_for, make_user, suffix: str = "") -> None:
    designer = bearer(token_for("designer"))
    assert client.post("/api/v1/import", headers=designer, json={
        "format": "orderloom-package/1", "order_types": [retail()]}).status_code == 201
    make_user("designer", username="dana")
    log_in(page, live_server, "dana")
    page.goto(f"{live_server}/designer/retail_order{suffix}")
    expect(page.locator("#save-state")).to_have_text(re.compile("."))


def test_every_drag_has_a_keyboard_way_and_undo_redo_step_through_changes(
        page, live_server, client, token_for, make_user):
    open_retail(page, live_server, client, token_for, make_user)
    assert canvas_keys(page) == ["customer", "ship_to", "priority", "items", "total",
                                 "discount", "note"]
    # Add a field from the palette with the keyboard: it goes after the selected one.
    page.locator('.canvas-field[data-key="customer"]').focus()
    page.keyboard.press("Enter")
    page.locator('.palette-item[data-type="email"] button').focus()
    page.keyboard.press("Enter")
    # The customer's section is the first one (customer, ship_to): the email ends it.
    assert canvas_keys(page) == ["customer", "ship_to", "email", "priority", "items", "total",
                                 "discount", "note"]
    expect(page.locator("#prop-label-en")).to_have_value("Email")
    # Move it up across the section boundary with Alt+Up.
    page.locator('.canvas-field[data-key="email"]').focus()
    page.keyboard.press("Alt+ArrowUp")
    page.keyboard.press("Alt+ArrowUp")
    assert canvas_keys(page)[:3] == ["email", "customer", "ship_to"]
    page.keyboard.press("Alt+ArrowUp")  # at the very top: stays
    assert canvas_keys(page)[0] == "email"
    # Delete removes it; undo brings it back, redo removes it again.
    page.locator('.canvas-field[data-key="email"]').focus()
    page.keyboard.press("Delete")
    assert "email" not in canvas_keys(page)
    page.click("#undo")
    assert canvas_keys(page)[0] == "email"
    page.click("#redo")
    assert "email" not in canvas_keys(page)
    # Typing in one box is one undo step.
    page.click('.canvas-field[data-key="note"] .field-name')
    page.fill("#prop-label-en", "")
    page.locator("#prop-label-en").type("Remarks")
    expect(page.locator('.canvas-field[data-key="note"] .field-name')).to_have_text("Remarks")
    page.click("#undo")
    expect(page.locator('.canvas-field[data-key="note"] .field-name')).to_have_text("Note")
    # The line columns too.
    page.locator('.line-column[data-key="amount"]').focus()
    page.keyboard.press("Alt+ArrowUp")
    columns = page.locator('.line-column[data-lines="items"]').evaluate_all(
        "items => items.map(item => item.dataset.key)")
    assert columns == ["sku", "qty", "amount", "price"]


def test_leaving_with_unsaved_changes_warns_and_a_reload_offers_them_back(
        page, live_server, client, token_for, make_user):
    open_retail(page, live_server, client, token_for, make_user)
    page.click('.canvas-field[data-key="note"] .field-name')
    page.fill("#prop-label-en", "Remarks")
    expect(page.locator("#save-state")).to_have_text("Unsaved changes")
    asked = []

    def answer(dialog):
        asked.append(dialog.type)
        dialog.accept()

    page.on("dialog", answer)
    page.reload()
    assert asked == ["beforeunload"]
    banner = page.locator("#leftover")
    expect(banner).to_be_visible()
    expect(page.locator('.canvas-field[data-key="note"] .field-name')).to_have_text("Note")
    banner.locator("button.restore").click()
    expect(page.locator('.canvas-field[data-key="note"] .field-name')).to_have_text("Remarks")
    # Saved, it is what the page shows after a reload, and nothing is asked.
    page.keyboard.press("Control+s")
    expect(page.locator("#save-state")).to_have_text("All changes saved")
    page.reload()
    assert asked == ["beforeunload"]
    expect(page.locator("#leftover")).to_be_hidden()
    expect(page.locator('.canvas-field[data-key="note"] .field-name')).to_have_text("Remarks")


def test_the_live_preview_recalculates_computed_fields_as_you_type(
        page, live_server, client, token_for, make_user):
    open_retail(page, live_server, client, token_for, make_user)
    # A change not saved yet is in the preview already.
    page.click('.canvas-field[data-key="total"] .field-name')
    page.locator("#field-panel textarea.formula").first.fill("SUM(items.amount) + 10")
    page.click("#show-preview")
    row = page.locator(".preview-lines tbody tr").first
    row.locator('input[name="qty"]').fill("3")
    row.locator('input[name="price"]').fill("12.50")
    expect(page.locator('output[data-line-computed="items.0.amount"]')).to_have_text("37.50")
    expect(page.locator('output[data-computed="total"]')).to_have_text("47.50")
    row.locator('input[name="qty"]').fill("4")
    expect(page.locator('output[data-computed="total"]')).to_have_text("60.00")
    # The note is only shown for rush orders.
    note = page.locator('[data-preview-field="note"]')
    expect(note).to_be_hidden()
    page.select_option('#form-preview select[name="priority"]', "rush")
    expect(note).to_be_visible()


def test_rules_and_a_decision_table_grid(page, live_server, client, token_for, make_user):
    open_retail(page, live_server, client, token_for, make_user, "#rules")
    page.click("button.add-rule")
    rule = page.locator('[data-block="rules"] .wf-item').nth(2)
    rule.locator("input").nth(0).fill("vip_check")
    when = rule.locator(".formula-input textarea").first
    when.fill("customr.tier = \"gold\"")
    expect(rule.locator(".formula-message").first).to_contain_text("did you mean 'customer'?")
    expect(rule.locator("mark.squiggle")).to_have_text("customr")
    rule.locator("button.did-you-mean").click()
    expect(when).to_have_value("customer.tier = \"gold\"")
    rule.locator(".action select").first.select_option("block")
    rule.locator(".action input").first.fill("Gold customers order by phone")
    expect(page.locator("#problem-count")).to_have_text("No problems")
    grid = page.locator('table.decision-table[data-table="shipping_class"]')
    expect(grid.locator("tbody tr")).to_have_count(2)
    first = grid.locator("tbody tr").nth(0).locator("td.cell textarea.formula").nth(0)
    first.fill("value > 1000 AND valeu < 9000")
    expect(grid.locator("tbody tr").nth(0).locator(".formula-message").first).to_contain_text(
        "did you mean 'value'?")
    grid.locator("tbody tr").nth(0).locator("button.did-you-mean").click()
    expect(first).to_have_value("value > 1000 AND value < 9000")
    first.press("Enter")
    second = grid.locator("tbody tr").nth(1).locator("td.cell textarea.formula").nth(0)
    expect(second).to_be_focused()
    page.locator(".table-block button.add-row").click()
    expect(grid.locator("tbody tr")).to_have_count(3)
    expect(page.locator("#problem-count")).to_have_text("No problems")


def test_print_templates_preview_on_a_sample_order_and_routing_is_edited(
        page, live_server, client, token_for, make_user):
    open_retail(page, live_server, client, token_for, make_user, "#print")
    page.fill("#print-template", "<h1>{{ order.number }}</h1><p>Total {{ order.data.total }}</p>")
    frame = page.frame_locator("iframe.print-preview")
    expect(frame.locator("h1")).to_have_text("SO-000001")
    expect(frame.locator("p")).to_contain_text("Total")
    page.fill("#print-template", "{% for line in order.lines %}")
    expect(page.locator(".print-source .error")).to_contain_text(
        "template error on line 1: Unexpected end of template")

    page.click("#tab-button-routing")
    page.select_option("#routing-strategy", "most_stock")
    page.click("#tab-button-publish")
    expect(page.locator(".publish-changes")).to_contain_text("Changed setting routing")
    expect(page.locator(".publish-changes")).to_contain_text("Changed print template pick_list")
    # Version 1 back into the draft: nothing left to publish.
    page.locator(".publish-history tr[data-version='1'] button.restore-version").click()
    expect(page.locator("#designer-status")).to_contain_text("Version 1 is in the draft now")
    expect(page.locator(".publish-changes")).to_have_text("No changes.")
    page.click("#publish-button")
    expect(page.locator(".publish-status")).to_contain_text(
        "the draft is the same as version 1; there is nothing to publish")


def test_the_designer_in_chinese_at_tablet_width(browser, live_server, client, token_for,
                                                  make_user):
    context = browser.new_context(viewport={"width": 768, "height": 1024}, locale="zh-CN")
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        open_retail(page, live_server, client, token_for, make_user)
        expect(page.locator("#tab-button-workflow")).to_have_text("流程")
        expect(page.locator("#save")).to_have_text("保存草稿")
        # Nothing sticks out sideways, and the properties sit under the canvas.
        assert page_width(page) <= 768
        canvas = page.locator("#form-canvas").bounding_box()
        panel = page.locator("#field-panel").bounding_box()
        assert panel["y"] >= canvas["y"] + canvas["height"]
        page.click("#tab-button-workflow")
        item = wf_item(page, "transitions", 0)
        expect(item.locator("input").nth(0)).to_have_value("submit")
        assert page_width(page) <= 768
        page.screenshot(path="/tmp/orderloom-designer-workflow-768.png", full_page=True)
    finally:
        context.close()


def test_renaming_a_state_renames_it_where_it_is_used(page, live_server, client, token_for,
                                                      make_user):
    open_retail(page, live_server, client, token_for, make_user, "#workflow")
    key = wf_item(page, "states", 1).locator("input").nth(0)
    key.fill("checking")
    key.press("Tab")
    expect(page.locator("#workflow-diagram [data-state=checking]")).to_have_count(1)
    submit = wf_item(page, "transitions", 0)
    expect(submit.locator("select")).to_have_value("checking")
    expect(wf_item(page, "approvals", 0).locator("select").first).to_have_value("checking")
    expect(page.locator("#problem-count")).to_have_text("No problems")


def test_a_shipment_action_takes_its_carrier_from_a_field(page, live_server, client, token_for,
                                                           make_user):
    """Book a shipment and Refund are in the action list with their settings; the
    carrier may come from a form field."""
    open_retail(page, live_server, client, token_for, make_user, "#rules")
    page.click("button.add-rule")
    rule = page.locator('[data-block="rules"] .wf-item').nth(2)
    rule.locator("input").nth(0).fill("ship_at_once")
    rule.locator(".formula-input textarea").first.fill('channel = "pos"')
    action = rule.locator(".action").first
    action.locator("select").first.select_option("create_shipment")
    expect(action.locator("input").first).to_have_value("local")
    # Only choice and text fields are offered; the sample form's one choice field
    # stands in for a carrier choice.
    offered = action.locator("select").nth(1).locator("option")
    expect(offered).to_have_text(["—", "Priority"])
    action.locator("select").nth(1).select_option("priority")
    rule.locator("button.add-action").click()
    refund = rule.locator(".action").nth(1)
    refund.locator("select").first.select_option("refund")
    refund.locator("label.wf-prop input").fill("Sold out")
    # A designer holds no payment permission: the refund is theirs to draft, not to
    # publish, and the problems list says so at the action.
    expect(page.locator("#problem-count")).to_have_text("Problems: 1")
    expect(page.locator("#problem-list")).to_contain_text(
        "rule “ship_at_once” › then › 1: publishing a refund action needs the permission "
        "payments.manage")
    page.click("#save")
    expect(page.locator("#save-state")).to_have_text("All changes saved")
    designer = bearer(token_for("designer"))
    draft = client.get("/api/v1/order-types/retail_order", headers=designer).get_json()["draft"]
    saved = next(r for r in draft["rules"] if r["key"] == "ship_at_once")
    assert saved["then"] == [{"type": "create_shipment", "carrier": "local",
                              "carrier_field": "priority"},
                             {"type": "refund", "reason": "Sold out"}]


def test_each_state_says_what_it_means_for_the_business(page, live_server, client, token_for,
                                                        make_user):
    open_retail(page, live_server, client, token_for, make_user, "#workflow")
    delivered = wf_item(page, "states", 4).get_by_label("Means for the business")
    expect(delivered).to_have_value("fulfilled")
    # An end state is never open work nor on its way: those are not offered.
    expect(delivered.locator("option")).to_have_text(["Fulfilled", "Cancelled", "Returned"])
    delivered.select_option("returned")
    # Made an end state, an open state takes the end states' usual meaning.
    confirmed = wf_item(page, "states", 2)
    expect(confirmed.get_by_label("Means for the business")).to_have_value("open")
    confirmed.get_by_label("Kind").select_option("terminal")
    expect(wf_item(page, "states", 2).get_by_label("Means for the business")) \
        .to_have_value("fulfilled")
    page.click("#save")
    expect(page.locator("#save-state")).to_have_text("All changes saved")
    designer = bearer(token_for("designer"))
    draft = client.get("/api/v1/order-types/retail_order", headers=designer).get_json()["draft"]
    states = {s["key"]: (s["kind"], s["category"]) for s in draft["workflow"]["states"]}
    assert states["delivered"] == ("terminal", "returned")
    assert states["confirmed"] == ("terminal", "fulfilled")


def test_who_may_record_money_is_ticked_on_the_workflow_tab(page, live_server, client,
                                                           token_for, make_user):
    open_retail(page, live_server, client, token_for, make_user, "#workflow")
    money = page.locator('[data-block="money"]')
    money.locator('[data-key="refund"]').get_by_label("staff").check()
    expect(page.locator("#problem-count")).to_have_text("Problems: 1")
    expect(money.locator('[data-key="refund"] .prop-problem')).to_contain_text(
        "needs the permission payments.manage")
    page.click("#save")
    expect(page.locator("#save-state")).to_have_text("All changes saved")
    designer = bearer(token_for("designer"))
    draft = client.get("/api/v1/order-types/retail_order", headers=designer).get_json()["draft"]
    assert draft["money"] == {"refund": ["staff"]}
    money.locator('[data-key="refund"]').get_by_label("staff").uncheck()
    expect(page.locator("#problem-count")).to_have_text("No problems")


def test_who_may_see_and_work_on_the_orders_is_set_on_the_workflow_tab(
        page, live_server, client, token_for, make_user):
    open_retail(page, live_server, client, token_for, make_user, "#workflow")
    access = page.locator('[data-block="access"]')
    access.locator('[data-key="see"]').get_by_label("staff").check()
    # The sample's big orders are approved by admin and escalated to admin: a see that
    # leaves admin out leaves them to nobody, and the approval says so.
    expect(page.locator("#problem-count")).to_have_text("Problems: 2")
    expect(page.locator("#problem-list")).to_contain_text("the role 'admin' approves here")
    expect(page.locator("#problem-list")).to_contain_text("the role 'admin' is escalated to")
    access.locator('[data-key="see"]').get_by_label("admin").check()
    access.locator('[data-key="act"]').get_by_label("designer").check()
    # Acting needs seeing: a role see leaves out is a problem at its place.
    expect(access.locator('[data-key="act"] .prop-problem')).to_contain_text("add it to see too")
    access.locator('[data-key="act"]').get_by_label("designer").uncheck()
    access.locator('[data-key="see"]').get_by_label("People by username").fill("nobody.here")
    expect(access.locator('[data-key="see"] .prop-problem')).to_contain_text(
        "there is no user 'nobody.here'")
    access.locator('[data-key="see"]').get_by_label("People by username").fill("")
    expect(page.locator("#problem-count")).to_have_text("No problems")
    page.click("#save")
    expect(page.locator("#save-state")).to_have_text("All changes saved")
    designer = bearer(token_for("designer"))
    draft = client.get("/api/v1/order-types/retail_order", headers=designer).get_json()["draft"]
    assert draft["access"] == {"see": {"roles": ["admin", "staff"]}}
