"""The order form in Chromium: computed fields follow the typing with the server's
values, conditions and validation show in place, the server's refusals land next to
their field, and an edit goes through the order's own form."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.test_staff_console import go_to, log_in
from tests.designer.samples import retail
from tests.platform.test_api_tokens import bearer

SCREENSHOTS = "/tmp/orderloom-order-form"


def cell(page, row: int, column: str):
    return page.locator(f'.lines[data-key=items] tbody tr[data-line] >> nth={row}').locator(
        f'[data-column="{column}"]')


def test_staff_enter_an_order_and_the_total_shown_is_the_total_stored(
        page, live_server, client, token_for, make_user):
    designer = bearer(token_for("designer"))
    assert client.post("/api/v1/import", headers=designer, json={
        "format": "orderloom-package/1", "order_types": [retail()]}).status_code == 201
    assert client.post("/api/v1/customers", headers=bearer(token_for("staff")), json={
        "code": "C7", "name": "Li Wei", "attributes": {"tier": "gold"}}).status_code == 201
    make_user("staff", username="wang.fang")
    log_in(page, live_server, "wang.fang")
    go_to(page, "Orders")
    page.click("#new-order")  # one order type: its form at once
    assert page.locator("h1").inner_text() == "New Retail order"

    customer = page.locator(".form-field[data-key=customer]")
    # A known customer's code brings the rest of the customer from the records.
    customer.locator("[data-part=code]").fill("C7")
    customer.locator("[data-part=code]").press("Tab")
    expect(customer.locator("[data-part=tier]")).to_have_value("gold")
    assert customer.locator("[data-part=name]").input_value() == "Li Wei"
    ship_to = page.locator(".form-field[data-key=ship_to]")
    ship_to.locator("[data-part=country]").fill("CN")
    ship_to.locator("[data-part=province]").fill("Zhejiang")

    cell(page, 0, "sku").locator("input").fill("TEA-01")
    cell(page, 0, "qty").locator("input").fill("3")
    cell(page, 0, "price").locator("input").fill("1250.5")
    # As typed, before anything is saved: 3 x 1250.5, and the gold discount of 5%.
    assert cell(page, 0, "amount").locator("output").inner_text() == "3,751.50"
    assert page.locator("output[data-computed=total]").inner_text() == "3,751.50"
    assert page.locator("output[data-computed=discount]").inner_text() == "187.58"

    page.click("button.add-line")
    cell(page, 1, "sku").locator("input").fill("CUP-02")
    cell(page, 1, "qty").locator("input").fill("1001")
    cell(page, 1, "price").locator("input").fill("19.90")
    assert cell(page, 1, "qty").locator(".field-error").inner_text() == "At most 1000 per line"
    cell(page, 1, "qty").locator("input").fill("7")
    assert cell(page, 1, "qty").locator(".field-error").inner_text() == ""
    assert page.locator("output[data-computed=total]").inner_text() == "3,890.80"

    # The note only applies to rush orders.
    note = page.locator(".form-field[data-key=note]")
    assert note.is_hidden()
    page.select_option("#field-priority", "rush")
    assert note.is_visible()
    page.fill("#field-note", "Before noon, please")
    page.screenshot(path=f"{SCREENSHOTS}-new-1280.png", full_page=True)

    # A price the server cannot read: its refusal shows in that cell.
    cell(page, 1, "price").locator("input").fill("19,9O")
    page.click("#save-order")
    error = cell(page, 1, "price").locator(".field-error")
    error.wait_for(state="visible")
    assert error.inner_text() == "must be a number"
    assert client.get("/api/v1/orders", headers=bearer(token_for("staff"))).get_json()[
        "orders"] == []

    cell(page, 1, "price").locator("input").fill("19.90")
    shown_total = page.locator("output[data-computed=total]").get_attribute("data-value")
    shown_discount = page.locator("output[data-computed=discount]").get_attribute("data-value")
    page.click("#save-order")
    page.wait_for_url(f"{live_server}/orders/SO-*")
    number = page.url.rsplit("/", 1)[1]
    stored = client.get(f"/api/v1/orders/{number}", headers=bearer(token_for("staff"))
                        ).get_json()["data"]
    assert (shown_total, shown_discount) == (stored["total"], stored["discount"]) \
        == ("3890.80", "194.54")
    assert stored["note"] == "Before noon, please" and stored["priority"] == "rush"
    assert stored["customer"] == {"code": "C7", "name": "Li Wei", "tier": "gold"}
    assert [line["qty"] for line in stored["items"]] == [3, 7]

    # Edit: remove the second line; the total follows, and the server agrees.
    page.click("#edit-order")
    assert cell(page, 1, "sku").locator("input").input_value() == "CUP-02"
    assert page.locator(".form-field[data-key=customer] [data-part=code]").input_value() == "C7"
    page.locator(".lines[data-key=items] tbody tr[data-line] >> nth=1").locator(
        "button.remove-line").click()
    assert page.locator("output[data-computed=total]").inner_text() == "3,751.50"
    page.screenshot(path=f"{SCREENSHOTS}-edit-1280.png", full_page=True)
    page.click("#save-order")
    page.wait_for_url(f"{live_server}/orders/{number}")
    assert "3,751.50 CNY" in page.locator("[data-field=total]").inner_text()
    assert "edited the order" in page.locator("#timeline ol").inner_text()


def test_a_backtracking_pattern_does_not_freeze_the_order_form(
        page, live_server, client, token_for, make_user):
    # The browser's own RegExp would take minutes on (a+)+$ against this note; the form
    # runs REGEXMATCH with re2js, linear in the text, and shows the server's answers.
    definition = retail()
    note = next(f for f in definition["form"]["fields"] if f["key"] == "note")
    del note["visible_when"]  # shown at once, whatever the priority
    definition["form"]["fields"] += [
        {"key": "asap", "type": "computed", "label": {"en": "ASAP"},
         "formula": 'REGEXMATCH(note, "(?i)\\\\basap\\\\b")', "result_type": "boolean"},
        {"key": "all_a", "type": "computed", "label": {"en": "All a"},
         "formula": 'REGEXMATCH(note, "^(a+)+$")', "result_type": "boolean"}]
    designer = bearer(token_for("designer"))
    assert client.post("/api/v1/import", headers=designer, json={
        "format": "orderloom-package/1", "order_types": [definition]}).status_code == 201
    make_user("staff", username="wang.fang")
    log_in(page, live_server, "wang.fang")
    go_to(page, "Orders")
    page.click("#new-order")
    expect(page.locator("h1")).to_have_text("New Retail order")
    # The form's script has run its first calculation (a value typed before it runs
    # would be read back from the spec and lost).
    expect(page.locator("output[data-computed=asap]")).to_have_attribute("data-value", "")
    page.fill("#field-note", "a" * 60 + "! Deliver ASAP")
    expect(page.locator("output[data-computed=asap]")).to_have_attribute("data-value", "true")
    expect(page.locator("output[data-computed=all_a]")).to_have_attribute("data-value", "false")
    page.fill("#field-note", "a" * 60)
    expect(page.locator("output[data-computed=all_a]")).to_have_attribute("data-value", "true")


def test_a_role_with_locked_fields_saves_a_new_order_from_the_form(
        page, live_server, client, token_for, make_user):
    # Once every such save was refused: the form sent its locked controls (an unticked
    # box as false, the prefilled choice) as if the person had typed them.
    definition = retail()
    fields = definition["form"]["fields"]
    next(f for f in fields if f["key"] == "priority")["access"] = {"edit": ["admin"]}
    fields.append({"key": "gift", "type": "boolean", "label": {"en": "Gift"},
                   "access": {"edit": ["admin"]}})
    items = next(f for f in fields if f["key"] == "items")
    items["fields"].append({"key": "fragile", "type": "boolean", "label": {"en": "Fragile"},
                            "access": {"edit": ["admin"]}})
    designer = bearer(token_for("designer"))
    assert client.post("/api/v1/import", headers=designer, json={
        "format": "orderloom-package/1", "order_types": [definition]}).status_code == 201
    make_user("staff", username="locked.out")
    log_in(page, live_server, "locked.out")
    page.goto(f"{live_server}/orders")
    page.click("#new-order")
    assert page.locator("#field-priority").is_disabled()
    customer = page.locator(".form-field[data-key=customer]")
    customer.locator("[data-part=code]").fill("C8")
    customer.locator("[data-part=name]").fill("Zhou Min")
    ship_to = page.locator(".form-field[data-key=ship_to]")
    ship_to.locator("[data-part=country]").fill("CN")
    ship_to.locator("[data-part=province]").fill("Zhejiang")
    cell(page, 0, "sku").locator("input").fill("TEA-01")
    cell(page, 0, "qty").locator("input").fill("2")
    cell(page, 0, "price").locator("input").fill("10")
    page.click("#save-order")
    page.wait_for_url(f"{live_server}/orders/SO-*")
    number = page.url.rsplit("/", 1)[1]
    stored = client.get(f"/api/v1/orders/{number}", headers=bearer(token_for("admin"))
                        ).get_json()["data"]
    assert stored["priority"] == "normal" and stored["total"] == "20.00"
    assert stored["items"][0]["sku"] == "TEA-01"


def test_what_is_typed_while_the_scripts_load_stays(page, live_server, client, token_for,
                                                      make_user):
    designer = bearer(token_for("designer"))
    assert client.post("/api/v1/import", headers=designer, json={
        "format": "orderloom-package/1", "order_types": [retail()]}).status_code == 201
    make_user("staff", username="wang.fang")
    log_in(page, live_server, "wang.fang")
    # A slow connection: the form's script arrives only after the person has typed.
    held = []
    page.route("**/static/order_form.js*", lambda route: held.append(route))
    page.goto(f"{live_server}/orders/new/retail_order", wait_until="commit")
    province = page.locator(".form-field[data-key=ship_to] [data-part=province]")
    province.fill("Zhejiang")
    while not held:
        page.wait_for_timeout(50)
    held[0].continue_()
    # The script ran (it adds the first line) and kept the province typed before it.
    expect(page.locator(".lines[data-key=items] tbody tr[data-line]")).to_have_count(1)
    expect(province).to_have_value("Zhejiang")
