"""Pre-sale by line, and splitting pre-sale lines off (拆单): the lines in stock ship now
as a part with its own tracking, the pre-sale lines wait in a held part that shows its
release date, reserved against the expected receipts, and on the release date that
part is routed to the warehouse that has its stock."""
from __future__ import annotations

import datetime as dt

import pytest

from orderloom.db import utcnow
from orderloom.runtime import business_calendar
from orderloom.runtime.jobs.sweeper import sweep
from orderloom.runtime.orders.models import Order
from orderloom.runtime.promotions import pre_sale
from tests.channels.support import SIMPLE_MAPPING, SIMPLE_ORDER, create_channel, deliver
from tests.consolidation.conftest import buyer, item, kinds, level
from tests.consolidation.test_splitting import shape, ship, split
from tests.floor.conftest import floor_definition
from tests.platform.test_api_tokens import assert_problem, bearer
from tests.runtime.support import SAMPLE
from tests.runtime.test_concurrency import ON_POSTGRESQL, run_together
from tests.runtime.test_jobs import sessions_of

TODAY = business_calendar.instance_date(utcnow())
RELEASE = TODAY + dt.timedelta(days=10)
LATER = TODAY + dt.timedelta(days=20)
AFTER_RELEASE = utcnow() + dt.timedelta(days=11)


@pytest.fixture
def shop(client, token_for):
    """The floor's products in HZ (submit holds stock), TEA-NEW on pre-sale until
    RELEASE with 3 units expected into HZ that day, and lines that may carry their own
    release date (a date column meaning release_on)."""
    admin = bearer(token_for("admin"))
    for code, name in (("HZ", "Hangzhou"), ("SH", "Shanghai")):
        client.post("/api/v1/warehouses", headers=admin, json={"code": code, "name": name})
    for sku in ("TEA-01", "CUP-02", "TEA-NEW"):
        assert client.post("/api/v1/products", headers=admin,
                           json={"sku": sku, "name": sku}).status_code == 201
    for sku in ("TEA-01", "CUP-02"):
        client.post("/api/v1/stock/receipts", headers=admin,
                    json={"sku": sku, "warehouse": "HZ", "quantity": 50})
    definition = floor_definition()
    items = next(f for f in definition["form"]["fields"] if f["key"] == "items")
    items["fields"].append({"key": "ships_on", "type": "date", "meaning": "release_on",
                            "label": {"en": "Ships on", "zh": "发货日期"}})
    response = client.post("/api/v1/import", headers=admin, json={
        "format": "orderloom-package/1", "order_types": [definition]})
    assert response.status_code == 201, response.get_json()
    assert client.put("/api/v1/pre-sales/TEA-NEW", headers=admin,
                      json={"release_on": RELEASE.isoformat()}).status_code == 200
    assert client.put("/api/v1/expected-receipts", headers=admin, json={
        "sku": "TEA-NEW", "warehouse": "HZ", "expected_on": RELEASE.isoformat(),
        "quantity": 3}).status_code == 200
    return admin


@pytest.fixture
def desk(client, token_for, shop):
    return bearer(token_for("staff"))


def arrive(client, headers, items) -> str:
    data = {**SAMPLE, **buyer(), "items": items}
    response = client.post("/api/v1/orders", headers=headers,
                           json={"order_type": "retail_order", "data": data})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["number"]


def submit(client, headers, number):
    moved = client.post(f"/api/v1/orders/{number}/transitions/submit", headers=headers)
    assert moved.status_code == 200, moved.get_json()


def parts(client, headers, number):
    return client.get(f"/api/v1/orders/{number}/parts", headers=headers).get_json()


def expected_reserved(client, headers):
    return client.get("/api/v1/expected-receipts", headers=headers).get_json()[0]["reserved"]


def receive(client, headers, sku, quantity):
    assert client.post("/api/v1/stock/receipts", headers=headers, json={
        "sku": sku, "warehouse": "HZ", "quantity": quantity}).status_code in (200, 201)


