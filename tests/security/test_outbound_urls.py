"""URLs Orderloom will call are checked when they are saved: a webhook subscription, an
HTTP carrier's create and tracking URLs and a channel's stock push URL that point
inside are refused with a 422 at their JSON Pointer, and nothing is stored."""
from __future__ import annotations

import ipaddress

import pytest

from orderloom.platform.settings import SettingsError, load_settings
from orderloom.runtime import outbound
from tests.platform.test_api_tokens import assert_problem, bearer

INSIDE_URLS = [
    "http://127.0.0.1:8080/hook", "http://2130706433/hook", "http://0x7f.1/hook",
    "http://localhost/hook", "http://[::1]/hook", "http://[::ffff:127.0.0.1]/hook",
    "http://0.0.0.0/hook", "http://169.254.169.254/latest/meta-data/",
    "http://10.1.2.3/hook", "http://[fd00::1]/hook",
]
NOT_URLS = ["ftp://erp.example.com/hook", "http:///hook", "erp.example.com/hook",
            "http://erp.example.com:99999/hook"]


@pytest.fixture(autouse=True)
def no_allowance(monkeypatch):
    monkeypatch.delenv(outbound.ALLOW_VARIABLE, raising=False)


@pytest.fixture
def admin(client, token_for, published):
    return bearer(token_for("admin"))


def refused(response, pointer: str, url: str) -> None:
    body = assert_problem(response, 422)
    assert [e["pointer"] for e in body["errors"]] == [pointer], (url, body)
    detail = body["errors"][0]["detail"]
    reasons = ("loopback", "unspecified", "link-local", "private", "URL", "port",
               "does not match")  # the last: the schema's ^https?:// of stock_push_url
    assert any(reason in detail for reason in reasons), (url, detail)


def test_webhook_urls_inside_are_refused_and_not_stored(client, admin):
    made = client.post("/api/v1/webhooks", headers=admin, json={
        "name": "ERP", "url": "https://erp.example.com/hook", "events": ["*"]})
    assert made.status_code == 201, made.get_json()
    number = made.get_json()["id"]
    for url in INSIDE_URLS + NOT_URLS:
        refused(client.post("/api/v1/webhooks", headers=admin, json={
            "name": "ERP", "url": url, "events": ["*"]}), "/url", url)
        refused(client.patch(f"/api/v1/webhooks/{number}", headers=admin,
                             json={"url": url}), "/url", url)
    listed = client.get("/api/v1/webhooks", headers=admin).get_json()
    assert [s["url"] for s in listed] == ["https://erp.example.com/hook"]


def test_the_webhooks_page_refuses_an_inside_url_and_keeps_the_form(client, actions):
    actions.login_as("admin")
    answer = client.post("/admin/webhooks", data={
        "csrf_token": actions.csrf("/admin/webhooks"), "name": "ERP",
        "url": "http://169.254.169.254/latest", "events": ["order.created"]})
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert "link-local" in html and 'value="http://169.254.169.254/latest"' in html
    assert "No system is subscribed yet." in client.get("/admin/webhooks").get_data(
        as_text=True)


def test_stock_push_urls_inside_are_refused_and_not_stored(client, admin):
    made = client.post("/api/v1/channels", headers=admin, json={
        "key": "shop", "name": "Shop", "kind": "manual", "order_type": "retail_order",
        "stock_push_url": "https://shop.example.com/stock"})
    assert made.status_code == 201, made.get_json()
    for url in INSIDE_URLS + NOT_URLS:
        refused(client.post("/api/v1/channels", headers=admin, json={
            "key": "other", "name": "Other", "kind": "manual", "order_type": "retail_order",
            "stock_push_url": url}), "/stock_push_url", url)
        refused(client.patch("/api/v1/channels/shop", headers=admin,
                             json={"stock_push_url": url}), "/stock_push_url", url)
    assert client.get("/api/v1/channels/other", headers=admin).status_code == 404
    shop = client.get("/api/v1/channels/shop", headers=admin).get_json()
    assert shop["stock_push_url"] == "https://shop.example.com/stock"
    # Switching pushes off stays possible.
    off = client.patch("/api/v1/channels/shop", headers=admin, json={"stock_push_url": None})
    assert off.status_code == 200 and off.get_json()["stock_push_url"] is None


@pytest.mark.parametrize("member", ["create_url", "tracking_url"])
def test_carrier_urls_inside_are_refused_and_not_stored(client, admin, member):
    good = {"create_url": "https://api.carrier.example.com/shipments",
            "tracking_url": "https://api.carrier.example.com/routes/{tracking_number}"}
    made = client.post("/api/v1/carriers", headers=admin, json={
        "code": "sf", "name": "SF", "config": good})
    assert made.status_code == 201, made.get_json()
    for url in INSIDE_URLS + NOT_URLS:
        refused(client.post("/api/v1/carriers", headers=admin, json={
            "code": "yt", "name": "YTO", "config": {**good, member: url}}),
            f"/config/{member}", url)
        refused(client.patch("/api/v1/carriers/sf", headers=admin, json={
            "config": {**good, member: url}}), f"/config/{member}", url)
    assert client.get("/api/v1/carriers/yt", headers=admin).status_code == 404
    assert client.get("/api/v1/carriers/sf", headers=admin).get_json()["config"] == good


def test_an_allowed_name_may_be_saved_and_its_address_alone_may_not(client, admin,
                                                                    monkeypatch):
    monkeypatch.setenv(outbound.ALLOW_VARIABLE, "localhost, erp.internal")
    made = client.post("/api/v1/webhooks", headers=admin, json={
        "name": "ERP", "url": "http://localhost:8069/hook", "events": ["*"]})
    assert made.status_code == 201, made.get_json()
    refused(client.post("/api/v1/webhooks", headers=admin, json={
        "name": "ERP", "url": "http://127.0.0.1:8069/hook", "events": ["*"]}),
        "/url", "http://127.0.0.1:8069/hook")


@pytest.mark.parametrize("raw", ["10.0.0.0/33", "erp internal", "*.corp.example",
                                 "http://erp.internal", "erp..internal"])
def test_a_bad_allowance_stops_start_up_naming_the_entry(tmp_path, raw):
    with pytest.raises(SettingsError) as error:
        load_settings({outbound.ALLOW_VARIABLE: f"127.0.0.1, {raw}",
                       "ORDERLOOM_INSTANCE_PATH": str(tmp_path)})
    assert str(error.value).startswith(f"{outbound.ALLOW_VARIABLE}: {raw!r}")


def test_an_allowance_of_names_addresses_and_networks_starts(tmp_path):
    load_settings({outbound.ALLOW_VARIABLE: " erp.internal, 10.20.0.0/16,::1, [fd00::5] ,",
                   "ORDERLOOM_INSTANCE_PATH": str(tmp_path)})
    allowed = outbound.Allowance.parse("erp.internal, 10.20.0.0/16,::1, [fd00::5] ,")
    assert allowed.names("ERP.internal.") and not allowed.names("internal")
    assert allowed.covers(ipaddress.ip_address("10.20.3.4"))
