"""SF Express through its open platform, against a local fake of 丰桥: a booking gets
a waybill number and a printable e-waybill, a retried booking is not booked twice, a
wrong check word is said plainly, and rate shopping picks by the carriers' quotes."""
from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from orderloom.db import utcnow
from orderloom.runtime.jobs.models import DONE, PENDING, RUNNING, Job
from orderloom.runtime.jobs.sweeper import sweep
from orderloom.runtime.orders.models import OrderEvent
from orderloom.runtime.shipping.models import find_carrier
from tests.logistics.fake_sf import CHECK_WORD, MONTHLY_ACCOUNT, PARTNER_ID, FakeSf
from tests.logistics.support import PHONE, SAMPLE, carrier_config, parcel_order
from tests.platform.test_api_tokens import assert_problem, bearer

WAREHOUSE = {"code": "HZ1", "name": "Hangzhou DC", "address": {
    "name": "Orderloom Tea", "phone": "0571-88886666", "province": "浙江省",
    "city": "杭州市", "district": "余杭区", "street": "文一西路 998 号"}}


@pytest.fixture(autouse=True)
def carriers_on_loopback(outbound_to_loopback):
    """The fake platform listens on 127.0.0.1."""


@pytest.fixture
def sf():
    with FakeSf() as server:
        yield server


def sf_config(sf: FakeSf, **changes) -> dict:
    return {"partner_id": PARTNER_ID, "check_word": CHECK_WORD,
            "monthly_account": MONTHLY_ACCOUNT, "environment": "sandbox", "url": sf.url,
            "express_type": 2, **changes}


@pytest.fixture
def admin(token_for):
    return bearer(token_for("admin"))


@pytest.fixture
def staff(token_for):
    return bearer(token_for("staff"))


def set_up(client, admin, token_for, sf, *, action=None, **config) -> None:
    created = client.post("/api/v1/carriers", headers=admin, json={
        "code": "sfx", "name": "SF Express", "kind": "sf_express",
        "config": sf_config(sf, **config)})
    assert created.status_code == 201, created.get_json()
    assert client.post("/api/v1/warehouses", headers=admin,
                       json=WAREHOUSE).status_code == 201
    definition = parcel_order()
    ship = definition["workflow"]["transitions"][0]
    ship["actions"] = [{"type": "choose_warehouse", "warehouse": "HZ1"},
                       action or {"type": "create_shipment", "carrier": "sfx"}]
    imported = client.post("/api/v1/import", headers=bearer(token_for("designer")), json={
        "format": "orderloom-package/1", "order_types": [definition]})
    assert imported.status_code == 201, imported.get_json()


def ship_order(client, staff) -> str:
    made = client.post("/api/v1/orders", headers=staff, json={
        "order_type": "parcel_order", "data": SAMPLE})
    assert made.status_code == 201, made.get_json()
    number = made.get_json()["number"]
    shipped = client.post(f"/api/v1/orders/{number}/transitions/ship", headers=staff)
    assert shipped.status_code == 200, shipped.get_json()
    return number


def shipments(client, staff, number) -> list[dict]:
    return client.get(f"/api/v1/orders/{number}/shipments",
                      headers=staff).get_json()["shipments"]


def runner_of(app):
    return app.extensions["orderloom.jobs"].runner


