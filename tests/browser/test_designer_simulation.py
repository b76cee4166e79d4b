"""The designer's Simulation tab: samples that make every rule and approval fire, and a
replay of the newest real orders against the draft on screen."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.layout import page_width
from tests.browser.test_designer_acceptance import DOCS_IMG
from tests.browser.test_designer_editing import open_retail
from tests.platform.test_api_tokens import bearer
from tests.runtime.support import SAMPLE, create
from tests.runtime.test_replay import draft_that_sends_orders_to_review, row_counts


def test_exercise_every_rule_and_approval_then_replay_real_orders(
        page, live_server, client, token_for, make_user, db):
    designer = bearer(token_for("designer"))
    staff = bearer(token_for("staff"))
    open_retail(page, live_server, client, token_for, make_user)
    for data in (SAMPLE, {**SAMPLE, "items": [{"sku": "TEA-01", "qty": 10, "price": "900.00"}]}):
        assert create(client, staff, data).status_code == 201
    assert client.put("/api/v1/order-types/retail_order/draft", headers=designer,
                      json=draft_that_sends_orders_to_review()).status_code == 200
    page.goto(f"{live_server}/designer/retail_order#simulate")
    page.reload()  # the page opened before the draft changed: it reads the new one

    # The generated sample fires nothing; the exercise finds a sample for each.
    page.click("#sim-cover")
    coverage = page.locator("#sim-coverage")
    expect(coverage.locator(".sim-coverage-summary")).to_have_text("4 / 4 fire on a sample")
    big = coverage.locator('tr[data-target="approval:manager_review"]')
    expect(big).to_contain_text("total > 5000")
    expect(big).to_contain_text("Fires")
    big.locator(".sim-use").click()
    expect(page.locator("#sim-rules tr.matched")).to_contain_text(["big_order", "vip"])
    total = page.locator('#sim-computed tr[data-computed="total"] td')
    expect(total).not_to_have_text("1050.00")
    assert float(total.inner_text()) > 20000

    # Replay the two orders against the draft on screen: nothing is written.
    before = row_counts(db)
    page.fill("#replay-count", "5")
    page.click("#replay-run")
    expect(page.locator("#replay-summary")).to_have_text(
        "2 orders replayed, 2 would change (State reached: 2, Tags: 2, Computed fields: 2, "
        "Approvals required: 1)")
    big_order = page.locator('#replay-results tr[data-aspect="approvals"]')
    expect(big_order).to_contain_text("manager_review")
    state = page.locator('#replay-results tr[data-aspect="state"]').first
    expect(state).to_contain_text("Draft")
    expect(state).to_contain_text("In review")
    expect(page.locator('#replay-results tr[data-aspect="computed"]').first).to_contain_text(
        "Discount = 900.00")
    assert row_counts(db) == before
    page.locator("#replay").scroll_into_view_if_needed()
    page.locator("#replay").screenshot(path=str(DOCS_IMG / "designer-replay.png"))


def test_a_replay_beyond_the_bound_is_told_where(page, live_server, client, token_for,
                                                  make_user):
    open_retail(page, live_server, client, token_for, make_user, "#simulate")
    page.fill("#replay-count", "500")
    page.click("#replay-run")
    expect(page.locator("#replay-results")).to_contain_text("/count")


def test_the_simulation_and_the_replay_speak_chinese(browser, live_server, client, token_for,
                                                     make_user):
    context = browser.new_context(locale="zh-CN")
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        open_retail(page, live_server, client, token_for, make_user)
        definition = draft_that_sends_orders_to_review()
        definition["rules"].append({"key": "impossible", "when": "total < 0 AND total > 10",
                                    "then": [{"type": "add_tag", "tag": "never"}]})
        assert client.put("/api/v1/order-types/retail_order/draft",
                          headers=bearer(token_for("designer")), json=definition
                          ).status_code == 200
        assert create(client, bearer(token_for("staff")), SAMPLE).status_code == 201
        page.goto(f"{live_server}/designer/retail_order#simulate")
        page.reload()
        page.click("#sim-cover")
        impossible = page.locator('#sim-coverage tr[data-target="rule:impossible"]')
        expect(impossible).to_contain_text("无法触发")
        expect(impossible).to_contain_text("所试的")
        expect(impossible).to_contain_text("items.price, items.qty")
        expect(page.locator(".sim-coverage-summary")).to_have_text("4 / 5 已在示例中触发")
        page.click("#replay-run")
        expect(page.locator("#replay-summary")).to_have_text(
            "1 个订单已回放，1 个会改变（到达状态：1，标签：1，计算字段：1）")
        expect(page.locator('#replay-results tr[data-aspect="state"]')).to_contain_text("到达状态")
    finally:
        context.close()


def test_the_simulation_tab_fits_a_phone_wide_screen(page, live_server, client, token_for,
                                                      make_user):
    """Once, the coverage, simulation and replay tables stood outside a scrolling box and
    made the whole designer wider than a 390 px screen."""
    open_retail(page, live_server, client, token_for, make_user)
    assert create(client, bearer(token_for("staff")),
                  {**SAMPLE, "items": [{"sku": "TEA-01", "qty": 10, "price": "900.00"}]}
                  ).status_code == 201
    assert client.put("/api/v1/order-types/retail_order/draft",
                      headers=bearer(token_for("designer")),
                      json=draft_that_sends_orders_to_review()).status_code == 200
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server}/designer/retail_order#simulate")
    page.reload()
    page.click("#sim-cover")
    expect(page.locator(".sim-coverage-summary")).to_have_text("4 / 4 fire on a sample")
    in_scroll_box = "t => t.parentElement.classList.contains('grid-scroll')"
    assert page.locator("#sim-coverage table").evaluate(in_scroll_box)
    assert page_width(page) <= 390
    page.locator('#sim-coverage tr[data-target="approval:manager_review"] .sim-use').click()
    expect(page.locator("#sim-rules tr.matched").first).to_be_visible()
    page.click("#replay-run")
    expect(page.locator("#replay-summary")).to_be_visible()
    for table in ("#sim-computed table", "#sim-rules table", "#replay-results table"):
        assert page.locator(table).first.evaluate(in_scroll_box), table
    assert page_width(page) <= 390


def test_a_draft_that_cannot_run_is_told_with_its_place_on_both_buttons(
        page, live_server, client, token_for, make_user):
    open_retail(page, live_server, client, token_for, make_user)
    definition = draft_that_sends_orders_to_review()
    definition["rules"][0]["when"] = "total >"
    assert client.put("/api/v1/order-types/retail_order/draft",
                      headers=bearer(token_for("designer")), json=definition
                      ).status_code == 200
    page.goto(f"{live_server}/designer/retail_order#simulate")
    page.reload()
    refusal = page.locator(".sim-results")
    for button in ("#sim-run", "#sim-cover"):
        refusal.evaluate("element => element.replaceChildren()")  # each says it anew
        page.click(button)
        expect(refusal).to_contain_text("The draft cannot run yet:")
        expect(refusal).to_contain_text("/rules/0/when")
