"""Write-back that tells the store everything (each parcel's own lines, its tracking
link) and reconciliation that loses no order (keyset pages, a result per day), against
the local fake stores of tests/channels/fake_stores.py."""
from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from orderloom.db import utcnow
from orderloom.platform.app import JOBS
from orderloom.platform.settings import SettingsError, load_settings
from orderloom.runtime.channels.store_sync import (
    FETCHED,
    HERE,
    RECONCILE_JOB,
    StoreDay,
    reconcile_due,
    remember_days,
)
from orderloom.runtime.jobs.models import DONE, Job
from orderloom.runtime.jobs.outbox import enqueue
from tests.channels.store_payloads import shopify_order
from tests.channels.test_store_sync import attempts, connect, received, reconcile, woo_at
from tests.conftest import TEST_SECRET

# The merchant with the retail order type, and the fake stores: tests/channels/conftest.py.
PUBLIC = "https://orders.example.cn"
HOODIE, JEANS = 466157049, 518995019  # the line item ids of store_payloads' Shopify order


@pytest.fixture
def settings(tmp_path, database_url):
    return load_settings({}, overrides={
        "instance_path": tmp_path / "instance", "database_url": database_url,
        "secret_key": TEST_SECRET, "public_url": PUBLIC + "/"})


def ship(client, headers, number, tracking, carrier="sf", lines=None):
    body = {"carrier": carrier, "tracking_number": tracking}
    if lines is not None:
        body["lines"] = lines
    response = client.post(f"/api/v1/orders/{number}/shipments", headers=headers, json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def public_page(shipment):
    return PUBLIC + "/track/" + shipment["tracking_url"].rsplit("/track/", 1)[1]


def test_each_parcel_fulfils_only_its_own_lines_with_our_tracking_page(
        client, actions, retail, shopify):
    key = connect(client, retail, "shopify", shopify.url)
    shopify.orders = [shopify_order(id=450789469, name="#1001")]
    number = received(client, key, shopify.orders[0])
    first = ship(client, retail, number, "SF1000000001", lines=[{"sku": "JEANS-32", "qty": 1}])
    [posted] = shopify.made("POST", "fulfillments.json")
    fulfillment = posted["body"]["fulfillment"]
    assert fulfillment["line_items_by_fulfillment_order"] == [{
        "fulfillment_order_id": 450789470,
        "fulfillment_order_line_items": [{"id": JEANS + 7, "quantity": 1}]}]
    assert fulfillment["tracking_info"] == {"company": "sf", "number": "SF1000000001",
                                            "url": public_page(first)}
    # The second parcel carries the rest: the hoodie and the other pair of jeans.
    ship(client, retail, number, "SF1000000002")
    second = shopify.fulfillments["450789469"][1]
    assert second["line_items"] == [{"id": HOODIE, "quantity": 1}, {"id": JEANS, "quantity": 1}]
    assert shopify.fulfillment_order("450789469")["status"] == "closed"
    log = attempts(client, retail, number)
    assert [a["outcome"] for a in log] == ["written", "written"]
    actions.login_as("admin")
    page = client.get(f"/orders/{number}").get_data(as_text=True)
    assert 'id="store-writebacks"' in page and page.count('data-outcome="written"') == 2
    channel_page = client.get(f"/admin/channels/{key}").get_data(as_text=True)
    assert channel_page.count('data-outcome="written"') == 2
    assert f"fulfilment {second['id']}" in channel_page


def test_regression_a_sku_on_two_store_lines_was_fulfilled_on_the_first_line_only(
        client, retail, shopify):
    """Only the first store line of a SKU was kept: a parcel of three went on a line of
    one, Shopify fulfilled one, and the order stayed open at the store."""
    key = connect(client, retail, "shopify", shopify.url)
    order = shopify_order(id=450789469, name="#1001")
    hoodie, jeans = order["line_items"]
    jeans["quantity"] = 1
    # The same jeans again on a line of two at half price: the order's totals hold.
    second_pair = {**jeans, "id": 518995020, "quantity": 2, "price": "99.50"}
    order["line_items"] = [hoodie, jeans, second_pair]
    shopify.orders = [order]
    number = received(client, key, order)
    ship(client, retail, number, "SF3000000001", lines=[{"sku": "JEANS-32", "qty": 2}])
    [posted] = shopify.made("POST", "fulfillments.json")
    [by_order] = posted["body"]["fulfillment"]["line_items_by_fulfillment_order"]
    assert by_order["fulfillment_order_line_items"] == [
        {"id": JEANS + 7, "quantity": 1}, {"id": 518995020 + 7, "quantity": 1}]
    # The next parcel goes on where the first stopped: the second line's other unit.
    ship(client, retail, number, "SF3000000002",
         lines=[{"sku": "JEANS-32", "qty": 1}, {"sku": "HOODIE-GRY-M", "qty": 1}])
    second = shopify.fulfillments["450789469"][1]
    assert second["line_items"] == [{"id": HOODIE, "quantity": 1},
                                    {"id": 518995020, "quantity": 1}]
    assert shopify.fulfillment_order("450789469")["status"] == "closed"
    assert [a["outcome"] for a in attempts(client, retail, number)] == ["written", "written"]


def test_a_parcel_line_not_on_the_order_is_refused_at_its_pointer(client, retail, shopify):
    key = connect(client, retail, "shopify", shopify.url)
    shopify.orders = [shopify_order(id=450789469, name="#1001")]
    number = received(client, key, shopify.orders[0])
    for lines, pointer in (([{"sku": "NOPE-1", "qty": 1}], "/lines/0/sku"),
                           ([{"sku": "JEANS-32", "qty": 2}, {"sku": "JEANS-32", "qty": 1}],
                            "/lines/1/qty"),
                           ([{"sku": "JEANS-32", "qty": 0}], "/lines/0/qty")):
        response = client.post(f"/api/v1/orders/{number}/shipments", headers=retail,
                               json={"carrier": "sf", "tracking_number": "SF1",
                                     "lines": lines})
        assert response.status_code == 422, response.get_json()
        assert response.get_json()["errors"][0]["pointer"] == pointer
    shipments = client.get(f"/api/v1/orders/{number}/shipments", headers=retail).get_json()
    assert shipments["shipments"] == [] and shopify.requests == []


def test_woocommerce_is_completed_only_when_the_last_parcel_ships(client, retail, woo):
    carrier = client.post("/api/v1/carriers", headers=retail, json={
        "code": "yto", "name": "YTO Express",
        "config": {"tracking_link": "https://www.yto.net.cn/track?no={tracking_number}"}})
    assert carrier.status_code == 201, carrier.get_json()
    key = connect(client, retail, "woocommerce", woo.url)
    woo.orders = [woo_at(727, 1)]
    number = received(client, key, woo.orders[0], kind="woocommerce")
    ship(client, retail, number, "YT1001", carrier="yto",
         lines=[{"sku": "TSHIRT-WHT-M", "qty": 2}])
    assert woo.statuses == {}  # a parcel is on its way, not the order
    [note] = woo.notes["727"]
    assert note["customer_note"] is True
    assert note["note"] == ("Shipped with yto, tracking number YT1001: "
                            "https://www.yto.net.cn/track?no=YT1001")
    last = ship(client, retail, number, "SF2002", lines=[{"sku": "JEANS-32", "qty": 1}])
    assert woo.statuses == {"727": "completed"}
    assert woo.notes["727"][1]["note"] == ("Shipped with sf, tracking number SF2002: "
                                           + public_page(last))
    assert [a["outcome"] for a in attempts(client, retail, number)] == ["written", "written"]


def test_orders_changing_between_woocommerce_pages_are_not_skipped(client, retail, woo):
    # Numbered pages would skip 703 here: once 701 changes after the first page, the
    # list moves up by one and page 2 starts at 704.
    key = connect(client, retail, "woocommerce", woo.url)
    woo.orders = [woo_at(701, 1), woo_at(702, 2), woo_at(703, 3), woo_at(704, 4)]

    def change_701_once(store):
        store.between_pages = None
        store.orders[0] = woo_at(701, 9, customer_note="leave at the door")

    woo.between_pages = change_701_once
    result = reconcile(client, retail, key, since="2026-12-06T00:00:00+00:00")
    assert sorted(result["fetched"]) == ["701", "702", "703", "704"]
    assert result["store_orders"] == 4 and result["errors"] == []
    asked = [r["path"] for r in woo.made("GET", "/wp-json/wc/v3/orders?")]
    assert all("page=1" in path for path in asked) and len(asked) >= 3


def test_a_dropped_webhook_is_recovered_and_its_day_says_so(
        client, actions, retail, shopify):
    key = connect(client, retail, "shopify", shopify.url)

    def placed(order_id, created, minute, **changes):
        return shopify_order(id=order_id, name=f"#{order_id}", created_at=created,
                             updated_at=f"2026-12-07T10:{minute:02d}:00+08:00", **changes)

    # Shanghai time: 1001 and 1002 are the 6th at the shop although 1001 is the 5th in UTC.
    unreadable = placed(1004, "2026-12-06T20:00:00+08:00", 4, shipping_address="somewhere")
    unreadable["line_items"][0]["price"] = "1e999999"
    # 1005 was placed and cancelled at the shop before any webhook reached us.
    withdrawn = placed(1005, "2026-12-06T21:00:00+08:00", 6,
                       cancelled_at="2026-12-06T21:10:00+08:00", cancel_reason="customer")
    shopify.orders = [placed(1001, "2026-12-06T01:30:00+08:00", 1),
                      placed(1002, "2026-12-06T12:00:00+08:00", 2),
                      placed(1003, "2026-12-07T00:30:00+08:00", 3), unreadable, withdrawn]
    received(client, key, shopify.orders[0])
    received(client, key, shopify.orders[2])  # 1002's webhook never arrived
    reconcile(client, retail, key, since="2026-12-06T00:00:00+00:00")
    response = client.get(f"/api/v1/channels/{key}/reconciliation-days", headers=retail)
    assert response.status_code == 200, response.get_json()
    days = [{k: d[k] for k in ("day", "store_orders", "here", "fetched", "cancelled_at_store")}
            for d in response.get_json()["days"]]
    # The 6th counts four orders, as the shop's own list of that day does: the one it
    # cancelled is neither fetched nor missing.
    assert days == [
        {"day": "2026-12-07", "store_orders": 1, "here": 1, "fetched": [],
         "cancelled_at_store": []},
        {"day": "2026-12-06", "store_orders": 4, "here": 2, "fetched": ["1002"],
         "cancelled_at_store": ["1005"]}]
    # Three orders came in (1004 could not be read); the cancelled one was not made.
    listed = client.get("/api/v1/orders?channel=" + key, headers=retail).get_json()["orders"]
    assert len(listed) == 3
    [missing] = response.get_json()["days"][1]["missing"]
    assert missing["id"] == "1004" and "not an amount" in missing["why"]
    # The merchant fixes 1004 and its webhook now arrives.
    fixed = placed(1004, "2026-12-06T20:00:00+08:00", 5)
    shopify.orders[3] = fixed
    received(client, key, fixed)
    # A second run finds every order of the 6th here, 1002 too: the day still says
    # 1002 was fetched (fetched stays fetched), and 1004 is no longer missing.
    again = reconcile(client, retail, key, since="2026-12-06T00:00:00+00:00")
    assert again["fetched"] == [] and again["already_here"] == 4
    days = client.get(f"/api/v1/channels/{key}/reconciliation-days",
                      headers=retail).get_json()["days"]
    [sixth] = [d for d in days if d["day"] == "2026-12-06"]
    assert sixth["fetched"] == ["1002"] and sixth["here"] == 3
    assert sixth["store_orders"] == 4 and sixth["missing"] == []
    assert sixth["cancelled_at_store"] == ["1005"]
    actions.login_as("admin")
    page = client.get(f"/admin/channels/{key}").get_data(as_text=True)
    row = page.split('data-day="2026-12-06"', 1)[1].split("</tr>", 1)[0]
    assert "1002" in row
    assert '<td class="cancelled-there">1 (1005)</td>' in row


def test_reconciliation_days_are_asked_for_properly(client, retail, shopify):
    key = connect(client, retail, "shopify", shopify.url)
    assert client.get(f"/api/v1/channels/{key}/reconciliation-days",
                      headers=retail).get_json() == {"days": []}
    bad = client.get(f"/api/v1/channels/{key}/reconciliation-days?limit=0", headers=retail)
    assert bad.status_code == 422 and "limit" in str(bad.get_json())
    missing = client.get("/api/v1/channels/nope/reconciliation-days", headers=retail)
    assert missing.status_code == 404
    plain = client.post("/api/v1/channels", headers=retail, json={
        "key": "api_in", "name": "API", "kind": "rest", "order_type": "retail_order",
        "mapping": {"external_id": "$.id", "fields": {}}})
    assert plain.status_code == 201, plain.get_json()
    refused = client.get("/api/v1/channels/api_in/reconciliation-days", headers=retail)
    assert refused.status_code == 409 and "rest channel" in refused.get_json()["detail"]


def test_a_public_address_that_is_not_one_stops_the_start(tmp_path):
    with pytest.raises(SettingsError, match="ORDERLOOM_PUBLIC_URL: 'orders.example.cn'"):
        load_settings({"ORDERLOOM_PUBLIC_URL": "orders.example.cn"},
                      overrides={"instance_path": tmp_path, "secret_key": TEST_SECRET})
    given = load_settings({"ORDERLOOM_PUBLIC_URL": " https://orders.example.cn/ "},
                          overrides={"instance_path": tmp_path, "secret_key": TEST_SECRET})
    assert given.public_url == "https://orders.example.cn"


# --- two reconciliations at once -------------------------------------------------------------

@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_regression_two_reconciliations_of_a_day_at_once_both_keep_their_orders(db):
    """Both inserted the day's row: the second failed on the unique day and its whole
    job was rolled back (or, without the constraint, the last one erased the other's)."""
    sessions = sessionmaker(bind=db.get_bind(), expire_on_commit=False)
    day = date(2026, 12, 6)
    first, second = sessions(), sessions()
    try:
        remember_days(first, "shopify_cn", {day: {"1001": FETCHED}}, utcnow())
        first.flush()  # its row is written, not yet committed
        outcome = []

        def other():
            try:
                remember_days(second, "shopify_cn", {day: {"1001": HERE, "1002": FETCHED}},
                              utcnow())
                second.commit()
                outcome.append("committed")
            except Exception as error:  # noqa: BLE001 - the test reports it
                second.rollback()
                outcome.append(repr(error))

        thread = threading.Thread(target=other)
        thread.start()
        thread.join(timeout=1)
        assert thread.is_alive()  # it waits for the first run's row
        first.commit()
        thread.join(timeout=30)
        assert outcome == ["committed"]
    finally:
        first.close()
        second.close()
    [row] = db.scalars(select(StoreDay).where(StoreDay.channel == "shopify_cn"))
    # Fetched stays fetched, and the second run's order is kept beside the first's.
    assert row.orders == {"1001": FETCHED, "1002": FETCHED}
    db.rollback()


def test_a_second_reconciliation_while_one_is_queued_is_refused(app, client, db, retail,
                                                                 shopify):
    key = connect(client, retail, "shopify", shopify.url)
    waiting = enqueue(db, RECONCILE_JOB, {"channel": key},
                      run_after=utcnow() + timedelta(hours=1), max_attempts=1)
    db.commit()
    refused = client.post(f"/api/v1/channels/{key}/reconcile", headers=retail)
    assert refused.status_code == 409, refused.get_json()
    assert "already queued or running" in refused.get_json()["detail"]
    assert refused.get_json()["results"] == f"/api/v1/channels/{key}/reconciliations"
    # Nor does the daily sweep start one beside it.
    assert reconcile_due(app.extensions[JOBS].runner.sessions,
                         utcnow() + timedelta(days=2)) == []
    db.get(Job, waiting.id).status = DONE
    db.commit()
    assert client.post(f"/api/v1/channels/{key}/reconcile",
                       headers=retail).status_code == 202