def test_an_sf_booking_returns_a_waybill_number_and_a_printable_label(
        client, admin, staff, token_for, sf, db):
    set_up(client, admin, token_for, sf)
    number = ship_order(client, staff)

    [shipment] = shipments(client, staff, number)
    assert shipment["carrier"] == "sfx" and shipment["tracking_number"] == "SF444003077898"
    [booked] = sf.calls("EXP_RECE_CREATE_ORDER")
    assert booked["monthlyCard"] == MONTHLY_ACCOUNT and booked["expressTypeId"] == 2
    sender, recipient = booked["contactInfoList"]
    assert (sender["contactType"], sender["city"], sender["tel"]) == (1, "杭州市",
                                                                      "0571-88886666")
    assert (recipient["contactType"], recipient["contact"], recipient["tel"]) == \
        (2, "Zhang Wei", PHONE)
    assert recipient["address"] == "88 Wensan Road, Room 1203"

    label = client.get(f"/api/v1/shipments/{shipment['id']}/label", headers=staff)
    assert label.status_code == 200 and label.mimetype == "text/html"
    page = label.get_data(as_text=True)
    assert "100mm 150mm" in page  # the thermal label's page size for the print dialog
    assert 'data-route="010WA-A12"' in page  # 目的地代码, printed large
    assert 'data-text="SF444003077898"' in page and "<svg" in page  # its barcode
    assert "138****5678" in page and PHONE not in page  # the recipient's phone masked
    assert "杭州市" in page and "顺丰标快" in page and "******4567" in page
    pdf = client.get(f"/api/v1/shipments/{shipment['id']}/label?format=pdf", headers=staff)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")

    # The check word went in and never comes out; it is sealed in the credentials, as
    # every kind's secrets are, and not kept in the config.
    shown = client.get("/api/v1/carriers/sfx", headers=admin).get_json()
    assert shown["config"]["check_word"] == "***" and CHECK_WORD not in json.dumps(shown)
    stored = find_carrier(db, "sfx")
    assert "check_word" not in stored.config and stored.credentials.startswith("fernet:")


def test_a_label_of_a_parcel_not_booked_with_sf_is_refused(client, admin, staff, token_for,
                                                           sf):
    set_up(client, admin, token_for, sf)
    number = ship_order(client, staff)
    local = client.post(f"/api/v1/orders/{number}/shipments", headers=staff,
                        json={"carrier": "local"}).get_json()
    refused = assert_problem(client.get(f"/api/v1/shipments/{local['id']}/label",
                                        headers=staff), 404)
    assert "not booked with SF Express" in refused["detail"]


def test_a_retry_after_a_lost_answer_does_not_book_twice(app, client, admin, staff,
                                                         token_for, sf, db):
    set_up(client, admin, token_for, sf)
    sf.lose_next_answer = True  # SF books, and its answer never arrives
    number = ship_order(client, staff)
    assert shipments(client, staff, number) == []
    job = db.scalars(select(Job).where(Job.kind == "create_shipment")).one()
    assert job.status == PENDING and "HTTP 502" in job.last_error
    db.rollback()

    sweep(app.extensions["orderloom.db"].sessions, now=utcnow() + timedelta(minutes=5),
          runner=runner_of(app))

    [shipment] = shipments(client, staff, number)
    assert shipment["tracking_number"] == "SF444003077898"
    assert len(sf.bookings) == 1  # SF holds one parcel
    first, second = sf.calls("EXP_RECE_CREATE_ORDER")
    assert first["orderId"] == second["orderId"]  # the same order id both times
    assert [c["orderId"] for c in sf.calls("EXP_RECE_SEARCH_ORDER_RESP")] == \
        [first["orderId"]]  # SF's 8016 "duplicate order": the waybill was read back
    assert db.scalars(select(Job.status).where(Job.kind == "create_shipment")).one() == DONE


def test_a_rate_limited_booking_is_retried(app, client, admin, staff, token_for, sf, db):
    set_up(client, admin, token_for, sf)
    sf.rate_limited = 1
    number = ship_order(client, staff)
    job = db.scalars(select(Job).where(Job.kind == "create_shipment")).one()
    assert job.status == PENDING and "A1005" in job.last_error
    assert "limiting" in job.last_error
    db.rollback()
    sweep(app.extensions["orderloom.db"].sessions, now=utcnow() + timedelta(minutes=5),
          runner=runner_of(app))
    assert [s["tracking_number"] for s in shipments(client, staff, number)] == \
        ["SF444003077898"]


