"""SF Express's routes, against a local fake of 丰桥: staff ask SF for a parcel's routes
(路由查询), SF pushes them (路由推送) signed with the check word, a pushed "signed
for" delivers the order, a repeated push changes nothing and a forged one is
refused with nothing read."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from orderloom.runtime.orders.models import OrderEvent
from orderloom.runtime.shipping.models import TrackingEvent
from tests.logistics.fake_sf import CHINA, FakeSf, route, route_push
from tests.logistics.support import PHONE
from tests.logistics.test_sf_express import set_up, ship_order, shipments
from tests.platform.test_api_tokens import assert_problem, bearer

NUMBER = "SF444003077898"  # the fake platform's first waybill
FORM = {"Content-Type": "application/x-www-form-urlencoded;charset=UTF-8"}


@pytest.fixture(autouse=True)
def carriers_on_loopback(outbound_to_loopback):
    """The fake platform listens on 127.0.0.1."""


@pytest.fixture
def sf():
    with FakeSf() as server:
        yield server


@pytest.fixture
def admin(token_for):
    return bearer(token_for("admin"))


@pytest.fixture
def staff(token_for):
    return bearer(token_for("staff"))


def beijing(hours_ago: float) -> str:
    return f"{datetime.now(CHINA) - timedelta(hours=hours_ago):%Y-%m-%d %H:%M:%S}"


def journey() -> list[dict]:
    return [route("50", beijing(30), "顺丰速运 已收取快件", "杭州市"),
            route("36", beijing(20), "快件离开 【杭州余杭集散中心】", "杭州市"),
            route("31", beijing(10), "快件到达 【北京顺义集散中心】", "北京市"),
            route("44", beijing(2), "快件交给张师傅，正在派送途中", "北京市")]


def pushed(journey_: list[dict]) -> list[dict]:
    return [{**step, "mailno": NUMBER, "orderid": "PO-1", "id": str(index)}
            for index, step in enumerate(journey_)]


def order_state(client, staff, number: str) -> str:
    return client.get(f"/api/v1/orders/{number}", headers=staff).get_json()["state"]


def counts(db) -> tuple[int, int]:
    """The tracking events stored and the timeline entries written."""
    db.rollback()  # see what the requests committed
    seen = (db.scalar(select(func.count()).select_from(TrackingEvent)),
            db.scalar(select(func.count()).select_from(OrderEvent)))
    db.rollback()  # and hold no read open while the next request writes (SQLite)
    return seen


def test_staff_ask_sf_for_a_parcels_routes(client, admin, staff, token_for, sf, db):
    set_up(client, admin, token_for, sf)
    number = ship_order(client, staff)
    [shipment] = shipments(client, staff, number)
    sf.phones[NUMBER] = PHONE  # SF checks the recipient's phone's last four digits
    sf.routes[NUMBER] = [*journey(), route("8000", beijing(1), "订单已结束")]

    asked = client.post(f"/api/v1/shipments/{shipment['id']}/refresh", headers=staff)
    assert asked.status_code == 200, asked.get_json()
    [query] = sf.calls("EXP_RECE_SEARCH_ROUTES")
    assert (query["trackingType"], query["trackingNumber"], query["checkPhoneNo"]) == \
        ("1", [NUMBER], "5678")

    [shipment] = shipments(client, staff, number)
    assert shipment["status"] == "out_for_delivery"  # 44: 正在派送途中
    journey_ = [(e["status"], e["location"]) for e in shipment["events"]
                if e["status"] != "label_created"]  # the booking's own, at booking time
    assert journey_ == [("picked_up", "杭州市"), ("in_transit", "杭州市"),
                            ("in_transit", "北京市"), ("out_for_delivery", "北京市")]
    # 8000 (SF closing its order) is no step of the parcel's journey.
    assert "订单已结束" not in str(shipment["events"])

    again = client.post(f"/api/v1/shipments/{shipment['id']}/refresh", headers=staff)
    assert again.status_code == 200 and len(shipments(client, staff, number)[0]["events"]) \
        == len(shipment["events"])


def test_a_query_sf_refuses_is_said_and_records_nothing(client, admin, staff, token_for,
                                                       sf, db):
    set_up(client, admin, token_for, sf)
    number = ship_order(client, staff)
    [shipment] = shipments(client, staff, number)
    sf.phones[NUMBER] = "13900001111"  # not the recipient's: SF refuses the query
    sf.routes[NUMBER] = journey()
    refused = assert_problem(client.post(f"/api/v1/shipments/{shipment['id']}/refresh",
                                         headers=staff), 502)
    assert "8151" in refused["detail"]
    assert len(shipments(client, staff, number)[0]["events"]) == 1  # only "booked"


def test_a_pushed_signed_for_delivers_the_order_and_a_repeat_changes_nothing(
        client, admin, staff, token_for, sf, db):
    set_up(client, admin, token_for, sf)
    number = ship_order(client, staff)
    push = route_push(pushed([*journey(), route("80", beijing(1), "已签收，感谢使用顺丰",
                                                "北京市")]))

    answered = client.post("/api/v1/carriers/sfx/webhook", data=push, headers=FORM)
    assert answered.status_code == 200
    assert answered.get_json() == {"return_code": "0000", "return_msg": "成功"}
    [shipment] = shipments(client, staff, number)
    assert shipment["status"] == "delivered" and shipment["delivered_at"]
    assert order_state(client, staff, number) == "delivered"  # the tracking map's deliver
    before = counts(db)

    repeated = client.post("/api/v1/carriers/sfx/webhook", data=push, headers=FORM)
    assert repeated.status_code == 200 and repeated.get_json()["return_code"] == "0000"
    assert counts(db) == before
    assert order_state(client, staff, number) == "delivered"


def test_a_forged_push_is_refused_and_nothing_is_read(client, admin, staff, token_for, sf,
                                                      db):
    set_up(client, admin, token_for, sf)
    number = ship_order(client, staff)
    before = counts(db)
    delivered = pushed([route("80", beijing(1), "已签收", "北京市")])

    for body, headers in [
            (route_push(delivered, check_word="someone-elses-word"), FORM),
            # The same document posted as plain JSON carries no signature at all.
            (b'{"Body": {"WaybillRoute": [{"mailno": "SF444003077898", "opCode": "80"}]}}',
             {"Content-Type": "application/json"})]:
        refused = client.post("/api/v1/carriers/sfx/webhook", data=body, headers=headers)
        assert refused.status_code == 401
        assert refused.get_json()["return_code"] == "1000"
        assert "check word" in refused.get_json()["return_msg"] or \
            "signed form" in refused.get_json()["return_msg"]

    assert counts(db) == before
    assert order_state(client, staff, number) == "shipped"


def test_a_push_sf_cannot_have_meant_is_refused_with_its_place(client, admin, staff,
                                                              token_for, sf, db):
    set_up(client, admin, token_for, sf)
    number = ship_order(client, staff)
    before = counts(db)
    bad = route_push(pushed([route("80", "yesterday")]))
    refused = client.post("/api/v1/carriers/sfx/webhook", data=bad, headers=FORM)
    assert refused.status_code == 422
    assert "/msgData/Body/WaybillRoute/0/acceptTime" in refused.get_json()["return_msg"]
    assert counts(db) == before

    # SF pushes many parcels' news at once and drops a push refused three times: an
    # unreadable route is skipped, and the news beside it is kept.
    mixed = route_push(pushed([route("50", beijing(3)), route("80", "yesterday"),
                               route("44", beijing(2))]))
    kept = client.post("/api/v1/carriers/sfx/webhook", data=mixed, headers=FORM)
    assert kept.status_code == 200 and kept.get_json()["return_code"] == "0000"
    assert counts(db)[0] == before[0] + 2
    assert order_state(client, staff, number) == "shipped"  # the unreadable 80 was not read
    before = counts(db)

    # A waybill Orderloom has no shipment for is accepted and ignored, so SF stops.
    other = route_push([{**route("80", beijing(1)), "mailno": "SF999999999999"}])
    assert client.post("/api/v1/carriers/sfx/webhook", data=other,
                       headers=FORM).get_json()["return_code"] == "0000"
    assert counts(db) == before
