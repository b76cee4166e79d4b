"""A look-up table made in the designer, read by a rule's formula: a wrong column is a
problem named at the rule, a wrong cell at the table's row and column. On the order
form a computed field that reads a table follows the typing."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.test_designer_editing import open_retail
from tests.browser.test_staff_console import go_to, log_in
from tests.designer.test_lookup_tables import with_freight
from tests.platform.test_api_tokens import bearer


def test_a_table_made_in_the_designer_is_read_by_a_rule(page, live_server, client,
                                                        token_for, make_user):
    open_retail(page, live_server, client, token_for, make_user, "#tables")
    editor = page.locator("#lookup-tables-editor")
    editor.get_by_role("button", name="Add a look-up table").click()
    table = editor.locator(".wf-item").first
    table.get_by_label("Key", exact=True).fill("freight")
    table.get_by_label("Key 1").fill("province")
    table.get_by_label("Key 1").press("Tab")
    table.get_by_role("button", name="Add a column").click()
    table.get_by_label("Key 2").fill("rate")
    table.get_by_label("Key 2").press("Tab")
    table.get_by_label("Label 2").fill("Rate")
    table.get_by_label("Type 2").select_option("money")
    table.locator("summary").click()
    table.get_by_label("Paste rows from a spreadsheet").fill("Zhejiang\t8.00\nXinjiang\t25.5x\n")
    table.get_by_role("button", name="Add these rows").click()
    expect(table.locator("tbody tr")).to_have_count(2)
    # The pasted cell that is no amount is a problem named by the table, row and column.
    expect(page.locator("#problem-list")).to_contain_text(
        "look-up table “Rates” › 2 › Rate: must be a number")
    table.locator("tbody tr").nth(1).locator("input").nth(1).fill("25.50")

    page.click("#tab-button-rules")
    rule = page.locator('[data-block="rules"] .wf-item').first
    when = rule.locator('textarea[data-pointer="/rules/0/when"]')
    when.fill("XLOOKUP(ship_to.province, freight.province, freight.rat, 0) > 10")
    expect(page.locator("#problem-list")).to_contain_text(
        "rule “rush_tag” › when 1:53: freight has no field 'rat'; did you mean 'rate'?")
    when.fill("XLOOKUP(ship_to.province, freight.province, freight.rate, 0) > 10")
    expect(page.locator("#problem-count")).to_have_text("No problems")
    page.click("#save")
    expect(page.locator("#save-state")).to_have_text("All changes saved")

    designer = bearer(token_for("designer"))
    draft = client.get("/api/v1/order-types/retail_order", headers=designer).get_json()["draft"]
    [saved] = draft["lookup_tables"]
    assert saved["key"] == "freight"
    assert [(c["key"], c["type"]) for c in saved["columns"]] == [("province", "text"),
                                                                 ("rate", "money")]
    assert saved["rows"] == [{"province": "Zhejiang", "rate": "8.00"},
                             {"province": "Xinjiang", "rate": "25.50"}]


def test_the_order_form_looks_the_freight_up_as_the_province_is_typed(
        page, live_server, client, token_for, make_user):
    designer = bearer(token_for("designer"))
    assert client.post("/api/v1/import", headers=designer, json={
        "format": "orderloom-package/1", "order_types": [with_freight()]}).status_code == 201
    make_user("staff", username="wang.fang")
    log_in(page, live_server, "wang.fang")
    go_to(page, "Orders")
    page.click("#new-order")
    fee = page.locator("output[data-computed=freight_fee]")
    province = page.locator(".form-field[data-key=ship_to] [data-part=province]")
    province.fill("Xinjiang")
    expect(fee).to_have_text("25.50")
    province.fill("xinjiang")  # matched as = matches: case is ignored
    expect(fee).to_have_text("25.50")
    province.fill("Tibet")  # not in the table: the formula's if_not_found
    expect(fee).to_have_text("30.00")