def test_a_wrong_check_word_is_shown_clearly(client, admin, staff, token_for, sf, db):
    set_up(client, admin, token_for, sf, check_word="copied-from-production")
    refused = assert_problem(client.post("/api/v1/carriers/sfx/test", headers=admin), 422)
    assert refused["errors"][0]["pointer"] == "/config/check_word"
    assert "A1006" in refused["detail"] and "check word (校验码)" in refused["detail"]
    assert "copied-from-production" not in json.dumps(refused)

    number = ship_order(client, staff)
    assert shipments(client, staff, number) == []
    error = db.scalars(select(Job.last_error).where(Job.kind == "create_shipment")).one()
    assert "check word" in error and "A1006" in error
    db.rollback()

    # The right word, given again: the connection test passes.
    config = client.get("/api/v1/carriers/sfx", headers=admin).get_json()["config"]
    fixed = client.patch("/api/v1/carriers/sfx", headers=admin,
                         json={"config": {**config, "check_word": CHECK_WORD}})
    assert fixed.status_code == 200, fixed.get_json()
    tested = client.post("/api/v1/carriers/sfx/test", headers=admin)
    assert tested.status_code == 200 and PARTNER_ID in tested.get_json()["detail"]


def test_sf_settings_are_checked_with_pointers(client, admin, sf):
    missing = assert_problem(client.post("/api/v1/carriers", headers=admin, json={
        "code": "sfx", "name": "SF", "kind": "sf_express",
        "config": {"partner_id": PARTNER_ID, "monthly_account": "12ab"}}), 422)
    pointers = {e["pointer"] for e in missing["errors"]}
    assert pointers == {"/config/check_word", "/config/monthly_account"}
    assert client.get("/api/v1/carriers/sfx", headers=admin).status_code == 404
    # A kept check word does not follow a move to another address.
    client.post("/api/v1/carriers", headers=admin, json={
        "code": "sfx", "name": "SF", "kind": "sf_express", "config": sf_config(sf)})
    moved = assert_problem(client.patch("/api/v1/carriers/sfx", headers=admin, json={
        "config": {"partner_id": PARTNER_ID, "monthly_account": MONTHLY_ACCOUNT,
                   "environment": "production"}}), 422)
    assert moved["errors"][0]["pointer"] == "/config/check_word"


@pytest.fixture
def http_carrier(client, admin):
    from tests.logistics.support import FakeCarrier

    with FakeCarrier() as server:
        config = {**carrier_config(server.url), "quote_url": f"{server.url}/quotes"}
        created = client.post("/api/v1/carriers", headers=admin, json={
            "code": "jd", "name": "JD Logistics", "config": config})
        assert created.status_code == 201, created.get_json()
        yield server


def chosen_entry(db) -> dict:
    return db.scalars(select(OrderEvent.details).where(
        OrderEvent.kind == "carrier_chosen")).one()


@pytest.mark.parametrize("mode, winner", [("cheapest", "jd"), ("fastest", "sfx")])
def test_a_routing_rule_books_with_the_cheapest_or_fastest_carrier(
        client, admin, staff, token_for, sf, http_carrier, db, mode, winner):
    # SF: 18.00 in 1 day; JD (an HTTP carrier with a quote URL): 12.00 in 3 days.
    set_up(client, admin, token_for, sf,
           action={"type": "create_shipment", "carrier": "local", "choose": mode})
    number = ship_order(client, staff)

    [shipment] = shipments(client, staff, number)
    assert shipment["carrier"] == winner
    chosen = chosen_entry(db)
    assert chosen["mode"] == mode and chosen["carrier"] == winner
    assert sorted((q["carrier"], q["price"], q["days"]) for q in chosen["quotes"]) == \
        [("jd", "12.00", 3), ("sfx", "18.00", 1)]
    [asked] = sf.calls("EXP_RECE_QUERY_DELIVERTM")
    assert asked["srcAddress"]["city"] == "杭州市" and asked["destAddress"]["city"] == \
        "Hangzhou"


