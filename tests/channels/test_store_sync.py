"""Shopify and WooCommerce the other way: the connection tested, shipments written
back (retried, logged, never twice) and orders pulled and reconciled, against the
local fake stores of tests/channels/fake_stores.py (which cite the platforms'
documentation and fixtures they follow)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from orderloom.db import utcnow
from orderloom.platform.app import JOBS, create_app
from orderloom.runtime.channels.store_sync import StoreCursor, reconcile_due
from orderloom.runtime.jobs.models import DONE, FAILED, PENDING, Job
from orderloom.runtime.orders.models import Order
from tests.channels.fake_stores import SHOPIFY_TOKEN, WOO_KEY, WOO_SECRET
from tests.channels.store_payloads import (
    SHOPIFY_SECRET,
    WOOCOMMERCE_SECRET,
    shopify_delivery,
    shopify_order,
    woocommerce_delivery,
    woocommerce_order,
)
from tests.runtime.support import create


def connect(client, headers, kind, url, key=None, **credentials):
    given = credentials or ({"access_token": SHOPIFY_TOKEN} if kind == "shopify" else
                            {"consumer_key": WOO_KEY, "consumer_secret": WOO_SECRET})
    key = key or f"{kind}_cn"
    response = client.post("/api/v1/channels", headers=headers, json={
        "key": key, "name": f"Our {kind} store", "kind": kind, "order_type": "retail_order",
        "webhook_secret": SHOPIFY_SECRET if kind == "shopify" else WOOCOMMERCE_SECRET,
        "store_url": url, "credentials": given})
    assert response.status_code == 201, response.get_json()
    return key


def shopify_at(order_id, minute, **changes):
    return shopify_order(id=order_id, name=f"#{order_id}",
                         updated_at=f"2026-12-06T10:{minute:02d}:00+08:00", **changes)


def woo_at(order_id, minute, **changes):
    return woocommerce_order(id=order_id, number=str(order_id),
                             date_modified_gmt=f"2026-12-06T02:{minute:02d}:00", **changes)


def orders_from(db):
    count = db.scalar(select(func.count()).select_from(Order))
    db.rollback()
    return count


# --- test connection ----------------------------------------------------------------------------

def test_a_working_shopify_connection_answers_the_shops_name(client, retail, shopify):
    key = connect(client, retail, "shopify", shopify.url)
    answer = client.post(f"/api/v1/channels/{key}/test", headers=retail).get_json()
    assert answer["ok"] is True and answer["store"] == "Orderloom Test Shop"
    call = shopify.made("GET", "/admin/api/2024-10/shop.json")[0]
    assert call["headers"]["X-Shopify-Access-Token"] == SHOPIFY_TOKEN


def test_a_wrong_token_names_the_credential_and_never_shows_it(client, retail, shopify):
    key = connect(client, retail, "shopify", shopify.url, access_token="shpat_wrong0000")
    response = client.post(f"/api/v1/channels/{key}/test", headers=retail)
    answer = response.get_json()
    assert response.status_code == 200
    assert answer["ok"] is False and answer["status"] == 401
    assert answer["fix"] == "/credentials/access_token"
    assert "shpat_wrong0000" not in response.get_data(as_text=True)


def test_woocommerce_keys_are_sent_as_basic_auth_and_a_wrong_secret_is_named(
        client, retail, woo):
    good = connect(client, retail, "woocommerce", woo.url)
    answer = client.post(f"/api/v1/channels/{good}/test", headers=retail).get_json()
    assert answer["ok"] is True and answer["store"] == "https://shop.example.cn"
    assert woo.made("GET", "/wp-json/wc/v3/system_status")[0]["headers"][
        "Authorization"].startswith("Basic ")
    bad = connect(client, retail, "woocommerce", woo.url, key="woo_bad",
                  consumer_key=WOO_KEY, consumer_secret="cs_not_it")
    answer = client.post(f"/api/v1/channels/{bad}/test", headers=retail).get_json()
    assert answer["ok"] is False and answer["fix"].startswith("/credentials/")
    assert "cs_not_it" not in str(answer)


def test_a_store_that_does_not_answer_or_is_internal_points_at_the_address(
        client, retail, shopify, monkeypatch):
    port = shopify.server.server_address[1]
    shopify.close()  # nothing listens there any more
    key = connect(client, retail, "shopify", f"http://127.0.0.1:{port}")
    answer = client.post(f"/api/v1/channels/{key}/test", headers=retail).get_json()
    assert answer["ok"] is False and answer["fix"] == "/store_url"
    assert "did not answer" in answer["detail"]
    monkeypatch.delenv("ORDERLOOM_OUTBOUND_ALLOW")
    answer = client.post(f"/api/v1/channels/{key}/test", headers=retail).get_json()
    assert answer["ok"] is False and answer["fix"] == "/store_url"
    assert "refused" in answer["detail"]


def test_only_store_channels_can_be_tested(client, retail):
    response = client.post("/api/v1/channels/nope/test", headers=retail)
    assert response.status_code == 404


# --- write-back ---------------------------------------------------------------------------------

def ship(client, headers, number, tracking="SF1234567890"):
    response = client.post(f"/api/v1/orders/{number}/shipments", headers=headers,
                           json={"carrier": "sf", "tracking_number": tracking})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def received(client, key, payload, kind="shopify"):
    if kind == "shopify":
        response = shopify_delivery(client, key, payload, webhook_id=f"wh-{payload['id']}")
    else:
        response = woocommerce_delivery(client, key, payload, delivery_id=f"d-{payload['id']}")
    assert response.status_code == 201, response.get_json()
    return response.get_json()["order"]


def attempts(client, headers, number):
    response = client.get(f"/api/v1/orders/{number}/store-writebacks", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["attempts"]


def test_a_shipment_is_written_back_to_shopify_as_a_fulfilment_with_tracking(
        client, actions, retail, shopify):
    key = connect(client, retail, "shopify", shopify.url)
    shopify.orders = [shopify_at(450789469, 1)]
    number = received(client, key, shopify.orders[0])
    ship(client, retail, number)
    posted = shopify.made("POST", "/admin/api/2024-10/fulfillments.json")
    assert len(posted) == 1
    fulfillment = posted[0]["body"]["fulfillment"]
    assert fulfillment["tracking_info"] == {"company": "sf", "number": "SF1234567890"}
    assert fulfillment["notify_customer"] is True
    assert fulfillment["line_items_by_fulfillment_order"] == [
        {"fulfillment_order_id": 450789470}]
    made = shopify.fulfillments["450789469"][0]["id"]
    log = attempts(client, retail, number)
    assert [(a["outcome"], a["remote_id"]) for a in log] == [("written", str(made))]
    assert log[0]["detail"] == f"written back to Shopify: fulfilment {made}"
    history = client.get(f"/api/v1/orders/{number}/timeline", headers=retail).get_json()
    [done] = [e["details"] for e in history if e["kind"] == "job"]
    assert done["job_kind"] == "store_writeback"
    assert done["result"] == f"written back to Shopify: fulfilment {made}"
    actions.login_as("admin")
    page = client.get(f"/orders/{number}")
    assert page.status_code == 200
    assert f"Result: written back to Shopify: fulfilment {made}" in page.get_data(as_text=True)
    chinese = client.get(f"/orders/{number}", headers={"Accept-Language": "zh-CN"})
    assert f"结果：written back to Shopify: fulfilment {made}" in chinese.get_data(as_text=True)


def test_a_retry_after_a_lost_answer_does_not_fulfil_twice(app, client, db, retail, shopify):
    key = connect(client, retail, "shopify", shopify.url)
    shopify.orders = [shopify_at(450789469, 1)]
    number = received(client, key, shopify.orders[0])
    # Shopify is overloaded: 429 asking for a wait longer than the first backoff.
    shopify.failures = [(429, {"Retry-After": "120"})]
    started = utcnow()
    ship(client, retail, number)
    job = db.scalar(select(Job).where(Job.kind == "store_writeback"))
    assert job.status == PENDING
    assert job.run_after >= started + timedelta(seconds=120)
    job_id = job.id
    db.rollback()  # the test's own read ends before the app writes
    log = attempts(client, retail, number)
    assert [a["outcome"] for a in log] == ["will_retry"] and "429" in log[0]["detail"]
    # The fulfilment is made but the answer never arrives (a 504 from a proxy).
    shopify.fulfillments["450789469"] = [{"id": 777, "tracking_number": "SF1234567890",
                                          "tracking_numbers": ["SF1234567890"]}]
    runner = app.extensions[JOBS].runner
    assert runner.run(job_id, now=utcnow() + timedelta(minutes=3)).status == DONE
    assert shopify.made("POST", "fulfillments.json") == []
    log = attempts(client, retail, number)
    assert [(a["outcome"], a["remote_id"]) for a in log] == [("will_retry", None),
                                                              ("written", "777")]


def test_a_refusal_is_not_retried_and_the_log_says_why(client, db, retail, shopify):
    key = connect(client, retail, "shopify", shopify.url)
    shopify.orders = [shopify_at(450789469, 1)]
    number = received(client, key, shopify.orders[0])
    shopify.failures = [(422, {})]
    ship(client, retail, number)
    job = db.scalar(select(Job).where(Job.kind == "store_writeback"))
    assert job.status == DONE and job.attempts == 1
    db.rollback()
    log = attempts(client, retail, number)
    assert [a["outcome"] for a in log] == ["refused"]
    assert "422" in log[0]["detail"] and "not retried" in log[0]["detail"]


def test_a_shipment_is_written_back_to_woocommerce_as_completed_with_a_note(
        client, retail, woo):
    key = connect(client, retail, "woocommerce", woo.url)
    woo.orders = [woo_at(727, 1)]
    number = received(client, key, woo.orders[0], kind="woocommerce")
    ship(client, retail, number, tracking="YT99887766")
    assert woo.statuses == {"727": "completed"}
    [note] = woo.notes["727"]
    assert "YT99887766" in note["note"] and "sf" in note["note"] and note["customer_note"]
    log = attempts(client, retail, number)
    assert [(a["outcome"], a["remote_id"]) for a in log] == [("written", str(note["id"]))]


# --- pull and reconciliation --------------------------------------------------------------------

def reconcile(client, headers, key, **query):
    response = client.post(f"/api/v1/channels/{key}/reconcile", headers=headers,
                           query_string=query)
    assert response.status_code == 202, response.get_json()
    results = client.get(response.headers["Location"], headers=headers).get_json()
    return results["reconciliations"][0]


def test_a_webhook_the_network_dropped_is_recovered_by_reconciliation(
        client, db, retail, shopify):
    key = connect(client, retail, "shopify", shopify.url)
    shopify.orders = [shopify_at(1001, 1), shopify_at(1002, 2), shopify_at(1003, 3)]
    received(client, key, shopify.orders[0])
    received(client, key, shopify.orders[2])  # 1002's webhook never arrived
    shopify.failures = [(429, {"Retry-After": "0.1"})]  # waited out in place
    result = reconcile(client, retail, key, since="2026-12-06T00:00:00+00:00")
    assert result["store_orders"] == 3 and result["already_here"] == 2
    assert result["fetched"] == ["1002"] and result["errors"] == []
    assert orders_from(db) == 3
    # Three orders on pages of two: the second page by page_info alone.
    pages = shopify.made("GET", "orders.json")
    assert "page_info=" in pages[-1]["path"] and "updated_at_min" not in pages[-1]["path"]
    assert "updated_at_min" in pages[0]["path"]


def test_an_order_the_pull_cannot_read_is_named_and_the_others_still_arrive(
        client, db, retail, shopify):
    key = connect(client, retail, "shopify", shopify.url)
    odd = shopify_at(1002, 2)
    odd["shipping_address"] = "somewhere"  # text where the API documents an object
    odd["line_items"][0]["price"] = "1e999999"
    shopify.orders = [shopify_at(1001, 1), odd, shopify_at(1003, 3)]
    result = reconcile(client, retail, key, since="2026-12-06T00:00:00+00:00")
    assert sorted(result["fetched"]) == ["1001", "1003"]
    assert len(result["errors"]) == 1 and result["errors"][0].startswith("order 1002:")
    assert "not an amount" in result["errors"][0]
    assert orders_from(db) == 2


def test_every_order_arrives_once_across_a_restart(settings, client, db, retail, woo):
    key = connect(client, retail, "woocommerce", woo.url)
    woo.orders = [woo_at(701, 1), woo_at(702, 2), woo_at(703, 3)]
    first = reconcile(client, retail, key, since="2026-12-06T00:00:00+00:00")
    assert sorted(first["fetched"]) == ["701", "702", "703"]
    assert db.get(StoreCursor, key).changed_since.isoformat().startswith("2026-12-06T02:03")
    db.rollback()
    # A new process reads the cursor from the database: only what changed since comes.
    woo.orders.append(woo_at(704, 9))
    again = create_app(settings)
    try:
        fresh = again.test_client()
        second = reconcile(fresh, retail, key)
    finally:
        again.extensions["orderloom.db"].engine.dispose()
    assert second["fetched"] == ["704"]
    assert orders_from(db) == 4
    asked = woo.made("GET", "/wp-json/wc/v3/orders?")[-1]["path"]
    # From a second before the last change seen: WooCommerce keeps whole seconds.
    assert "modified_after=2026-12-06T02%3A02%3A59" in asked


def test_a_reconciliation_that_cannot_reach_the_store_keeps_the_cursor_and_says_why(
        client, db, retail, woo):
    key = connect(client, retail, "woocommerce", woo.url, consumer_key=WOO_KEY,
                  consumer_secret="cs_wrong")
    result = reconcile(client, retail, key, since="2026-12-06T00:00:00+00:00")
    assert result["fetched"] == [] and "401" in result["errors"][0]
    assert db.get(StoreCursor, key).changed_since is None


def test_the_sweeper_reconciles_each_store_channel_once_a_day(app, client, db, retail,
                                                              shopify):
    key = connect(client, retail, "shopify", shopify.url)
    # The first pull looks a day back: the order changed an hour ago.
    changed = (utcnow() - timedelta(hours=1)).isoformat()
    shopify.orders = [shopify_order(id=2001, name="#2001", updated_at=changed)]
    sessions = app.extensions[JOBS].sessions
    assert reconcile_due(sessions) == [key]  # the job runs in this process at once
    assert orders_from(db) == 1
    assert reconcile_due(sessions) == []  # not again the same day
    assert reconcile_due(sessions, now=utcnow() + timedelta(days=1, minutes=1)) == [key]
    assert orders_from(db) == 1  # the order is here already: not created twice
    results = client.get(f"/api/v1/channels/{key}/reconciliations",
                         headers=retail).get_json()["reconciliations"]
    assert [(r["fetched"], r["already_here"]) for r in results] == [([], 1), (["2001"], 0)]


def test_reconciliation_requests_are_checked(client, retail, shopify):
    key = connect(client, retail, "shopify", shopify.url)
    bad = client.post(f"/api/v1/channels/{key}/reconcile?since=yesterday", headers=retail)
    assert bad.status_code == 422 and "since" in str(bad.get_json())
    plain = client.post("/api/v1/channels", headers=retail, json={
        "key": "api_in", "name": "API", "kind": "rest", "order_type": "retail_order",
        "mapping": {"external_id": "$.id", "fields": {}}})
    assert plain.status_code == 201, plain.get_json()
    for path in ("/api/v1/channels/api_in/test", "/api/v1/channels/api_in/reconcile"):
        refused = client.post(path, headers=retail)
        assert refused.status_code == 409 and "rest channel" in refused.get_json()["detail"]
    assert shopify.requests == []


def test_only_orders_from_a_store_are_written_back(client, retail, shopify):
    key = connect(client, retail, "shopify", shopify.url)
    shopify.orders = [shopify_at(450789469, 1)]
    from_store = received(client, key, shopify.orders[0])
    # The same order entered by staff: the same data, but not from the store. (Merging
    # by rule, on in the retail template, would put it in the store order's parcel, and
    # a merged order other than the first is not shipped on its own.)
    assert client.put("/api/v1/consolidation-settings", headers=retail,
                      json={"merge_by_rule": False}).status_code == 200
    data = client.get(f"/api/v1/orders/{from_store}", headers=retail).get_json()["data"]
    created = create(client, retail, data)
    assert created.status_code == 201, created.get_json()
    number = created.get_json()["number"]
    ship(client, retail, number)
    assert shopify.requests == []
    assert attempts(client, retail, number) == []


def test_a_channel_without_credentials_logs_what_to_set_and_calls_nothing(
        client, retail, shopify):
    response = client.post("/api/v1/channels", headers=retail, json={
        "key": "shop_bare", "name": "Webhooks only", "kind": "shopify",
        "order_type": "retail_order", "webhook_secret": SHOPIFY_SECRET,
        "store_url": shopify.url})
    assert response.status_code == 201, response.get_json()
    shopify.orders = [shopify_at(450789469, 1)]
    number = received(client, "shop_bare", shopify.orders[0])
    ship(client, retail, number)
    log = attempts(client, retail, number)
    assert [a["outcome"] for a in log] == ["not_connected"]
    assert "/credentials/access_token" in log[0]["detail"]
    answer = client.post("/api/v1/channels/shop_bare/test", headers=retail).get_json()
    assert answer["ok"] is False and answer["fix"] == "/credentials/access_token"
    assert shopify.requests == []


def test_a_store_that_keeps_failing_is_tried_eight_times_then_given_up(
        app, client, db, retail, shopify):
    key = connect(client, retail, "shopify", shopify.url)
    shopify.orders = [shopify_at(450789469, 1)]
    number = received(client, key, shopify.orders[0])
    shopify.failures = [(503, {})] * 8
    ship(client, retail, number)
    job_id = db.scalar(select(Job.id).where(Job.kind == "store_writeback"))
    db.rollback()
    runner, later = app.extensions[JOBS].runner, utcnow()
    for _ in range(7):
        later += timedelta(hours=2)
        runner.run(job_id, now=later)
    job = db.get(Job, job_id)
    assert (job.status, job.attempts) == (FAILED, 8)
    db.rollback()
    log = attempts(client, retail, number)
    assert [a["outcome"] for a in log] == ["will_retry"] * 7 + ["gave_up"]
    assert all("503" in a["detail"] for a in log)
    assert shopify.made("POST", "fulfillments.json") == []


# --- merged parcels (runtime/consolidation/) ----------------------------------------------------

def test_a_merged_parcel_is_written_back_to_each_orders_store(client, retail, shopify):
    # Two store orders of one buyer to one address: the retail template merges them by
    # rule as the second arrives, and each store order hears the one parcel's number.
    shop = connect(client, retail, "shopify", shopify.url)
    shopify.orders = [shopify_at(450789469, 1), shopify_at(450789470, 2)]
    first = received(client, shop, shopify.orders[0])
    second = received(client, shop, shopify.orders[1])
    merge = client.get(f"/api/v1/orders/{first}/merge-candidates",
                       headers=retail).get_json()["merge"]
    assert merge is not None and merge["by"] == "rule"
    assert merge["orders"] == [first, second]
    shipped = client.post(f"/api/v1/merges/{merge['id']}/shipment", headers=retail,
                          json={"carrier": "sf", "tracking_number": "SF5550001"})
    assert shipped.status_code == 201, shipped.get_json()
    posted = shopify.made("POST", "/admin/api/2024-10/fulfillments.json")
    assert [p["body"]["fulfillment"]["tracking_info"]["number"] for p in posted] == \
        ["SF5550001", "SF5550001"]
    assert sorted(shopify.fulfillments) == ["450789469", "450789470"]
    assert [a["outcome"] for a in attempts(client, retail, first)] == ["written"]
    assert [a["outcome"] for a in attempts(client, retail, second)] == ["written"]