def test_pre_sale_lines_split_off_the_rest_ships_now_and_the_held_part_on_its_day(
        app, client, shop, desk):
    number = arrive(client, desk, [item("TEA-NEW", 2), item("CUP-02", 1)])
    # The pre-sale product holds the whole order until staff split it.
    assert "held" in kinds(client, desk, number)
    response = split(client, desk, number, "pre_sale")
    assert response.status_code == 201, response.get_json()
    assert shape(response.get_json()) == [("backordered", None, {"CUP-02": 1}),
                                          ("held", None, {"TEA-NEW": 2})]
    assert response.get_json()["parts"][1]["note"] == f"pre-sale until {RELEASE.isoformat()}"
    # The order flows on: its reservation holds the cup only (TEA-NEW has no stock
    # yet; its units stay reserved against the expected receipt).
    submit(client, desk, number)
    assert level(client, desk, "CUP-02", "HZ") == (50, 1)
    assert expected_reserved(client, shop) == 2
    assert shape(parts(client, desk, number))[0] == ("to_ship", "HZ", {"CUP-02": 1})
    shipped = ship(client, desk, number, 1, "SF100000001")
    assert shipped.status_code == 201, shipped.get_json()
    assert shipped.get_json()["progress"] == "partly_shipped"
    assert shipped.get_json()["parts"][0]["tracking_number"] == "SF100000001"
    # Nothing happens before the day; on it the held part is routed to the stock
    # that came in, and the expected units are given back (not reserved twice).
    receive(client, shop, "TEA-NEW", 2)
    sweep(sessions_of(app), now=utcnow() + dt.timedelta(hours=1))
    assert shape(parts(client, desk, number))[1][0] == "held"
    sweep(sessions_of(app), now=AFTER_RELEASE)
    assert shape(parts(client, desk, number))[1] == ("to_ship", "HZ", {"TEA-NEW": 2})
    assert expected_reserved(client, shop) == 0
    assert level(client, desk, "TEA-NEW", "HZ") == (2, 2)
    entries = client.get(f"/api/v1/orders/{number}/timeline", headers=desk).get_json()
    assert {"step": "released", "release_on": RELEASE.isoformat(), "part": 2,
            "warehouse": "HZ"} in [e["details"] for e in entries if e["kind"] == "pre_sale"]
    last = ship(client, desk, number, 2, "SF100000002")
    assert last.status_code == 201 and last.get_json()["progress"] == "shipped"
    assert level(client, desk, "TEA-NEW", "HZ") == (0, 0)


def test_a_channel_line_with_its_own_release_date_waits_alone(client, shop, desk):
    # The channel's mapping fills the line's ships_on column from the shop's payload.
    mapping = {**SIMPLE_MAPPING, "lines": {"items": {
        "from": "$.lines[*]", "fields": {"sku": "$.sku", "qty": "$.n", "price": "$.price",
                                         "ships_on": "$.presale_date"}}}}
    secret = create_channel(client, shop, mapping=mapping)["secret"]
    delivered = deliver(client, "shop", {**SIMPLE_ORDER, "lines": [
        {"sku": "TEA-01", "n": 2, "price": "10.50", "presale_date": LATER.isoformat()},
        {"sku": "CUP-02", "n": 1, "price": "5.00"}]}, secret)
    assert delivered.status_code == 201, delivered.get_json()
    number = delivered.get_json()["order"]
    assert "held" not in kinds(client, desk, number)  # the order itself does not wait
    assert shape(parts(client, desk, number)) == [("backordered", None, {"CUP-02": 1}),
                                                 ("held", None, {"TEA-01": 2})]
    submit(client, desk, number)
    # Only the cup is held; the tea in stock stays free for other orders till LATER.
    assert level(client, desk, "TEA-01", "HZ") == (50, 0)
    assert shape(parts(client, desk, number))[0] == ("to_ship", "HZ", {"CUP-02": 1})
    # A line whose date has passed, or an order of nothing but dated lines, ships whole.
    whole = arrive(client, desk, [{**item("TEA-01", 1), "ships_on": TODAY.isoformat()}])
    assert parts(client, desk, whole)["parts"] == []


def test_staff_hold_one_line_until_its_date_and_its_stock_is_given_back(client, shop, desk):
    number = arrive(client, desk, [item("TEA-01", 2), item("CUP-02", 1)])
    submit(client, desk, number)
    assert level(client, desk, "TEA-01", "HZ") == (50, 2)
    response = client.put(f"/api/v1/orders/{number}/pre-sale-lines/TEA-01", headers=desk,
                          json={"release_on": LATER.isoformat()})
    assert response.status_code == 200, response.get_json()
    assert shape(response.get_json()) == [("to_ship", "HZ", {"CUP-02": 1}),
                                          ("held", None, {"TEA-01": 2})]
    assert level(client, desk, "TEA-01", "HZ") == (50, 0)
    assert level(client, desk, "CUP-02", "HZ") == (50, 1)
    # The same line twice, a day gone by, a line the order does not have: refused,
    # each at its member.
    for sku, day, pointer in (("TEA-01", LATER, "/sku"), ("CUP-02", TODAY, "/release_on"),
                              ("POT-99", LATER, "/sku")):
        refused = assert_problem(client.put(
            f"/api/v1/orders/{number}/pre-sale-lines/{sku}", headers=desk,
            json={"release_on": day.isoformat()}), 422)
        assert refused["errors"][0]["pointer"] == pointer
    assert len(parts(client, desk, number)["parts"]) == 2