@pytest.mark.parametrize("lost", ["answered 502", "connection dropped"])
def test_a_retried_booking_books_with_the_carrier_chosen_before_the_call(
        app, client, admin, staff, token_for, sf, http_carrier, db, lost):
    """Once a retry after a lost answer shopped again: SF had booked the parcel, the
    quotes had changed meanwhile, and the retry booked it with JD as well."""
    set_up(client, admin, token_for, sf,
           action={"type": "create_shipment", "carrier": "local", "choose": "cheapest"})
    sf.fee = "9.50"  # cheaper than JD's 12.00
    if lost == "answered 502":
        sf.lose_next_answer = True
    else:
        sf.drop_next_answer = True
    number = ship_order(client, staff)
    assert shipments(client, staff, number) == []
    assert len(sf.bookings) == 1  # SF booked; Orderloom never heard
    failed = db.scalars(select(Job).where(Job.kind == "create_shipment",
                                          Job.status == PENDING)).one()
    assert failed.payload["carrier"] == "sfx" and "choose" not in failed.payload
    assert failed.payload["quote"]["price"] == "9.50"  # the choice, committed before
    db.rollback()

    sf.fee = "30.00"  # shopping again now would choose JD
    sweep(app.extensions["orderloom.db"].sessions, now=utcnow() + timedelta(minutes=5),
          runner=runner_of(app))

    [shipment] = shipments(client, staff, number)
    assert (shipment["carrier"], shipment["tracking_number"]) == ("sfx", "SF444003077898")
    assert len(sf.bookings) == 1
    first, second = sf.calls("EXP_RECE_CREATE_ORDER")
    assert first["orderId"] == second["orderId"]  # SF deduplicates on it (8016)
    assert [r["path"] for r in http_carrier.requests] == ["/quotes"]  # JD booked nothing
    assert len(sf.calls("EXP_RECE_QUERY_DELIVERTM")) == 1  # no second shopping
    assert chosen_entry(db)["carrier"] == "sfx"  # one carrier_chosen, the first
    assert set(db.scalars(select(Job.status).where(Job.kind == "create_shipment"))) == {DONE}


def test_staff_see_every_quote_and_book_the_cheapest(client, admin, staff, token_for, sf,
                                                     http_carrier, db):
    set_up(client, admin, token_for, sf,
           action={"type": "create_shipment", "carrier": "local"})
    made = client.post("/api/v1/orders", headers=staff, json={
        "order_type": "parcel_order", "data": SAMPLE})
    number = made.get_json()["number"]
    sf.fee = "9.50"
    quotes = client.get(f"/api/v1/orders/{number}/quotes", headers=staff).get_json()
    assert quotes["cheapest"] == "sfx" and quotes["fastest"] == "sfx"
    assert {q["carrier"]: q["price"] for q in quotes["quotes"]} == {"sfx": "9.50",
                                                                    "jd": "12.00"}
    booked = client.post(f"/api/v1/orders/{number}/shipments", headers=staff,
                         json={"carrier": "local", "choose": "cheapest",
                               "warehouse": "HZ1"})
    assert booked.status_code == 201, booked.get_json()
    assert booked.get_json()["carrier"] == "sfx"
    assert chosen_entry(db)["carrier"] == "sfx"


def order_to_ship(client, staff) -> str:
    made = client.post("/api/v1/orders", headers=staff, json={
        "order_type": "parcel_order", "data": SAMPLE})
    assert made.status_code == 201, made.get_json()
    return made.get_json()["number"]


def lose_next_booking_answer(sf: FakeSf, lost: str) -> None:
    if lost == "answered 502":
        sf.lose_next_answer = True
    else:
        sf.drop_next_answer = True


def book_by_quote(client, staff, number, **body):
    return client.post(f"/api/v1/orders/{number}/shipments", headers=staff,
                       json={"carrier": "local", "warehouse": "HZ1", **body})


