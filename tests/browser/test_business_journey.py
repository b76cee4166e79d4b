"""The business user's whole journey in Chromium, in English and in Chinese: the
retail template imported from the gallery, a field dragged onto the form, an
approval for orders over 5000 added on the workflow canvas with its condition built
from rows, published; staff enter an order with the product picker and the customer
search; the manager approves it in the inbox and the order moves on.

The screenshots of docs/getting-started-business.md (docs/img/journey-*.png) are
taken here."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_designer_acceptance import DOCS_IMG, canvas_keys, drop_on_section
from tests.browser.test_designer_canvas import laid_out
from tests.browser.test_order_form import cell
from tests.browser.test_staff_console import go_to, log_in

# What each person reads, in the language of the run. State, field and order type
# names come from the template's own labels.
WORDS = {
    "en": {"templates": "Templates", "designer": "Designer", "orders": "Orders",
           "approvals": "Approvals", "retail": "Retail order", "template": "Multichannel retail",
           "imported": "Template retail imported",
           "published": "Published as version 2. New orders use it from now on.",
           "in_review": "In review", "ready": "Ready to fulfil",
           "approval": "Orders over 5000", "new_order": "New Retail order",
           "approved": "You approved “Orders over 5000” on order {n}; it is now "
                       "Ready to fulfil."},
    "zh": {"templates": "模板", "designer": "设计器", "orders": "订单",
           "approvals": "审批", "retail": "零售订单", "template": "多渠道零售电商",
           "imported": "模板 retail 已导入",
           "published": "已发布为版本 2，新订单将使用此版本。",
           "in_review": "审核中", "ready": "待发货",
           "approval": "大额订单审批", "new_order": "新建零售订单",
           "approved": "您批准了订单 {n} 的“大额订单审批”；订单现为待发货。"},
}


def shot(page, step: str, lang: str) -> None:
    DOCS_IMG.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOCS_IMG / f"journey-{step}-{lang}.png"))


def person(browser, live_server, username: str, lang: str):
    """A browser of this person's own, logged in, in the language of the run chosen with
    the top bar's switch."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(10_000)
    log_in(page, live_server, username)
    if lang == "zh":
        page.click("a.language-switch")
        expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    return context, page


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_business_user_builds_the_order_system_and_staff_run_an_order_through_it(
        lang, browser, live_server, make_user):
    words = WORDS[lang]
    make_user("admin", username="lin")  # the business owner, alone on a new instance
    make_user("staff", username="zhao.lei")
    make_user("staff", username="manager")
    owner_context, page = person(browser, live_server, "lin", lang)
    script_errors: list[str] = []
    page.on("pageerror", lambda error: script_errors.append(str(error)))

    # 1. The retail template, imported from the gallery.
    go_to(page, words["templates"])
    card = page.locator("#template-retail")
    expect(card.locator("h2")).to_have_text(words["template"])
    expect(card.locator(".order-types")).to_contain_text(words["retail"])
    shot(page, "templates", lang)
    card.locator("button[type=submit]").click()
    expect(page.locator("p.notice")).to_contain_text(words["imported"])

    # 2. A field dragged onto the form.
    go_to(page, words["designer"])
    page.click(f"text={words['retail']}")
    expect(page.locator("#form-canvas .canvas-field").first).to_be_visible()
    before = canvas_keys(page)
    drop_on_section(page, "text")
    expect(page.locator("#form-canvas .canvas-field")).to_have_count(len(before) + 1)
    page.fill("#prop-label-en", "Sales person")
    page.fill("#prop-label-zh", "销售员")
    page.fill("#prop-key", "sales_person")
    page.press("#prop-key", "Tab")
    label = "销售员" if lang == "zh" else "Sales person"
    expect(page.locator('.canvas-field[data-key="sales_person"] .field-name')).to_have_text(label)
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "form", lang)

    # 3. An approval for orders over 5000, added on the workflow canvas; its condition
    # built from rows, the manager as approver, both outcomes chosen.
    page.click("#tab-button-workflow")
    laid_out(page)
    page.click("#canvas-add-approval")
    panel = page.locator("#workflow-panel")
    panel.locator('input[lang="en"]').fill("Orders over 5000")
    panel.locator('input[lang="zh"]').fill("大额订单审批")
    panel.get_by_label("admin", exact=True).uncheck()
    panel.locator("input[list=approver-user-names]").fill("manager")
    when = panel.locator(".formula-input", has=page.locator('[data-pointer$="/when"]'))
    when.locator(".cb-toggle").click()
    row = when.locator(".cb-row").first
    row.locator(".cb-field").select_option("total")
    row.locator(".cb-op").select_option(">")
    row.locator(".cb-value").fill("5000")
    expect(when.locator("textarea.formula")).to_have_value("total > 5000")
    panel.locator(".outcome-approved").select_option("ready")
    panel.locator(".outcome-rejected").select_option("refund_pending")
    expect(page.locator("#problem-count")).to_have_text(
        "没有问题" if lang == "zh" else "No problems")
    laid_out(page)
    expect(page.locator("#workflow-diagram svg")).to_contain_text(words["approval"])
    # The diagram at its actual size, beside the rows that wrote the condition.
    page.click("#canvas-zoom")
    when.scroll_into_view_if_needed()
    shot(page, "approval", lang)

    # 4. Publish.
    page.click("#tab-button-publish")
    page.click("#publish-button")
    expect(page.locator(".publish-status")).to_have_text(words["published"])
    assert script_errors == []
    owner_context.close()

    # 5. Staff enter an order: a customer found by name, a product by name with its
    # unit price filled; 20 jeans at 299.00 make 5,980.00.
    staff_context, clerk = person(browser, live_server, "zhao.lei", lang)
    try:
        go_to(clerk, words["orders"])
        clerk.click("#new-order")  # the only order type: its form opens at once
        expect(clerk.locator("h1")).to_have_text(words["new_order"])
        expect(clerk.locator("#field-sales_person")).to_be_visible()
        clerk.fill("#field-sales_person", "Zhao Lei")
        customer = clerk.locator(".form-field[data-key=customer]")
        customer.locator("[data-part=code]").fill("wang")
        customer.locator("[role=option]").first.click()
        expect(customer.locator("[data-part=code]")).to_have_value("C-1001")
        ship_to = clerk.locator(".form-field[data-key=ship_to]")
        for part, value in [("country", "CN"), ("province", "Zhejiang"),
                            ("city", "Hangzhou"), ("street", "西湖区文三路 90 号")]:
            ship_to.locator(f"[data-part={part}]").fill(value)
        sku = cell(clerk, 0, "sku").locator("input")
        sku.fill("jeans")
        options = cell(clerk, 0, "sku").locator("[role=option]")
        expect(options.first).to_contain_text("JEANS-32")
        options.first.click()
        expect(sku).to_have_value("JEANS-32")
        expect(cell(clerk, 0, "price").locator("input")).to_have_value("299.00")
        cell(clerk, 0, "qty").locator("input").fill("20")
        expect(clerk.locator('output[data-computed="total"]')).to_contain_text("5,980.00")
        shot(clerk, "order", lang)
        clerk.click("#save-order")
        expect(clerk.locator("#order-state")).to_have_text(words["in_review"])
        number = clerk.url.rstrip("/").rsplit("/", 1)[-1]

        # 6. The manager approves it in the inbox.
        manager_context, manager = person(browser, live_server, "manager", lang)
        try:
            go_to(manager, words["approvals"])
            task = manager.locator("section.task", has_text=number)
            expect(task).to_contain_text(words["approval"])
            shot(manager, "inbox", lang)
            task.locator("button.approve").click()
            expect(manager.locator("p.notice")).to_have_text(words["approved"].format(n=number))
        finally:
            manager_context.close()

        # 7. Staff see the order approved and ready to fulfil.
        clerk.reload()
        expect(clerk.locator("#order-state")).to_have_text(words["ready"])
    finally:
        staff_context.close()
