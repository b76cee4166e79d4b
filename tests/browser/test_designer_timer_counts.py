"""A designer says a state's SLA and an automatic move's timer count business time, on
the workflow tab: the choice is saved, a half business day is shown as a problem at
the timer, and the Chinese designer says it in Chinese."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.test_designer_acceptance import wf_item
from tests.browser.test_designer_editing import open_retail
from tests.platform.test_api_tokens import bearer


def test_timers_counted_in_business_hours_and_days_are_chosen_and_saved(
        page, live_server, client, token_for, make_user):
    open_retail(page, live_server, client, token_for, make_user, "#workflow")
    review = wf_item(page, "states", 1).get_by_label("Counted in")
    expect(review).to_have_value("all_hours")
    expect(review.locator("option")).to_have_text(
        ["Hours", "Business hours", "Business days (the number is days)"])
    review.select_option("business_hours")
    auto_cancel = wf_item(page, "automatic", 0)
    auto_cancel.get_by_label("Counted in").select_option("business_days")
    # Counted in business days, the number is days: its box and the diagram say so.
    auto_cancel.get_by_label("After (business days)").fill("1.5")
    expect(page.locator("#problem-count")).to_have_text("Problems: 1")
    auto_cancel.get_by_label("After (business days)").fill("2")
    expect(page.locator("#problem-count")).to_have_text("No problems")
    expect(page.locator(".edge-label-box.automatic .edge-label")).to_have_text(
        "⏱ 2 business days")
    expect(page.locator('[data-state="review"] .state-key')).to_have_text(
        "review · SLA 4 business h")
    page.click("#save")
    expect(page.locator("#save-state")).to_have_text("All changes saved")
    draft = client.get("/api/v1/order-types/retail_order",
                       headers=bearer(token_for("designer"))).get_json()["draft"]
    workflow = draft["workflow"]
    assert workflow["states"][1]["time_counts"] == "business_hours"
    assert (workflow["automatic"][0]["after_hours"],
            workflow["automatic"][0]["time_counts"]) == (2, "business_days")
    # Back to every hour: nothing is written.
    page.reload()
    wf_item(page, "states", 1).get_by_label("Counted in").select_option("all_hours")
    page.click("#save")
    expect(page.locator("#save-state")).to_have_text("All changes saved")
    draft = client.get("/api/v1/order-types/retail_order",
                       headers=bearer(token_for("designer"))).get_json()["draft"]
    assert "time_counts" not in draft["workflow"]["states"][1]


def test_the_choice_speaks_chinese(page, live_server, client, token_for, make_user):
    open_retail(page, live_server, client, token_for, make_user, "?lang=zh#workflow")
    counted = wf_item(page, "states", 1).get_by_label("计时方式")
    expect(counted.locator("option")).to_have_text(
        ["自然小时", "工作小时", "工作日（数值为天数）"])
    auto_cancel = wf_item(page, "automatic", 0)
    auto_cancel.get_by_label("计时方式").select_option("business_days")
    expect(auto_cancel.get_by_label("经过（工作日）")).to_have_value("24")
    expect(page.locator(".edge-label-box.automatic .edge-label")).to_have_text("⏱ 24 个工作日")
