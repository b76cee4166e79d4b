"""The warehouse floor on a phone (390 x 844) with a keyboard-wedge scanner: the scanner
types each code and Enter into whatever has the focus, so the tests type with the
keyboard only. A wave is planned from the order list of the floor page, picked and
packed by scanning; a wrong item is refused at once in red; a short pick holds its
order; no page of the floor is wider than the phone. The screenshots of
docs/warehouse.md are taken here."""
from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.layout import page_width
from tests.browser.test_accessibility import checked, violations  # noqa: F401
from tests.browser.test_staff_console import go_to, log_in
from tests.floor.conftest import admin, floor_shop, item, place, staff  # noqa: F401

WIDTH, HEIGHT = 390, 844
DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"
REFUSED_RED = "rgb(180, 35, 24)"


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT},
                                  has_touch=True, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def fits(page) -> None:
    page.wait_for_load_state("load")
    assert page_width(page) <= WIDTH, page.url


def scan(page, code: str) -> str:
    """Type ``code`` and Enter as a scanner does, into whatever has the focus; answers
    the verdict shown."""
    before = int(page.locator("#scan-screen").get_attribute("data-answered") or 0)
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    expect(page.locator("#scan-screen")).to_have_attribute("data-answered", str(before + 1))
    assert page.evaluate("document.activeElement.id") == "scan"  # ready for the next
    return page.locator("#feedback").inner_text()


def accepted(page) -> bool:
    return page.locator("#scan-screen").get_attribute("data-last") == "ok"


def test_a_wave_is_planned_picked_and_packed_by_scanning_on_a_phone(
        phone, live_server, client, staff, make_user):  # noqa: F811
    first = place(client, staff, [item("TEA-01", 2), item("CUP-02", 1)])
    second = place(client, staff, [item("TEA-01", 1)])
    make_user("staff", username="wang.fang")
    log_in(phone, live_server, "wang.fang")
    go_to(phone, "Floor")
    expect(phone.locator("h1")).to_have_text("Warehouse floor")
    fits(phone)
    phone.check(f'input[name="orders"][value="{first}"]')
    phone.check(f'input[name="orders"][value="{second}"]')
    DOCS_IMG.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(DOCS_IMG / "floor-plan.png"))
    phone.click("text=Plan a wave of the ticked orders")
    expect(phone.locator("#pick-list li")).to_have_count(2)
    fits(phone)

    phone.click("#start-picking")
    expect(phone.locator("#instruction")).to_have_text("Go to bin B-10 and scan it.")
    fits(phone)
    assert scan(phone, "B-10") == "At bin B-10: scan TEA-01"
    assert scan(phone, "6901002") == "Wrong item: 6901002 is not TEA-01"
    assert not accepted(phone)
    assert phone.eval_on_selector("#feedback", "e => getComputedStyle(e).color") == REFUSED_RED
    phone.screenshot(path=str(DOCS_IMG / "floor-wrong-item.png"))
    assert scan(phone, "6901001") == "1 of 3 × TEA-01"
    assert scan(phone, "A-2").startswith("Too few: 1 of 3 × TEA-01 so far")
    scan(phone, "6901001")
    assert scan(phone, "6901001") == "TEA-01 done: go on"
    assert accepted(phone)
    expect(phone.locator("#instruction")).to_have_text("Go to bin A-2 and scan it.")
    scan(phone, "A-2")
    scan(phone, "6901002")
    expect(phone.locator("#instruction")).to_have_text(
        "Everything is picked: take the wave to packing.")
    expect(phone.locator("#progress")).to_have_text("4 of 4 units")

    phone.click(".crumbs a")
    phone.click("#start-packing")
    fits(phone)
    assert scan(phone, "6901001") == "Scan the order's or the waybill's barcode first"
    assert scan(phone, second) == f"Order {second}: scan each item"
    assert scan(phone, "6901001") == f"Every item verified: order {second} ships"
    expect(phone.locator(f'#wave-orders li[data-order="{second}"]')).to_have_text(
        f"{second} · packed")
    # The label prints as the parcel closes; the packer takes it before the next scan
    # (keys typed while the print dialog is up go to the dialog, as on a real bench).
    expect(phone.locator("#scan-screen")).to_have_attribute("data-label-printed",
                                                            f"{second}:1")
    scan(phone, first)
    scan(phone, "6901001")
    expect(phone.locator("#bench li")).to_have_text(["TEA-01 · 1 / 2", "CUP-02 · 0 / 1"])
    phone.screenshot(path=str(DOCS_IMG / "floor-pack.png"))
    assert scan(phone, second) == f"Too few: order {first} still lacks 2 units; finish it first"
    scan(phone, "6901001")
    assert scan(phone, "6901002") == f"Every item verified: order {first} ships"
    for number in (first, second):
        assert client.get(f"/api/v1/orders/{number}", headers=staff).get_json()["state"] == \
            "shipped"
    tea = client.get("/api/v1/stock?sku=TEA-01&warehouse=HZ", headers=staff).get_json()[0]
    assert (tea["on_hand"], tea["reserved"]) == (47, 0)