@pytest.mark.parametrize("lost", ["answered 502", "connection dropped"])
def test_staff_booking_again_after_a_lost_answer_books_one_parcel(
        client, admin, staff, token_for, sf, http_carrier, db, lost):
    """Once staff booking by quote chose and booked in one request with a new reference
    each time: SF booked, its answer was lost, the person clicked again and a second
    parcel was booked."""
    set_up(client, admin, token_for, sf, action={"type": "create_shipment", "carrier": "local"})
    number = order_to_ship(client, staff)
    sf.fee = "9.50"  # cheaper than JD's 12.00
    lose_next_booking_answer(sf, lost)

    failed = book_by_quote(client, staff, number, choose="cheapest")
    body = assert_problem(failed, 502)
    assert "may have gone through" in body["detail"]
    assert "trying again is safe" in body["detail"]
    assert body["booking"]["carrier"] == "sfx"
    assert shipments(client, staff, number) == []
    assert len(sf.bookings) == 1  # SF booked; Orderloom never heard

    sf.fee = "30.00"  # choosing again now would take JD
    again = book_by_quote(client, staff, number, choose="cheapest")
    assert again.status_code == 201, again.get_json()
    assert (again.get_json()["carrier"], again.get_json()["tracking_number"]) == \
        ("sfx", "SF444003077898")

    [shipment] = shipments(client, staff, number)
    assert shipment["label"]["reference"] == body["booking"]["reference"]
    assert len(sf.bookings) == 1
    first, second = sf.calls("EXP_RECE_CREATE_ORDER")
    assert first["orderId"] == second["orderId"] == body["booking"]["reference"]
    assert [r["path"] for r in http_carrier.requests] == ["/quotes"]  # JD booked nothing
    assert len(sf.calls("EXP_RECE_QUERY_DELIVERTM")) == 1  # chosen once
    assert chosen_entry(db)["carrier"] == "sfx"  # one carrier_chosen
    db.rollback()

    once_more = book_by_quote(client, staff, number, choose="cheapest")
    # Once confirmed, the booking is done with: another parcel is chosen afresh.
    assert once_more.status_code == 201, once_more.get_json()
    assert once_more.get_json()["carrier"] == "jd"


def test_another_carrier_chosen_while_a_booking_is_unconfirmed_is_refused(
        client, admin, staff, token_for, sf, http_carrier, db):
    set_up(client, admin, token_for, sf, action={"type": "create_shipment", "carrier": "local"})
    number = order_to_ship(client, staff)
    sf.lose_next_answer = True
    lost = assert_problem(book_by_quote(client, staff, number, choose="chosen",
                                        carrier="sfx"), 502)
    booking = lost["booking"]

    refused = assert_problem(book_by_quote(client, staff, number, choose="chosen",
                                           carrier="jd"), 409)
    assert "carrier sfx is being booked" in refused["detail"]
    assert f"/bookings/{booking['id']}/cancel" in refused["detail"]
    assert refused["booking"]["reference"] == booking["reference"]
    assert [r["path"] for r in http_carrier.requests] == ["/quotes"]  # JD booked nothing
    assert len(db.scalars(select(OrderEvent).where(
        OrderEvent.kind == "carrier_chosen")).all()) == 1
    db.rollback()

    cancelled = client.post(f"/api/v1/orders/{number}/bookings/{booking['id']}/cancel",
                            headers=staff)
    assert cancelled.status_code == 200, cancelled.get_json()
    assert cancelled.get_json()["carrier"] == "sfx"
    assert_problem(client.post(f"/api/v1/orders/{number}/bookings/{booking['id']}/cancel",
                               headers=staff), 404)
    jd = book_by_quote(client, staff, number, choose="chosen", carrier="jd")
    assert jd.status_code == 201, jd.get_json()
    assert [s["carrier"] for s in shipments(client, staff, number)] == ["jd"]


def test_a_booking_its_retries_gave_up_on_is_still_the_one_booked_again(
        client, admin, staff, token_for, sf, http_carrier, db):
    set_up(client, admin, token_for, sf, action={"type": "create_shipment", "carrier": "local"})
    number = order_to_ship(client, staff)
    sf.fee = "9.50"
    for _ in range(5):  # every attempt a booking job has
        sf.lose_next_answer = True
        booking = assert_problem(book_by_quote(client, staff, number, choose="cheapest"),
                                 502)["booking"]
    assert booking["status"] == "failed"
    assert_problem(book_by_quote(client, staff, number, choose="chosen", carrier="jd"), 409)

    again = book_by_quote(client, staff, number, choose="cheapest")
    assert again.status_code == 201, again.get_json()
    assert {call["orderId"] for call in sf.calls("EXP_RECE_CREATE_ORDER")} == \
        {booking["reference"]}
    assert len(sf.bookings) == 1 and len(shipments(client, staff, number)) == 1


