"""A business user ticks who may see and change a field in the designer's field panel:
a role that may change but not see it is a problem at the field, and the choice is
saved with the draft."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.test_designer_editing import open_retail
from tests.platform.test_api_tokens import bearer


def test_who_may_see_and_change_a_field_is_ticked_in_its_panel(page, live_server, client,
                                                                token_for, make_user):
    open_retail(page, live_server, client, token_for, make_user)
    page.click('.canvas-field[data-key="note"] .field-name')
    access = page.locator("#field-panel fieldset.access")
    see, change = access.locator("fieldset").nth(0), access.locator("fieldset").nth(1)
    see.get_by_label("admin").check()
    see.get_by_label("staff").check()
    change.get_by_label("viewer").check()
    problem = access.locator('.prop-problem[data-member="access/edit"]')
    expect(problem).to_have_text("role 'viewer' may change this field but not see it; "
                                 "add it to who may see it too")
    change.get_by_label("viewer").uncheck()
    change.get_by_label("admin").check()
    expect(page.locator("#problem-count")).to_have_text("No problems")
    page.click("#save")
    expect(page.locator("#save-state")).to_have_text("All changes saved")
    designer = bearer(token_for("designer"))
    draft = client.get("/api/v1/order-types/retail_order", headers=designer).get_json()["draft"]
    note = next(f for f in draft["form"]["fields"] if f["key"] == "note")
    assert note["access"] == {"see": ["admin", "staff"], "edit": ["admin"]}
    # Nothing ticked is everyone again: the rule goes.
    for box in (see.get_by_label("admin"), see.get_by_label("staff"),
                change.get_by_label("admin")):
        box.uncheck()
    page.click("#save")
    expect(page.locator("#save-state")).to_have_text("All changes saved")
    draft = client.get("/api/v1/order-types/retail_order", headers=designer).get_json()["draft"]
    assert "access" not in next(f for f in draft["form"]["fields"] if f["key"] == "note")