def test_a_short_pick_holds_the_order_and_the_floor_fits_a_phone_in_chinese(
        phone, live_server, client, staff, make_user):  # noqa: F811
    lacking = place(client, staff, [item("POT-03", 2)])
    wave = client.post("/api/v1/waves", headers=staff,
                       json={"warehouse": "HZ", "orders": [lacking]}).get_json()["number"]
    make_user("staff", username="wang.fang")
    log_in(phone, live_server, "wang.fang")
    phone.goto(f"{live_server}/floor/waves/{wave}/pick")
    scan(phone, "A-10")
    scan(phone, "6901003")
    phone.once("dialog", lambda dialog: dialog.accept())
    phone.click("#report-short")
    expect(phone.locator("#scan-screen")).to_have_attribute("data-answered", "3")
    expect(phone.locator("#feedback")).to_have_text(
        "Reported short: the orders lacking POT-03 are held")
    expect(phone.locator("#instruction")).to_have_text(
        "Everything is picked: take the wave to packing.")
    phone.goto(f"{live_server}/orders/{lacking}")
    expect(phone.locator("#timeline")).to_contain_text(
        f"short pick in wave {wave}: 1 × POT-03 not found on the shelf")
    # The order waits in the exception queue under its reason, counted there.
    phone.goto(f"{live_server}/exceptions")
    expect(phone.locator("#exception-counts tr[data-reason=short_pick] td").first) \
        .to_have_text("1")
    card = phone.locator("section.exception", has_text=lacking)
    expect(card).to_contain_text("Short pick")
    expect(card).to_contain_text("1 × POT-03 not found on the shelf")
    fits(phone)
    phone.screenshot(path=str(DOCS_IMG / "floor-short-pick-queue.png"))

    phone.goto(f"{live_server}/floor")
    phone.click("a.language-switch")
    headings = {"/floor": "仓库现场", f"/floor/waves/{wave}": f"波次 {wave}",
                f"/floor/waves/{wave}/pick": f"拣货 {wave}",
                f"/floor/waves/{wave}/pack": f"打包 {wave}"}
    for path, heading in headings.items():
        phone.goto(f"{live_server}{path}")
        expect(phone.locator("h1")).to_have_text(heading)
        fits(phone)


def test_the_floor_pages_have_no_serious_accessibility_violation(
        checked, live_server, client, staff, make_user):  # noqa: F811
    number = place(client, staff, [item("CUP-02", 1)])
    place(client, staff, [item("TEA-01", 1)])  # one still waiting, listed to tick
    wave = client.post("/api/v1/waves", headers=staff,
                       json={"warehouse": "HZ", "orders": [number]}).get_json()["number"]
    make_user("staff", username="wang.fang")
    log_in(checked, live_server, "wang.fang")
    found = {}
    for path in ("/floor", f"/floor/waves/{wave}", f"/floor/waves/{wave}/pick",
                 f"/floor/waves/{wave}/pack"):
        checked.goto(f"{live_server}{path}")
        checked.wait_for_load_state("load")
        found[path] = violations(checked)
    assert found == {path: [] for path in found}