# PostgreSQL only: SQLite ignores the row lock that keeps two requests apart.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_clicks_at_once_book_one_parcel(app, client, admin, staff, token_for, sf,
                                           http_carrier, db):
    set_up(client, admin, token_for, sf, action={"type": "create_shipment", "carrier": "local"})
    number = order_to_ship(client, staff)
    sf.fee = "9.50"
    start = threading.Barrier(2)
    answers: list[int] = []

    def click() -> None:
        own = app.test_client()
        start.wait()
        answers.append(book_by_quote(own, staff, number, choose="cheapest").status_code)

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # The second is either told the booking is under way or gets the same shipment.
    assert sorted(answers) in ([201, 201], [201, 409]), answers
    assert len(sf.bookings) == 1
    assert len({call["orderId"] for call in sf.calls("EXP_RECE_CREATE_ORDER")}) == 1
    assert len(shipments(client, staff, number)) == 1
    assert chosen_entry(db)["carrier"] == "sfx"  # one choice on the timeline


def test_a_booking_running_elsewhere_is_not_called_again(
        client, admin, staff, token_for, sf, http_carrier, db):
    set_up(client, admin, token_for, sf, action={"type": "create_shipment", "carrier": "local"})
    number = order_to_ship(client, staff)
    sf.fee, sf.lose_next_answer = "9.50", True
    booking = assert_problem(book_by_quote(client, staff, number, choose="cheapest"),
                             502)["booking"]
    # A worker of the sweeper's retries holds the job, as a runner's claim does.
    db.execute(update(Job).where(Job.id == booking["id"]).values(
        status=RUNNING, claimed_at=utcnow(), claimed_by="another-worker"))
    db.commit()

    under_way = assert_problem(book_by_quote(client, staff, number, choose="cheapest"), 409)
    assert "under way" in under_way["detail"]
    assert under_way["booking"]["id"] == booking["id"]
    assert len(sf.calls("EXP_RECE_CREATE_ORDER")) == 1
    assert_problem(client.post(f"/api/v1/orders/{number}/bookings/{booking['id']}/cancel",
                               headers=staff), 409)


def test_on_the_order_page_a_lost_answer_says_booking_again_is_safe(
        client, admin, staff, token_for, sf, http_carrier, actions, db):
    set_up(client, admin, token_for, sf, action={"type": "create_shipment", "carrier": "local"},
           sender=WAREHOUSE["address"])
    number = order_to_ship(client, staff)
    actions.login_as("staff")
    sf.drop_next_answer = True
    csrf = actions.csrf(f"/orders/{number}")
    lost = client.post(f"/orders/{number}/shipments", data={
        "carrier": "sfx", "choose": "chosen", "csrf_token": csrf}, follow_redirects=True)
    html = lost.get_data(as_text=True)
    assert "may have gone through all the same; trying again is safe" in html
    assert "Cancel booking" in html

    other = client.post(f"/orders/{number}/shipments", data={
        "carrier": "jd", "choose": "chosen", "csrf_token": csrf}, follow_redirects=True)
    assert "sfx is being booked for this parcel" in other.get_data(as_text=True)

    again = client.post(f"/orders/{number}/shipments", data={
        "carrier": "sfx", "choose": "chosen", "csrf_token": csrf}, follow_redirects=True)
    html = again.get_data(as_text=True)
    assert "Shipment SF444003077898 created." in html
    assert "Cancel booking" not in html
    assert len(sf.bookings) == 1 and [r["path"] for r in http_carrier.requests] == \
        ["/quotes"]
    first, second = sf.calls("EXP_RECE_CREATE_ORDER")
    assert first["orderId"] == second["orderId"]
    assert chosen_entry(db)["carrier"] == "sfx"


