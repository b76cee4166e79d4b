"""快递100 and 快递鸟: a recorded waybill is subscribed, the service's signed push moves
the order, a forged push changes nothing, a repeated one adds nothing, staff can ask
for the news, and a wrong key shows on the connection test."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from orderloom.runtime.shipping.models import TrackingEvent
from tests.logistics.fake_tracking_services import (
    K100_CUSTOMER,
    K100_KEY,
    KDN_ID,
    KDN_KEY,
    FakeKdniao,
    FakeKuaidi100,
    beijing,
    form_body,
)
from tests.logistics.support import PHONE, SAMPLE, parcel_order
from tests.platform.test_api_tokens import bearer

WAYBILL = "SF1400000000001"
FOLLOWS = [{"carrier": "sf", "name": "顺丰速运", "company": "shunfeng"}]


@pytest.fixture(autouse=True)
def services_on_loopback(outbound_to_loopback):
    """The fake services listen on 127.0.0.1."""


@pytest.fixture
def kuaidi100():
    with FakeKuaidi100() as server:
        yield server


@pytest.fixture
def kdniao():
    with FakeKdniao() as server:
        yield server


def k100_config(server: FakeKuaidi100, key: str = K100_KEY) -> dict:
    return {"customer": K100_CUSTOMER, "key": key, "companies": FOLLOWS,
            "query_url": f"{server.url}/poll/query.do", "subscribe_url": f"{server.url}/poll"}


def kdn_config(server: FakeKdniao, key: str = KDN_KEY) -> dict:
    return {"ebusiness_id": KDN_ID, "app_key": key,
            "companies": [{"carrier": "sf", "name": "顺丰速运", "company": "SF"}],
            "query_url": f"{server.url}/Ebusiness/EbusinessOrderHandle.aspx",
            "subscribe_url": f"{server.url}/api/dist"}


def set_up(client, token_for, kind: str, config: dict, code: str = "track") -> dict:
    """The tracking account, and the parcel order type shipping with ``sf``."""
    admin = bearer(token_for("admin"))
    created = client.post("/api/v1/carriers", headers=admin, json={
        "code": code, "name": kind, "kind": kind, "config": config})
    assert created.status_code == 201, created.get_json()
    imported = client.post("/api/v1/import", headers=bearer(token_for("designer")), json={
        "format": "orderloom-package/1", "order_types": [parcel_order()]})
    assert imported.status_code == 201, imported.get_json()
    return created.get_json()


def shipped_order(client, token_for) -> tuple[str, dict, dict]:
    """An order whose waybill staff typed in, shipped: answers its number, its shipment
    and the staff's headers."""
    staff = bearer(token_for("staff"))
    created = client.post("/api/v1/orders", headers=staff, json={
        "order_type": "parcel_order", "data": {**SAMPLE, "tracking_no": WAYBILL}})
    assert created.status_code == 201, created.get_json()
    number = created.get_json()["number"]
    shipped = client.post(f"/api/v1/orders/{number}/transitions/ship", headers=staff)
    assert shipped.status_code == 200, shipped.get_json()
    [shipment] = client.get(f"/api/v1/orders/{number}/shipments",
                            headers=staff).get_json()["shipments"]
    return number, shipment, staff


def post_push(client, url: str, form: dict[str, str]):
    return client.post(urlsplit(url).path, data=form_body(form),
                       content_type="application/x-www-form-urlencoded")


def k100_traces(start: datetime, *steps: tuple[int, str, str]) -> list[dict]:
    return [{"time": beijing(start + timedelta(minutes=m)), "context": text,
             "statusCode": code} for m, code, text in steps]


def order_state(client, number: str, staff: dict) -> str:
    return client.get(f"/api/v1/orders/{number}", headers=staff).get_json()["state"]


# --- 快递100 ----------------------------------------------------------------------------------

