"""The notify job sends the customer a mail through a real SMTP server."""
from __future__ import annotations

import socket

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from orderloom.platform.settings import load_settings
from orderloom.runtime.notify.in_app import Notification
from tests.conftest import TEST_SECRET
from tests.runtime.support import SAMPLE, create
from tests.runtime.test_jobs import publish


class Inbox:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def inbox():
    box = Inbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    box.port = controller.port
    yield box
    controller.stop()


@pytest.fixture
def settings(tmp_path, database_url, inbox):
    return load_settings({}, overrides={
        "instance_path": tmp_path / "instance", "database_url": database_url,
        "secret_key": TEST_SECRET, "smtp_host": "127.0.0.1", "smtp_port": inbox.port,
        "smtp_sender": "orders@example.com"})


def test_the_customer_gets_a_mail_and_staff_an_in_app_notification(client, db, token_for,
                                                                    inbox):
    staff = publish(client, token_for)
    data = {**SAMPLE, "customer": {**SAMPLE["customer"], "email": "li.wei@example.com"}}
    response = create(client, staff, data)
    assert response.status_code == 201, response.get_json()
    number = response.get_json()["number"]
    assert len(inbox.messages) == 1
    mail = inbox.messages[0]
    assert mail.mail_from == "orders@example.com"
    assert mail.rcpt_tos == ["li.wei@example.com"]
    text = mail.content.decode()
    assert f"Subject: Order {number} received" in text
    assert f"Hello Li Wei, order {number} is draft" in text
    assert db.scalars(select(Notification.role)).all() == ["staff"]
    db.rollback()


def test_without_a_customer_email_no_mail_is_sent(client, token_for, inbox):
    staff = publish(client, token_for)
    assert create(client, staff).status_code == 201
    assert inbox.messages == []