def test_nothing_to_split_off_is_refused_at_the_basis(client, shop, desk):
    number = arrive(client, desk, [item("CUP-02", 1), item("TEA-01", 1)])
    refused = assert_problem(split(client, desk, number, "pre_sale"), 422)
    assert refused["errors"][0]["pointer"] == "/basis"
    assert "no pre-sale line waiting" in refused["detail"]
    assert parts(client, desk, number)["parts"] == []


def test_an_unknown_basis_is_refused_naming_every_basis_pre_sale_too(client, shop, desk):
    number = arrive(client, desk, [item("CUP-02", 1), item("TEA-01", 1)])
    refused = assert_problem(split(client, desk, number, "presale"), 422)
    assert refused["errors"][0]["pointer"] == "/basis"
    assert refused["detail"].endswith(
        "there is no basis 'presale'; split by warehouse, stock, parcel, hand, pre_sale")
    assert parts(client, desk, number)["parts"] == []


def test_the_setting_splits_pre_sale_lines_off_on_arrival(client, shop, desk):
    settings = client.put("/api/v1/consolidation-settings", headers=shop,
                          json={"split_pre_sale": True})
    assert settings.status_code == 200 and settings.get_json()["split_pre_sale"] is True
    bad = assert_problem(client.put("/api/v1/consolidation-settings", headers=shop,
                                    json={"split_pre_sale": "yes"}), 422)
    assert bad["errors"][0]["pointer"] == "/split_pre_sale"
    number = arrive(client, desk, [item("TEA-NEW", 1), item("CUP-02", 1)])
    assert "held" not in kinds(client, desk, number)
    assert shape(parts(client, desk, number)) == [("backordered", None, {"CUP-02": 1}),
                                                 ("held", None, {"TEA-NEW": 1})]
    # An order of nothing but pre-sale lines has nothing to ship now: it waits whole.
    only = arrive(client, desk, [item("TEA-NEW", 1)])
    assert "held" in kinds(client, desk, only)


def test_the_order_page_shows_the_held_part_with_its_date(client, shop, desk, actions):
    number = arrive(client, desk, [item("TEA-NEW", 2), item("CUP-02", 1)])
    actions.login_as("staff")
    page = client.get(f"/orders/{number}").get_data(as_text=True)
    assert 'id="split-pre_sale"' in page
    done = client.post(f"/orders/{number}/split", data={
        "basis": "pre_sale", "csrf_token": actions.csrf(f"/orders/{number}")})
    assert done.status_code == 302
    page = client.get(f"/orders/{number}").get_data(as_text=True)
    assert f'data-release="{RELEASE.isoformat()}"' in page
    assert f"pre-sale until {RELEASE.isoformat()}" in page
    assert 'id="split-pre_sale"' not in page  # nothing waits to be split off any more


@ON_POSTGRESQL
def test_two_held_parts_released_against_the_last_units_one_is_routed(app, client, shop,
                                                                      desk):
    numbers = [arrive(client, desk, [item("TEA-NEW", 2), item("CUP-02", 1)])
               for _ in range(2)]
    for number in numbers:
        assert split(client, desk, number, "pre_sale").status_code == 201
    receive(client, shop, "TEA-NEW", 2)  # the last units: enough for one part
    sessions = sessions_of(app)

    def release(index):
        with sessions() as session:
            order = session.query(Order).filter_by(number=numbers[index]).one()
            pre_sale.release(session, order, AFTER_RELEASE)
            session.commit()

    run_together(2, release)
    statuses = sorted(shape(parts(client, desk, n))[1][0] for n in numbers)
    assert statuses == ["backordered", "to_ship"]
    assert level(client, desk, "TEA-NEW", "HZ") == (2, 2)
    assert expected_reserved(client, shop) == 0