def test_a_waybill_subscribed_with_kuaidi100_moves_the_order_to_delivered_by_its_push(
        client, token_for, kuaidi100, db):
    carrier = set_up(client, token_for, "kuaidi100", k100_config(kuaidi100))
    assert carrier["config"]["key"] == "***" and K100_KEY not in str(carrier)
    callback = carrier["config"]["callback_url"]
    assert callback.endswith("/api/v1/carriers/track/webhook")
    number, shipment, staff = shipped_order(client, token_for)
    assert shipment["carrier"] == "sf" and shipment["tracking_number"] == WAYBILL

    # Recording the waybill subscribed it: the company, the key, our callback and salt.
    [subscription] = kuaidi100.subscriptions.values()
    assert subscription["company"] == "shunfeng" and subscription["number"] == WAYBILL
    assert subscription["key"] == K100_KEY
    assert subscription["parameters"]["callbackurl"] == callback
    assert subscription["parameters"]["phone"] == PHONE

    start = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=3)
    kuaidi100.waybills[WAYBILL] = {"com": "shunfeng", "state": "0", "data": k100_traces(
        start, (0, "103", "顺丰速运 已收取快件"), (60, "1002", "快件到达 杭州中转场"))}
    answer = post_push(client, callback, kuaidi100.push(WAYBILL))
    assert answer.status_code == 200
    assert answer.get_json() == {"result": True, "returnCode": "200", "message": "成功"}
    assert order_state(client, number, staff) == "shipped"

    kuaidi100.waybills[WAYBILL]["state"] = "3"
    kuaidi100.waybills[WAYBILL]["data"] += k100_traces(
        start, (120, "501", "快件已放入丰巢柜"), (150, "301", "已签收，签收人：本人"))
    answer = post_push(client, callback, kuaidi100.push(WAYBILL))
    assert answer.get_json()["result"] is True

    assert order_state(client, number, staff) == "delivered"
    seen = client.get(f"/api/v1/shipments/{shipment['id']}", headers=staff).get_json()
    assert seen["status"] == "delivered"
    # Oldest first: the carrier's steps, then the waybill typed in after collection.
    assert [e["status"] for e in seen["events"]] == [
        "picked_up", "in_transit", "out_for_delivery", "delivered", "label_created"]
    assert seen["events"][3]["description"] == "已签收，签收人：本人"
    timeline = client.get(f"/api/v1/orders/{number}/timeline", headers=staff).get_json()
    moved = [e for e in timeline if e["kind"] == "transition" and e["transition"] == "deliver"]
    assert len(moved) == 1 and moved[0]["actor"] == "system"


def test_a_forged_kuaidi100_push_is_refused_and_changes_nothing(
        client, token_for, kuaidi100, db):
    carrier = set_up(client, token_for, "kuaidi100", k100_config(kuaidi100))
    number, shipment, staff = shipped_order(client, token_for)
    start = datetime.now(UTC) - timedelta(hours=1)
    kuaidi100.waybills[WAYBILL] = {"com": "shunfeng", "state": "3", "data": k100_traces(
        start, (0, "301", "已签收"))}
    forged = kuaidi100.push(WAYBILL, salt="guessed")
    answer = post_push(client, carrier["config"]["callback_url"], forged)
    assert answer.status_code == 401
    body = answer.get_json()
    assert body["result"] is False and body["returnCode"] == "500"
    assert "sign" in body["message"]
    assert order_state(client, number, staff) == "shipped"
    seen = client.get(f"/api/v1/shipments/{shipment['id']}", headers=staff).get_json()
    assert [e["status"] for e in seen["events"]] == ["label_created"]


def test_a_repeated_kuaidi100_push_adds_no_timeline_rows(client, token_for, kuaidi100, db):
    carrier = set_up(client, token_for, "kuaidi100", k100_config(kuaidi100))
    number, shipment, staff = shipped_order(client, token_for)
    start = datetime.now(UTC) - timedelta(hours=2)
    kuaidi100.waybills[WAYBILL] = {"com": "shunfeng", "state": "5", "data": k100_traces(
        start, (0, "103", "已收取快件"), (30, "5", "派件中"))}
    push = kuaidi100.push(WAYBILL)
    for _ in range(3):  # 快递100 pushes again when it did not hear back in time
        answer = post_push(client, carrier["config"]["callback_url"], push)
        assert answer.get_json()["result"] is True
    timeline = client.get(f"/api/v1/orders/{number}/timeline", headers=staff).get_json()
    assert [e["details"]["status"] for e in timeline if e["kind"] == "tracking"] == [
        "picked_up", "out_for_delivery"]
    assert db.scalar(select(func.count()).select_from(TrackingEvent)) == 3


def test_asking_kuaidi100_refreshes_the_shipment(client, token_for, kuaidi100, db):
    set_up(client, token_for, "kuaidi100", k100_config(kuaidi100))
    number, shipment, staff = shipped_order(client, token_for)
    start = datetime.now(UTC) - timedelta(hours=2)
    kuaidi100.waybills[WAYBILL] = {"com": "shunfeng", "state": "2", "data": k100_traces(
        start, (0, "103", "已收取快件"), (45, "2", "收件人电话无人接听"))}
    refreshed = client.post(f"/api/v1/shipments/{shipment['id']}/refresh", headers=staff)
    assert refreshed.status_code == 200, refreshed.get_json()
    assert refreshed.get_json()["status"] == "exception"
    # The query was signed with the account's key and carried the recipient's phone.
    [query] = [r for r in kuaidi100.requests if r["path"] == "/poll/query.do"]
    assert query["form"]["customer"] == K100_CUSTOMER
    assert query["content_type"].startswith("application/x-www-form-urlencoded")
    assert '"phone":"' + PHONE + '"' in query["form"]["param"]
    assert order_state(client, number, staff) == "problem"


