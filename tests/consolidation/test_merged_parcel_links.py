"""Each customer of a merged parcel is sent the link to its tracking page, not the
customer of the first order alone."""
from __future__ import annotations

import re
from email import message_from_bytes

import pytest

from orderloom.platform.settings import load_settings
from tests.conftest import TEST_SECRET
from tests.consolidation.conftest import buyer, item, place_for
from tests.floor.conftest import floor_definition
from tests.runtime.test_notify_mail import inbox  # noqa: F401 (fixture)

NOTICE = {"type": "notify", "to": {"customer": True},
          "subject": "Your order {{ order.number }} has shipped",
          "template": "Follow it here:{% for link in order.tracking_links %} {{ link }}"
                      "{% endfor %}"}


@pytest.fixture
def settings(tmp_path, database_url, inbox):  # noqa: F811
    return load_settings({}, overrides={
        "instance_path": tmp_path / "instance", "database_url": database_url,
        "secret_key": TEST_SECRET, "smtp_host": "127.0.0.1", "smtp_port": inbox.port,
        "smtp_sender": "orders@example.com", "public_url": "https://orders.example.com/"})


def test_every_customer_of_a_merged_parcel_gets_its_tracking_link(
        client, staff, admin, inbox):  # noqa: F811
    # The other orders' mails said "Follow it here:" and linked nothing.
    definition = floor_definition()
    definition["tracking"] = {"in_transit": "ship"}
    ship = next(t for t in definition["workflow"]["transitions"] if t["key"] == "ship")
    ship["actions"] = [*ship["actions"], NOTICE]
    imported = client.post("/api/v1/import?on_conflict=replace", headers=admin, json={
        "format": "orderloom-package/1", "order_types": [definition]})
    assert imported.status_code in (200, 201), imported.get_json()
    who = buyer()
    who["customer"]["email"] = "li.wei@example.com"
    orders = [place_for(client, staff, who, [item(sku, 1)]) for sku in ("CUP-02", "TEA-01")]
    merged = client.post("/api/v1/merges", headers=staff, json={"orders": orders})
    assert merged.status_code == 201, merged.get_json()
    shipped = client.post(f"/api/v1/merges/{merged.get_json()['id']}/shipment", headers=staff,
                          json={"carrier": "sf", "tracking_number": "SF500600704"})
    assert shipped.status_code == 201, shipped.get_json()
    [parcel] = client.get(f"/api/v1/orders/{orders[0]}/shipments",
                          headers=staff).get_json()["shipments"]
    token = parcel["tracking_url"].rsplit("/", 1)[-1]
    moved = client.post(f"/api/v1/shipments/{shipped.get_json()['id']}/events", headers=staff,
                        json={"status": "in_transit", "occurred_at": "2026-01-05T09:00:00Z"})
    assert moved.status_code == 201, moved.get_json()
    mails = {}
    for envelope in inbox.messages:
        mail = message_from_bytes(envelope.content)
        number = re.search(r"order (\S+) has shipped", mail["Subject"]).group(1)
        mails[number] = mail.get_payload(decode=True).decode()
    assert sorted(mails) == sorted(orders)
    for number, text in mails.items():
        assert f"Follow it here: https://orders.example.com/track/{token}" in text, number
