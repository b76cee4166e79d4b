"""Mistakes a business user alone in the designer once made without being told, each
now said where the person is looking at the moment it is made."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.test_designer_acceptance import canvas_keys, wf_item
from tests.browser.test_designer_editing import open_retail
from tests.platform.test_api_tokens import bearer


def add_text_field(page) -> None:
    page.locator('.canvas-field[data-key="note"]').focus()
    page.locator('.palette-item[data-type="text"] button').click()
    expect(page.locator("#prop-key")).to_have_value("text")


def problems(page):
    page.locator("#problems").evaluate("details => details.open = true")
    return page.locator("#problem-list")


def test_a_key_another_field_has_is_said_at_the_key_box_and_not_taken(
        page, live_server, client, token_for, make_user):
    # Once the new field became a second "note": two identical cards, and the panel
    # jumped to the old field.
    open_retail(page, live_server, client, token_for, make_user)
    add_text_field(page)
    page.locator("#prop-key").fill("note")
    expect(page.locator("#prop-key-taken")).to_have_text(
        "Another field already has the key note; choose another one. The key is kept as it was.")
    page.locator("#prop-key").press("Tab")
    assert canvas_keys(page).count("note") == 1
    # The check of the draft answering meanwhile leaves the message where it is.
    with page.expect_response(lambda response: "/check" in response.url):
        page.locator("#prop-label-en").fill("Wrapping")
    expect(page.locator("#prop-key-taken")).to_contain_text("already has the key note")
    assert "text" in canvas_keys(page)
    expect(page.locator("#prop-label-en")).to_have_value("Wrapping")  # still the new field
    page.locator("#prop-key").fill("gift_message")
    expect(page.locator("#prop-key-taken")).to_have_text("")
    page.locator("#prop-key").press("Tab")
    assert "gift_message" in canvas_keys(page) and "text" not in canvas_keys(page)


def test_two_fields_with_one_label_are_warned_at_the_label_box_and_in_problems(
        page, live_server, client, token_for, make_user):
    open_retail(page, live_server, client, token_for, make_user)
    add_text_field(page)
    page.locator("#prop-label-en").fill("Note")
    slot = page.locator('fieldset.label-pair .prop-problem[data-member="label"]').first
    expect(slot).to_have_text("field 'note' already has the label 'Note'; give this one a "
                              "label staff can tell apart")
    # The problems list names the field by its label, and clicking it selects it.
    page.locator('.canvas-field[data-key="customer"]').click()
    expect(page.locator("#prop-key")).to_have_value("customer")
    found = problems(page)
    expect(found).to_contain_text("field “Note” › label: field 'note' already has")
    # A refused publish names it the same way, not by its JSON Pointer.
    page.click("#tab-button-publish")
    status = page.locator(".publish-status")
    expect(status).to_contain_text("field “Note” › label: field 'note' already has")
    page.click("#publish-button")
    expect(status).to_contain_text("Not published")
    expect(status).to_contain_text("field “Note” › label: field 'note' already has")
    expect(status).not_to_contain_text("/form/fields/")
    status.locator("button.problem-place", has_text="field “Note”").click()
    expect(page.locator("#prop-key")).to_have_value("text")
    page.locator('.canvas-field[data-key="customer"]').click()
    page.locator('[role="tab"][data-tab="workflow"]').click()
    found.locator("button.problem-place", has_text="field “Note”").click()
    expect(page.locator("#tab-form")).to_be_visible()
    expect(page.locator("#prop-key")).to_have_value("text")
    page.locator("#prop-label-en").fill("Gift message")
    expect(page.locator("#problem-count")).to_have_text("No problems")


def test_a_new_approval_asks_for_both_outcomes_and_a_shared_one_is_confirmed(
        page, live_server, client, token_for, make_user):
    open_retail(page, live_server, client, token_for, make_user, "#workflow")
    page.locator("button.add-approvals").click()
    approval = wf_item(page, "approvals", 1)
    expect(approval.locator(".outcome-approved")).to_have_value("")
    expect(approval.locator(".outcome-rejected")).to_have_value("")
    expect(approval.locator(":scope > .prop-problem")).to_have_text(
        "/approved: is empty; fill it in; /rejected: is empty; fill it in")
    approval.locator(".outcome-approved").select_option("confirmed")
    expect(approval.locator(":scope > .prop-problem")).to_have_text(
        "/rejected: is empty; fill it in")
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    approval.locator(".outcome-rejected").select_option("confirmed")
    assert asked == ["Send rejected orders to the same state as approved ones? "
                     "Deciding would then change nothing."]
    expect(approval.locator(".outcome-rejected")).to_have_value("")
    page.once("dialog", lambda dialog: dialog.accept())
    approval.locator(".outcome-rejected").select_option("confirmed")
    expect(approval.locator(".outcome-rejected")).to_have_value("confirmed")
    expect(approval.locator(".wf-warning")).to_have_text(
        "Approved and rejected orders go to the same state: deciding changes nothing.")
    approval.locator(".outcome-rejected").select_option("cancelled")
    expect(approval.locator(".wf-warning")).to_have_count(0)


def test_a_mistyped_approver_is_a_problem(page, live_server, client, token_for, make_user):
    make_user("staff", username="manager1")
    open_retail(page, live_server, client, token_for, make_user, "#workflow")
    approval = wf_item(page, "approvals", 0)
    # The people there are are offered by name.
    expect(page.locator('#approver-user-names option[value="manager1"]')).to_have_count(1)
    approval.get_by_label("Approver usernames (comma separated)").fill("manger1")
    expect(approval.locator(":scope > .prop-problem")).to_have_text(
        "/approvers/users/0: there is no user 'manger1'; did you mean 'manager1'?")
    expect(page.locator("#problem-count")).to_have_text("Problems: 1")
    approval.get_by_label("Approver usernames (comma separated)").fill("manager1")
    expect(page.locator("#problem-count")).to_have_text("No problems")


def test_a_new_rule_has_a_name_and_an_empty_condition_until_one_is_written(
        page, live_server, client, token_for, make_user):
    # Once a new rule was "when TRUE, tag 'tag'", with no name: it looked finished.
    open_retail(page, live_server, client, token_for, make_user, "#rules")
    page.locator("button.add-rule").click()
    rule = page.locator('[data-block="rules"] > ol > li.wf-item').nth(2)
    expect(rule.locator(".rule-name-en")).to_be_focused()
    page.keyboard.type("Big orders")
    condition = rule.locator('[data-pointer="/rules/2/when"]').first
    expect(condition).to_have_value("")
    expect(rule.locator(".formula-problem").first).to_have_text("is empty; fill it in")
    expect(problems(page)).to_contain_text("rule “Big orders” › when: is empty; fill it in")
    condition.fill("total > 10000")
    rule.locator('[data-pointer="/rules/2/then/0"] input[type="text"]').first.fill("big")
    expect(page.locator("#problem-count")).to_have_text("No problems")
    page.click("#save")
    expect(page.locator("#save-state")).to_have_text("All changes saved")
    stored = client.get("/api/v1/order-types/retail_order",
                        headers=bearer(token_for("designer"))).get_json()["draft"]
    assert stored["rules"][2]["name"] == {"en": "Big orders"}
    assert stored["rules"][2]["when"] == "total > 10000"