def test_a_wrong_kuaidi100_key_is_shown_clearly_on_the_connection_test(
        client, token_for, kuaidi100):
    set_up(client, token_for, "kuaidi100", k100_config(kuaidi100, key="WrongKey1"))
    admin = bearer(token_for("admin"))
    outcome = client.post("/api/v1/carriers/track/test", headers=admin).get_json()
    assert outcome["ok"] is False
    assert "returnCode 503" in outcome["detail"]
    assert "customer or key is wrong" in outcome["detail"]
    assert "WrongKey1" not in outcome["detail"]
    changed = client.patch("/api/v1/carriers/track", headers=admin,
                           json={"config": k100_config(kuaidi100)})
    assert changed.status_code == 200, changed.get_json()
    outcome = client.post("/api/v1/carriers/track/test", headers=admin).get_json()
    assert outcome == {"ok": True, "detail": f"快递100 accepted customer {K100_CUSTOMER} and "
                                             "its key"}


def test_kuaidi100_settings_are_refused_where_they_are_wrong(client, token_for, kuaidi100):
    admin = bearer(token_for("admin"))
    config = k100_config(kuaidi100)
    del config["key"]
    config["companies"] = [{"carrier": "SF!", "company": "shunfeng"}]
    refused = client.post("/api/v1/carriers", headers=admin, json={
        "code": "track", "name": "k", "kind": "kuaidi100", "config": config})
    assert refused.status_code == 422
    pointers = {e["pointer"] for e in refused.get_json()["errors"]}
    assert pointers == {"/config/key", "/config/companies/0/carrier"}


# --- 快递鸟 -----------------------------------------------------------------------------------

def kdn_traces(start: datetime, *steps: tuple[int, str, str]) -> list[dict]:
    return [{"AcceptTime": beijing(start + timedelta(minutes=m)), "AcceptStation": text,
             "Action": code, "Location": "杭州市"} for m, code, text in steps]


def test_a_waybill_subscribed_with_kdniao_moves_the_order_to_delivered_by_its_push(
        client, token_for, kdniao, db):
    carrier = set_up(client, token_for, "kdniao", kdn_config(kdniao))
    assert carrier["config"]["app_key"] == "***"
    number, shipment, staff = shipped_order(client, token_for)
    [subscription] = kdniao.subscriptions.values()
    assert subscription["ShipperCode"] == "SF" and subscription["LogisticCode"] == WAYBILL
    assert subscription["CustomerName"] == PHONE[-4:]

    start = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=3)
    kdniao.waybills[WAYBILL] = {"ShipperCode": "SF", "State": "3", "StateEx": "301",
                                "Traces": kdn_traces(start, (0, "1", "已揽收"),
                                                     (60, "202", "派件中"),
                                                     (90, "301", "已签收"))}
    answer = post_push(client, carrier["webhook_url"], kdniao.push(WAYBILL))
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["Success"] is True and body["EBusinessID"] == KDN_ID and body["UpdateTime"]
    assert order_state(client, number, staff) == "delivered"

    again = post_push(client, carrier["webhook_url"], kdniao.push(WAYBILL))
    assert again.get_json()["Success"] is True
    seen = client.get(f"/api/v1/shipments/{shipment['id']}", headers=staff).get_json()
    assert [e["status"] for e in seen["events"]] == [
        "picked_up", "out_for_delivery", "delivered", "label_created"]
    assert seen["events"][0]["location"] == "杭州市"


def test_a_forged_kdniao_push_is_refused_and_changes_nothing(client, token_for, kdniao, db):
    carrier = set_up(client, token_for, "kdniao", kdn_config(kdniao))
    number, shipment, staff = shipped_order(client, token_for)
    kdniao.waybills[WAYBILL] = {"ShipperCode": "SF", "State": "3", "Traces": kdn_traces(
        datetime.now(UTC) - timedelta(hours=1), (0, "301", "已签收"))}
    answer = post_push(client, carrier["webhook_url"], kdniao.push(WAYBILL, app_key="guess"))
    assert answer.status_code == 401
    assert answer.get_json()["Success"] is False and "DataSign" in answer.get_json()["Reason"]
    assert order_state(client, number, staff) == "shipped"
    assert db.scalar(select(func.count()).select_from(TrackingEvent)) == 1


