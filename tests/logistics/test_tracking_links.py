"""Messages to the customer link the public tracking page by the parcel's token, also
when the message is sent by the same transition that books the parcel."""
from __future__ import annotations

from email import message_from_bytes

import pytest
from sqlalchemy import select

from orderloom.platform.settings import load_settings
from orderloom.runtime.jobs.models import Job
from orderloom.runtime.jobs.runner import JobRunner
from orderloom.runtime.orders.models import Order
from orderloom.runtime.shipping.models import Shipment, request_booking, tracking_codes
from orderloom.runtime.shipping.tracking import run_book
from tests.conftest import TEST_SECRET
from tests.logistics.support import PARCEL_ORDER, SAMPLE, parcel_order
from tests.platform.test_api_tokens import bearer
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
        "smtp_sender": "orders@example.com",
        "public_url": "https://orders.example.com/"})


def test_the_shipping_mail_links_the_tracking_page_by_token(
        client, setup, token_for, inbox):  # noqa: F811
    workflow = parcel_order()["workflow"]
    ship = next(t for t in workflow["transitions"] if t["key"] == "ship")
    ship["actions"] = [*ship["actions"], NOTICE]
    designer = bearer(token_for("designer"))
    republished = client.post("/api/v1/import?on_conflict=replace", headers=designer, json={
        "format": "orderloom-package/1",
        "order_types": [parcel_order(workflow=workflow, key=PARCEL_ORDER["key"])]})
    assert republished.status_code == 201, republished.get_json()
    number = setup.order(client, {**SAMPLE, "customer": {**SAMPLE["customer"],
                                                         "email": "zhang.wei@example.com"}})
    shipment = setup.ship(client, number)

    [mail] = inbox.messages
    text = message_from_bytes(mail.content).get_payload(decode=True).decode()
    token = shipment["tracking_url"].rsplit("/", 1)[-1]
    assert f"Follow it here: https://orders.example.com/track/{token}" in text
    assert f"/track/{shipment['tracking_number']}" not in text
    assert client.get(f"/track/{token}").status_code == 200


def test_a_message_sent_before_the_booking_job_ran_links_the_parcel_it_will_book(
        app, client, setup, db):
    # With workers, the mail's job may run before the booking's: the token is chosen
    # when the transition asks for the booking, so the link is right either way.
    number = setup.order(client)
    order = db.scalar(select(Order).where(Order.number == number))
    booking = request_booking(db, order, {"type": "create_shipment", "carrier": "sf"})
    job = db.get(Job, booking["job"])
    [code] = tracking_codes(db, order.id)
    assert code == job.payload["public_token"]
    run_book(db, job, JobRunner(app.extensions["orderloom.db"].sessions,
                                secret_key=TEST_SECRET))
    assert tracking_codes(db, order.id) == [code]
    assert db.scalar(select(Shipment.public_token).where(Shipment.order_id == order.id)) == code
    db.rollback()
