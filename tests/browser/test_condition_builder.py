"""Conditions built from rows of field, comparison and value, in AND/OR groups:
the rows write the formula, and a formula is read back into rows; one the rows
cannot say stays in the formula box with a note."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.test_designer_canvas import laid_out
from tests.browser.test_designer_editing import open_retail


def test_rows_write_the_formula_and_read_it_back(page, live_server, client, token_for, make_user):
    open_retail(page, live_server, client, token_for, make_user, "#workflow")
    laid_out(page)
    page.locator("#workflow-diagram .edge-label-box", has_text="manager_review").first.click()
    panel = page.locator("#workflow-panel")
    when = page.locator('[data-pointer="/workflow/approvals/0/when"]')
    box = panel.locator(".formula-input", has=when)
    formula = box.locator("textarea.formula")
    expect(formula).to_have_value("total > 5000")
    box.locator(".cb-toggle").click()
    rows = box.locator(".cb-row")
    expect(rows).to_have_count(1)
    expect(rows.locator(".cb-field")).to_have_value("total")
    expect(rows.locator(".cb-op")).to_have_value(">")
    expect(rows.locator(".cb-value")).to_have_value("5000")
    rows.locator(".cb-value").fill("8000")
    expect(formula).to_have_value("total > 8000")

    box.locator(".cb-add-group").click()
    group = box.locator(".cb-group .cb-group")
    expect(group.locator(".cb-join")).to_have_value("OR")
    group.locator(".cb-row .cb-field").select_option("priority")
    group.locator(".cb-row .cb-value").select_option("rush")
    group.locator(".cb-add-row").click()
    second = group.locator(".cb-row").nth(1)
    second.locator(".cb-field").select_option("note")
    second.locator(".cb-op").select_option("IN")
    second.locator(".cb-value").fill('gift, "wrap"')
    expect(formula).to_have_value(
        'total > 8000 AND (priority = "rush" OR note IN ["gift", """wrap"""])')
    expect(page.locator("#problem-count")).to_have_text("No problems")
    # An unfinished row writes nothing and says why.
    second.locator(".cb-value").fill("")
    expect(box.locator(".builder-note")).to_have_text(
        "Give every row a value (numbers in digits) to write the condition.")
    expect(formula).to_have_value(
        'total > 8000 AND (priority = "rush" OR note IN ["gift", """wrap"""])')
    second.locator(".cb-value").fill("gift")

    # Closed and opened again, the rows are read from the formula.
    box.locator(".cb-toggle").click()
    expect(box.locator(".condition-builder")).to_be_hidden()
    box.locator(".cb-toggle").click()
    expect(box.locator(".cb-row")).to_have_count(3)
    expect(box.locator(".cb-group .cb-group .cb-row .cb-field")).to_have_count(2)
    inner = box.locator(".cb-group .cb-group .cb-row").nth(1)
    expect(inner.locator(".cb-op")).to_have_value("IN")
    expect(inner.locator(".cb-value")).to_have_value("gift")
    # The list below holds the same condition.
    listed = page.locator('#workflow-lists [data-pointer="/workflow/approvals/0/when"]')
    expect(listed).to_have_value('total > 8000 AND (priority = "rush" OR note IN ["gift"])')


def test_a_formula_the_rows_cannot_say_stays_in_the_box_with_a_note(
        page, live_server, client, token_for, make_user):
    open_retail(page, live_server, client, token_for, make_user, "#rules")
    box = page.locator(".formula-input", has=page.locator('[data-pointer="/rules/1/when"]'))
    formula = box.locator("textarea.formula")
    formula.fill("total > discount * 2")
    box.locator(".cb-toggle").click()
    expect(box.locator(".builder-note")).to_have_text(
        "This formula says more than rows can show; it stays as it is in the formula box.")
    expect(box.locator(".cb-row")).to_have_count(0)
    expect(formula).to_have_value("total > discount * 2")
    # Typing closes the rows; a mistake is named before any row is shown.
    formula.fill("totl > 1")
    expect(box.locator(".condition-builder")).to_be_hidden()
    box.locator(".cb-toggle").click()
    expect(box.locator(".builder-note")).to_have_text(
        "Fix the formula in the box first: 1:1: unknown field 'totl'; did you mean 'total'?")
    expect(formula).to_have_value("totl > 1")
    # The rush rule's condition reads back as one row.
    first = page.locator(".formula-input", has=page.locator('[data-pointer="/rules/0/when"]'))
    first.locator(".cb-toggle").click()
    expect(first.locator(".cb-row .cb-field")).to_have_value("priority")
    expect(first.locator(".cb-row .cb-value")).to_have_value("rush")


def test_a_long_formula_wraps_in_a_box_that_grows(page, live_server, client, token_for, make_user):
    # Once a long formula sat in a one-line box 330 px wide and scrolled out of sight.
    open_retail(page, live_server, client, token_for, make_user, "#rules")
    formula = page.locator('[data-pointer="/rules/1/when"]')
    one_line = formula.bounding_box()["height"]
    long = " OR ".join(f'priority = "rush" AND total > {n}000' for n in range(1, 16))
    formula.fill(long)
    grown = formula.bounding_box()
    assert grown["height"] > 2.5 * one_line
    assert formula.evaluate("box => box.scrollHeight <= box.clientHeight + 2")  # all of it shows
    assert grown["x"] + grown["width"] <= page.locator("#tab-rules").bounding_box()["x"] + \
        page.locator("#tab-rules").bounding_box()["width"]
    expect(page.locator("#problem-count")).to_have_text("No problems")