def test_a_carrier_that_cannot_quote_is_named_and_left_out(client, admin, staff, token_for,
                                                           sf, http_carrier, db):
    set_up(client, admin, token_for, sf,
           action={"type": "create_shipment", "carrier": "local", "choose": "cheapest"})
    sf.rate_limited = 1
    number = ship_order(client, staff)
    assert [s["carrier"] for s in shipments(client, staff, number)] == ["jd"]
    chosen = chosen_entry(db)
    assert [q["carrier"] for q in chosen["quotes"]] == ["jd"]
    assert "A1005" in chosen["missing"]["sfx"]


def test_on_the_order_page_staff_compare_quotes_book_and_print_the_label(
        client, admin, staff, token_for, sf, http_carrier, actions, db):
    # The order has no warehouse yet: the carrier's own sender address is used.
    set_up(client, admin, token_for, sf,
           action={"type": "create_shipment", "carrier": "local"},
           sender=WAREHOUSE["address"])
    made = client.post("/api/v1/orders", headers=staff, json={
        "order_type": "parcel_order", "data": SAMPLE})
    number = made.get_json()["number"]
    actions.login_as("staff")
    quotes = client.get(f"/orders/{number}/quotes").get_data(as_text=True)
    assert quotes.index('data-carrier="jd"') < quotes.index('data-carrier="sfx"')  # by price
    assert "12.00" in quotes and "18.00" in quotes and "Book with SF Express" in quotes

    csrf = actions.csrf(f"/orders/{number}")
    booked = client.post(f"/orders/{number}/shipments", data={
        "carrier": "sfx", "choose": "chosen", "csrf_token": csrf}, follow_redirects=True)
    html = booked.get_data(as_text=True)
    assert "Shipment SF444003077898 created." in html
    assert "chose carrier sfx from 2 quotes." in html  # the timeline's sentence
    link = html.split('class="print-label" href="', 1)[1].split('"', 1)[0]
    label = client.get(link)
    assert label.status_code == 200 and 'data-waybill="SF444003077898"' in \
        label.get_data(as_text=True)


def test_an_administrator_sets_sf_up_on_its_page_and_tests_the_connection(
        client, actions, sf, db):
    actions.login_as("admin")
    # One Carriers entry in the menu; the carriers page leads to SF's set-up.
    carriers_page = client.get("/admin/carriers").get_data(as_text=True)
    assert 'href="/admin/carriers/sf-express"' in carriers_page
    assert carriers_page.count('href="/admin/carriers"') == 1
    sf_page = client.get("/admin/carriers/sf-express").get_data(as_text=True)
    # The way back to every carrier is a link, not its markup shown as text.
    assert 'listed on the <a href="/admin/carriers">Carriers</a> page' in sf_page
    csrf = actions.csrf("/admin/carriers/sf-express")
    form = {"code": "sfx", "name": "SF Express", "partner_id": PARTNER_ID,
            "check_word": "the-production-word", "monthly_account": MONTHLY_ACCOUNT,
            "environment": "sandbox", "express_type": "2", "csrf_token": csrf}
    refused = client.post("/admin/carriers/sf-express",
                          data={**form, "monthly_account": "not digits"})
    assert refused.status_code == 422
    assert "Monthly account (月结卡号) is not valid here." in refused.get_data(as_text=True)
    assert find_carrier(db, "sfx") is None
    db.rollback()

    saved = client.post("/admin/carriers/sf-express", data=form, follow_redirects=True)
    assert "SF Express carrier sfx saved." in saved.get_data(as_text=True)
    carrier = find_carrier(db, "sfx")
    carrier.config = {**carrier.config, "url": sf.url}  # the fake platform's address
    db.commit()
    tested = client.post("/admin/carriers/sf-express/sfx/test", data={"csrf_token": csrf},
                         follow_redirects=True).get_data(as_text=True)
    assert "The connection test of sfx failed" in tested and "A1006" in tested
    assert "the-production-word" not in tested

    # The right word; the other settings stay, the address too.
    client.post("/admin/carriers/sf-express", data={**form, "check_word": CHECK_WORD})
    tested = client.post("/admin/carriers/sf-express/sfx/test", data={"csrf_token": csrf},
                         follow_redirects=True).get_data(as_text=True)
    assert f"SF Express accepted partner ID {PARTNER_ID}" in tested
    assert CHECK_WORD not in tested
