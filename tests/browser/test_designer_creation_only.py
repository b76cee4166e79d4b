"""A rule's "only when the order is created" flag in the designer's rule panel."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.test_designer_editing import open_retail
from tests.platform.test_api_tokens import bearer


def test_the_rule_panel_shows_and_saves_the_creation_only_flag(page, live_server, client,
                                                                token_for, make_user):
    open_retail(page, live_server, client, token_for, make_user, "#rules")
    rule = page.locator('[data-block="rules"] .wf-item').nth(1)  # big_order
    flag = rule.get_by_label("Only when the order is created")
    expect(flag).not_to_be_checked()
    expect(rule.locator(".creation-only")).to_contain_text(
        "Left unticked, the rule also acts when an edit makes its condition true.")
    flag.check()
    page.click("#save")
    expect(page.locator("#save-state")).to_have_text("All changes saved")
    designer = bearer(token_for("designer"))
    draft = client.get("/api/v1/order-types/retail_order", headers=designer).get_json()["draft"]
    rules = {r["key"]: r for r in draft["rules"]}
    assert rules["big_order"]["creation_only"] is True
    assert "creation_only" not in rules["rush_tag"]

    page.reload()
    rule = page.locator('[data-block="rules"] .wf-item').nth(1)
    expect(rule.get_by_label("Only when the order is created")).to_be_checked()
    rule.get_by_label("Only when the order is created").uncheck()
    page.click("#save")
    expect(page.locator("#save-state")).to_have_text("All changes saved")
    draft = client.get("/api/v1/order-types/retail_order", headers=designer).get_json()["draft"]
    assert "creation_only" not in next(r for r in draft["rules"] if r["key"] == "big_order")


def test_the_flag_and_its_explanation_in_chinese(browser, live_server, client, token_for,
                                                  make_user):
    context = browser.new_context(locale="zh-CN")
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        open_retail(page, live_server, client, token_for, make_user, "#rules")
        flag = page.locator('[data-block="rules"] .wf-item').nth(0).locator(".creation-only")
        expect(flag).to_contain_text("仅在创建订单时")
        expect(flag).to_contain_text("不勾选时，编辑使条件成立时该规则也会执行。")
    finally:
        context.close()
