"""Setting carriers up: precise refusals, credentials that go in but never come out."""
from __future__ import annotations

from orderloom.runtime.shipping.carriers import opened_config
from orderloom.runtime.shipping.models import find_carrier
from tests.conftest import TEST_SECRET
from tests.logistics.support import API_KEY, carrier_config
from tests.platform.test_api_tokens import assert_problem, bearer


def stored_config(db, code: str) -> dict:
    """The carrier's config as its adapter gets it: the sealed secrets opened."""
    db.expire_all()
    return opened_config(find_carrier(db, code), TEST_SECRET)


def test_an_admin_sets_up_a_carrier_and_sees_its_secret_once(client, token_for):
    admin = bearer(token_for("admin"))
    created = client.post("/api/v1/carriers", headers=admin, json={
        "code": "jd", "name": "JD Logistics", "config": carrier_config("http://127.0.0.1:9")})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["webhook_secret"].startswith("olcw_")
    assert body["webhook_url"].endswith("/api/v1/carriers/jd/webhook")
    assert body["config"]["auth_value"] == "***"
    shown = client.get("/api/v1/carriers/jd", headers=admin).get_json()
    assert "webhook_secret" not in shown and API_KEY not in str(shown)
    listed = client.get("/api/v1/carriers", headers=admin).get_json()["carriers"]
    assert [c["code"] for c in listed] == ["local", "jd"]


def test_changing_the_config_keeps_the_stored_credential(client, token_for, db):
    admin = bearer(token_for("admin"))
    client.post("/api/v1/carriers", headers=admin, json={
        "code": "jd", "name": "JD", "config": carrier_config("http://127.0.0.1:9")})
    config = client.get("/api/v1/carriers/jd", headers=admin).get_json()["config"]
    config["status_map"]["81"] = "delivered"
    changed = client.patch("/api/v1/carriers/jd", headers=admin, json={"config": config})
    assert changed.status_code == 200, changed.get_json()
    stored = stored_config(db, "jd")
    assert API_KEY not in str(find_carrier(db, "jd").config)  # sealed, not in the config
    assert stored["auth_value"] == API_KEY and stored["status_map"]["81"] == "delivered"


def test_a_moved_url_asks_for_the_credential_again(client, token_for, db):
    # Once: switching a carrier's URL kept the masked credential, which then went to
    # whatever address the URL was switched to.
    admin = bearer(token_for("admin"))
    client.post("/api/v1/carriers", headers=admin, json={
        "code": "jd", "name": "JD", "config": carrier_config("http://127.0.0.1:9")})
    config = client.get("/api/v1/carriers/jd", headers=admin).get_json()["config"]
    for member in ("create_url", "tracking_url"):
        moved = {**config, member: "http://127.0.0.1:10/elsewhere"}
        refused = assert_problem(client.patch("/api/v1/carriers/jd", headers=admin,
                                              json={"config": moved}), 422)
        assert refused["errors"][0]["pointer"] == "/config/auth_value"
        assert member in refused["errors"][0]["detail"]
    assert stored_config(db, "jd") == carrier_config("http://127.0.0.1:9")
    db.rollback()  # end the read: on SQLite it holds the lock the change needs
    moved = {**config, "create_url": "http://127.0.0.1:10/elsewhere", "auth_value": "new-key"}
    assert client.patch("/api/v1/carriers/jd", headers=admin,
                        json={"config": moved}).status_code == 200
    stored = stored_config(db, "jd")
    assert stored["auth_value"] == "new-key"
    assert stored["create_url"] == "http://127.0.0.1:10/elsewhere"


def test_bad_carrier_settings_are_refused_with_pointers(client, token_for):
    admin = bearer(token_for("admin"))
    local = assert_problem(client.post("/api/v1/carriers", headers=admin, json={
        "code": "local", "name": "Mine"}), 422)
    assert local["errors"][0]["pointer"] == "/code"
    wrong_status = assert_problem(client.post("/api/v1/carriers", headers=admin, json={
        "code": "yt", "name": "YTO", "config": {"status_map": {"10": "lost"}}}), 422)
    assert wrong_status["errors"][0]["pointer"] == "/config/status_map/10"
    polled = assert_problem(client.post("/api/v1/carriers", headers=admin, json={
        "code": "yt", "name": "YTO", "poll_interval_seconds": 300,
        "config": {"create_url": "http://127.0.0.1:9/x"}}), 422)
    assert polled["errors"] == [{"pointer": "/config/tracking_url", "detail":
                                 "is required to poll the carrier (poll_interval_seconds is "
                                 "above 0)"}]
    half_auth = assert_problem(client.post("/api/v1/carriers", headers=admin, json={
        "code": "yt", "name": "YTO", "config": {"auth_header": "X-Key"}}), 422)
    assert half_auth["errors"][0]["pointer"] == "/config/auth_value"
    for name in ("Metadata-Flavor", "Host", "x-forwarded-for"):
        steering = assert_problem(client.post("/api/v1/carriers", headers=admin, json={
            "code": "yt", "name": "YTO", "config": {"auth_header": name,
                                                    "auth_value": "k"}}), 422)
        assert steering["errors"][0]["pointer"] == "/config/auth_header"
        assert name in steering["errors"][0]["detail"]
    client.post("/api/v1/carriers", headers=admin, json={"code": "yt", "name": "YTO"})
    again = assert_problem(client.post("/api/v1/carriers", headers=admin, json={
        "code": "yt", "name": "YTO"}), 409)
    assert again["errors"][0]["pointer"] == "/code"
    assert client.get("/api/v1/carriers", headers=admin).status_code == 200


def test_only_carrier_managers_set_carriers_up(client, token_for):
    staff = bearer(token_for("staff"))
    body = assert_problem(client.post("/api/v1/carriers", headers=staff, json={
        "code": "yt", "name": "YTO"}), 403)
    assert "carriers.manage" in body["detail"]
    assert_problem(client.get("/api/v1/carriers", headers=staff), 403)
