"""The packing bench and a warehouse's floor setup on a phone (390 x 844), typed with
the keyboard as a keyboard-wedge scanner does: a parcel weighed out of tolerance is
refused in red and closes when weighed again within it, its label then prints without
another click and a reprint is logged; the setup page sets the zone order the pick
path walks, with the bins' walk shown, and fits the phone. The screenshots of
docs/warehouse.md are taken here."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from orderloom.runtime.stock.catalog import Product
from tests.browser.test_accessibility import checked, violations  # noqa: F401
from tests.browser.test_staff_console import log_in
from tests.browser.test_warehouse_floor import (
    DOCS_IMG,
    REFUSED_RED,
    accepted,
    fits,
    phone,  # noqa: F401
    scan,
)
from tests.floor.conftest import admin, floor_shop, item, place, staff  # noqa: F401

WEIGHTS = {"TEA-01": 250, "CUP-02": 180}


@pytest.fixture
def weighed_shop(db, floor_shop):  # noqa: F811
    for product in db.query(Product).all():
        product.weight_grams = WEIGHTS.get(product.sku)
    db.commit()
    return floor_shop


def weigh(page, grams: str) -> str:
    before = int(page.locator("#scan-screen").get_attribute("data-answered") or 0)
    page.click("#weight")
    page.keyboard.type(grams)
    page.keyboard.press("Enter")
    expect(page.locator("#scan-screen")).to_have_attribute("data-answered", str(before + 1))
    return page.locator("#feedback").inner_text()


def test_a_parcel_is_weighed_and_its_label_prints_when_it_closes(
        phone, live_server, client, weighed_shop, staff, make_user):  # noqa: F811
    number = place(client, staff, [item("TEA-01", 2), item("CUP-02", 1)])
    wave = client.post("/api/v1/waves", headers=staff,
                       json={"warehouse": "HZ", "orders": [number]}).get_json()["number"]
    for code in ("B-10", "6901001", "6901001", "A-2", "6901002"):
        assert client.post(f"/api/v1/waves/{wave}/pick-scans", headers=staff,
                           json={"code": code}).get_json()["accepted"]
    make_user("admin", username="li.na")
    log_in(phone, live_server, "li.na")
    phone.goto(f"{live_server}/floor/warehouses/HZ")
    expect(phone.locator("h1")).to_have_text("Floor setup of HZ")
    phone.fill("#tolerance-grams", "40")
    phone.fill("#packaging-grams", "150")
    phone.click("text=Save weighing")
    expect(phone.locator(".notice")).to_contain_text("Weighing at the packing bench of HZ")

    phone.goto(f"{live_server}/floor/waves/{wave}/pack")
    fits(phone)
    scan(phone, number)
    scan(phone, "6901001")
    scan(phone, "6901001")
    assert scan(phone, "6901002") == \
        f"Every item of order {number} verified: weigh the parcel to close it"
    expected = 2 * 250 + 180 + 150
    assert weigh(phone, str(expected + 90)) == (
        f"Weight out of tolerance: the parcel of {number} weighs {expected + 90} g, "
        f"expected {expected} g ± 40 g; check it and weigh it again")
    assert not accepted(phone)
    assert phone.eval_on_selector("#feedback", "e => getComputedStyle(e).color") == REFUSED_RED
    assert phone.evaluate("document.activeElement.id") == "scan"  # ready to scan again
    phone.screenshot(path=str(DOCS_IMG / "floor-weigh.png"))
    assert weigh(phone, str(expected + 10)) == f"Every item verified: order {number} ships"
    # The label opens for printing by itself, and the print is logged.
    expect(phone.locator("#scan-screen")).to_have_attribute("data-label-printed",
                                                            f"{number}:1")
    assert number in phone.eval_on_selector("#label-frame", "f => f.srcdoc")
    expect(phone.locator("#label-note")).to_have_text(
        f"Shipping label of {number} sent to the printer")
    phone.screenshot(path=str(DOCS_IMG / "floor-label.png"))
    phone.click("#reprint-label")
    expect(phone.locator("#scan-screen")).to_have_attribute("data-label-printed",
                                                            f"{number}:2")
    expect(phone.locator("#label-note")).to_have_text(
        f"Shipping label of {number} reprinted (print 2)")
    log = client.get(f"/api/v1/waves/{wave}/log", headers=staff).get_json()
    assert [entry["outcome"] for entry in log if entry["step"] == "label"] == \
        ["label_reprinted", "label_printed"]
    assert client.get(f"/api/v1/orders/{number}", headers=staff).get_json()["state"] == \
        "shipped"


def test_the_zone_order_is_set_on_the_setup_page_and_the_pick_path_walks_it(
        phone, live_server, client, staff, make_user):  # noqa: F811
    make_user("admin", username="li.na")
    log_in(phone, live_server, "li.na")
    phone.goto(f"{live_server}/floor?warehouse=HZ")
    phone.click("#floor-setup-link")
    fits(phone)
    # Walked B before A as the warehouse was created; bins in natural order.
    expect(phone.locator("#walk-preview li")).to_have_count(2)
    expect(phone.locator("#walk-preview li").first).to_have_attribute("data-zone", "B")
    expect(phone.locator("#walk-preview li[data-zone=A] .walk-bin")).to_have_text(
        ["A-2 CUP-02", "A-10 POT-03"])
    phone.fill("#zone-order-box", "A\nB\nA")
    phone.click("text=Save the zone order")
    expect(phone.locator("#error-zone_order")).to_have_text("zone A is listed twice")
    fits(phone)
    phone.fill("#zone-order-box", "A\nB")
    phone.click("text=Save the zone order")
    expect(phone.locator(".notice")).to_contain_text("The zone order of HZ is saved")
    expect(phone.locator("#walk-preview li").first).to_have_attribute("data-zone", "A")
    phone.screenshot(path=str(DOCS_IMG / "floor-setup.png"), full_page=True)
    phone.click("a.language-switch")
    expect(phone.locator("h1")).to_have_text("HZ 的仓库现场设置")
    fits(phone)
    number = place(client, staff, [item("TEA-01", 1), item("CUP-02", 1)])
    wave = client.post("/api/v1/waves", headers=staff,
                       json={"warehouse": "HZ", "orders": [number]}).get_json()
    assert [stop["bin"] for stop in wave["pick_list"]] == ["A-2", "B-10"]


def test_the_setup_page_and_the_weighing_bench_have_no_serious_accessibility_violation(
        checked, live_server, client, weighed_shop, staff, make_user):  # noqa: F811
    number = place(client, staff, [item("CUP-02", 1)])
    wave = client.post("/api/v1/waves", headers=staff,
                       json={"warehouse": "HZ", "orders": [number]}).get_json()["number"]
    make_user("admin", username="li.na")
    log_in(checked, live_server, "li.na")
    checked.goto(f"{live_server}/floor/warehouses/HZ")
    checked.fill("#tolerance-grams", "x")
    checked.click("text=Save weighing")  # a refusal beside its box is checked too
    expect(checked.locator("#error-tolerance_grams")).to_be_visible()
    found = {"/floor/warehouses/HZ": violations(checked)}
    checked.fill("#tolerance-grams", "30")
    checked.click("text=Save weighing")
    checked.goto(f"{live_server}/floor/waves/{wave}/pack")
    checked.wait_for_load_state("load")
    found["pack"] = violations(checked)
    assert found == {path: [] for path in found}


def test_a_refused_request_shows_the_servers_reason_not_a_lost_connection(
        phone, live_server, client, db, floor_shop, staff, make_user):  # noqa: F811
    # Every failed request was shown as "check the connection", a 403 or a 422 with its
    # reason too, so a packer whose access was taken away kept scanning again.
    number = place(client, staff, [item("CUP-02", 1)])
    wave = client.post("/api/v1/waves", headers=staff,
                       json={"warehouse": "HZ", "orders": [number]}).get_json()["number"]
    packer = make_user("staff", username="zhao.lei")
    log_in(phone, live_server, "zhao.lei")
    phone.goto(f"{live_server}/floor/waves/{wave}/pick")
    scan(phone, "A-2")
    phone.context.set_offline(True)
    assert scan(phone, "6901002") == \
        "The scan was not sent: check the connection and scan again."
    phone.context.set_offline(False)
    packer.roles = []
    db.commit()
    assert scan(phone, "6901002") == \
        "your roles do not include the permission 'floor.work'"
    assert not accepted(phone)