def test_asking_kdniao_refreshes_the_shipment_and_a_wrong_key_shows(
        client, token_for, kdniao, db):
    set_up(client, token_for, "kdniao", kdn_config(kdniao))
    number, shipment, staff = shipped_order(client, token_for)
    kdniao.waybills[WAYBILL] = {"ShipperCode": "SF", "State": "2", "Traces": kdn_traces(
        datetime.now(UTC) - timedelta(hours=1), (0, "1", "已揽收"), (20, "2", "运输中"))}
    refreshed = client.post(f"/api/v1/shipments/{shipment['id']}/refresh", headers=staff)
    assert refreshed.status_code == 200, refreshed.get_json()
    assert refreshed.get_json()["status"] == "in_transit"
    query = [r for r in kdniao.requests if r["form"].get("RequestType") == "1002"]
    assert len(query) == 1 and query[0]["form"]["DataType"] == "2"

    admin = bearer(token_for("admin"))
    assert client.post("/api/v1/carriers/track/test", headers=admin).get_json()["ok"] is True
    db.rollback()
    changed = client.patch("/api/v1/carriers/track", headers=admin, json={
        "config": kdn_config(kdniao, key="not-the-key")})
    assert changed.status_code == 200, changed.get_json()
    outcome = client.post("/api/v1/carriers/track/test", headers=admin).get_json()
    assert outcome["ok"] is False
    assert "快递鸟 refused the account" in outcome["detail"]
    assert "API key" in outcome["detail"]
    failed = client.post(f"/api/v1/shipments/{shipment['id']}/refresh", headers=staff)
    assert failed.status_code == 502
    assert "nothing was recorded" in failed.get_json()["detail"]


# --- the pages --------------------------------------------------------------------------------

def test_an_admin_sets_up_kuaidi100_on_the_carriers_page_and_staff_ask_for_news(
        client, token_for, kuaidi100, actions):
    actions.login_as("admin")
    csrf = actions.csrf("/admin/carriers")
    fields = {"kind": "kuaidi100", "code": "track", "name": "快递100", "csrf_token": csrf,
              "kuaidi100-customer": K100_CUSTOMER, "kuaidi100-key": "WrongKey1",
              "kuaidi100-query_url": f"{kuaidi100.url}/poll/query.do",
              "kuaidi100-subscribe_url": f"{kuaidi100.url}/poll",
              "companies": "sf 顺丰速运 shunfeng\n"}
    refused = client.post("/admin/carriers", data={**fields, "companies": "SF!"})
    assert refused.status_code == 422
    assert "needs Orderloom" in refused.get_data(as_text=True)
    page = client.post("/admin/carriers", data=fields, follow_redirects=True)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Carrier track is set up" in html
    assert "sf → shunfeng" in html and "/api/v1/carriers/track/webhook" in html
    assert "WrongKey1" not in html
    tested = client.post("/admin/carriers/track/test", data={"csrf_token": csrf},
                         follow_redirects=True).get_data(as_text=True)
    assert "the connection test failed" in tested and "customer or key is wrong" in tested

    imported = client.post("/api/v1/import", headers=bearer(token_for("designer")), json={
        "format": "orderloom-package/1", "order_types": [parcel_order()]})
    assert imported.status_code == 201
    staff = bearer(token_for("staff"))  # the pages go on as the admin, who may act too
    number = client.post("/api/v1/orders", headers=staff, json={
        "order_type": "parcel_order", "data": SAMPLE}).get_json()["number"]
    csrf = actions.csrf(f"/orders/{number}")
    recorded = client.post(f"/orders/{number}/shipments", data={
        "carrier": "sf", "tracking_number": WAYBILL, "csrf_token": csrf},
        follow_redirects=True).get_data(as_text=True)
    assert f"Shipment {WAYBILL} created" in recorded and "顺丰速运" in recorded
    [shipment] = client.get(f"/api/v1/orders/{number}/shipments",
                            headers=staff).get_json()["shipments"]
    asked = client.post(f"/orders/{number}/shipments/{shipment['id']}/refresh",
                        data={"csrf_token": csrf}, follow_redirects=True)
    assert "The carrier was not asked" in asked.get_data(as_text=True)


def test_a_polled_kuaidi100_account_asks_for_the_carriers_it_follows(
        app, client, token_for, kuaidi100):
    from orderloom.runtime.shipping.tracking import poll_due

    set_up(client, token_for, "kuaidi100", k100_config(kuaidi100))
    changed = client.patch("/api/v1/carriers/track", headers=bearer(token_for("admin")),
                           json={"poll_interval_seconds": 600})
    assert changed.status_code == 200, changed.get_json()
    number, shipment, staff = shipped_order(client, token_for)
    kuaidi100.waybills[WAYBILL] = {"com": "shunfeng", "state": "3", "data": k100_traces(
        datetime.now(UTC) - timedelta(hours=1), (0, "103", "已收取快件"), (40, "301", "已签收"))}
    sessions = app.extensions["orderloom.db"].sessions
    assert poll_due(sessions, datetime.now(UTC)) == [shipment["id"]]
    assert order_state(client, number, staff) == "delivered"
    assert [r["path"] for r in kuaidi100.requests] == ["/poll", "/poll/query.do"]
