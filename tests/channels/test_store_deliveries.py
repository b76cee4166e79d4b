"""Store webhooks that cannot be replayed, confused or lost: the same signed bytes
under another topic, a cancellation the body does not show, an update older than
the one applied, a cancellation or refund that overtakes its order, a mapping edited
by hand, a signature that does not verify, and who is told of a hold."""
from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from orderloom.db import make_engine
from orderloom.platform import schema
from orderloom.runtime import sealing
from orderloom.runtime.audit import Actor
from orderloom.runtime.channels import store_deliveries
from orderloom.runtime.channels.models import HELD, UNCHANGED, Channel, InboundOrder
from orderloom.runtime.channels.platforms import PLATFORMS
from orderloom.runtime.channels.stores import Delivery, Event
from orderloom.runtime.engine.actions import standing_notes
from orderloom.runtime.notify.in_app import Notification
from orderloom.runtime.orders.models import Order, OrderEvent
from tests.channels.fake_stores import FakeStore
from tests.channels.store_payloads import (
    SHOPIFY_REFUND,
    shopify_delivery,
    shopify_order,
    woocommerce_delivery,
    woocommerce_order,
)
from tests.channels.support import count
from tests.channels.test_store_sync import connect, reconcile, woo_at
from tests.channels.test_stores import connect_shopify, connect_woocommerce, store_order_type
from tests.platform.test_api_tokens import assert_problem, bearer


def notes_of(db, number):
    order = db.scalar(select(Order).where(Order.number == number))
    notes = standing_notes(db, [order]).get(order.id, [])
    db.rollback()
    return notes


def state_of(client, headers, number):
    response = client.get(f"/api/v1/orders/{number}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def held_count(db, number):
    order = db.scalar(select(Order).where(Order.number == number))
    return count(db, OrderEvent, OrderEvent.order_id == order.id, OrderEvent.kind == "held")


# --- replays under another topic ---------------------------------------------------------

@pytest.mark.parametrize("topic", ["orders/cancelled", "refunds/create", "orders/updated"])
def test_regression_a_signed_order_replayed_under_another_topic_changes_nothing(
        client, db, retail, topic):
    """The topic header is not signed: a captured orders/create body re-sent as a
    cancellation once held a live order."""
    connect_shopify(client, retail)
    first = shopify_delivery(client, "shopify_cn", shopify_order())
    number = first.get_json()["order"]
    replay = shopify_delivery(client, "shopify_cn", shopify_order(), topic=topic,
                              webhook_id="replayed-" + topic)
    assert replay.status_code == 200 and replay.get_json()["duplicate"] is True
    assert replay.get_json()["id"] == first.get_json()["id"]
    assert count(db, InboundOrder) == 1
    assert notes_of(db, number) == []


def test_a_replayed_cancellation_holds_the_order_once_whatever_topic_it_is_sent_under(
        client, db, retail):
    connect_shopify(client, retail)
    number = shopify_delivery(client, "shopify_cn", shopify_order()).get_json()["order"]
    cancelled = shopify_order(cancelled_at="2026-12-06T12:00:00+08:00")
    first = shopify_delivery(client, "shopify_cn", cancelled, topic="orders/cancelled",
                             webhook_id="cancel-1")
    assert first.get_json()["status"] == HELD
    for topic in ("orders/cancelled", "orders/updated", "refunds/create"):
        again = shopify_delivery(client, "shopify_cn", cancelled, topic=topic,
                                 webhook_id="cancel-again-" + topic)
        assert again.status_code == 200 and again.get_json()["duplicate"] is True
    assert held_count(db, number) == 1
    assert count(db, InboundOrder) == 2


def test_a_woocommerce_order_replayed_as_a_deletion_changes_nothing(client, db, retail):
    connect_woocommerce(client, retail)
    number = woocommerce_delivery(client, "woo_cn", woocommerce_order()).get_json()["order"]
    replay = woocommerce_delivery(client, "woo_cn", woocommerce_order(),
                                  topic="order.deleted", delivery_id="forged-1")
    assert replay.get_json()["duplicate"] is True
    assert notes_of(db, number) == [] and count(db, InboundOrder) == 1


def test_a_cancellation_topic_whose_body_shows_no_cancellation_is_only_an_update(
        client, db, retail):
    connect_shopify(client, retail)
    number = shopify_delivery(client, "shopify_cn", shopify_order()).get_json()["order"]
    changed = shopify_order(note="请周末送货")  # not cancelled: cancelled_at is null
    answer = shopify_delivery(client, "shopify_cn", changed, topic="orders/cancelled",
                              webhook_id="not-a-cancel")
    assert answer.status_code == 200 and answer.get_json()["status"] == "applied"
    assert state_of(client, retail, number)["data"]["note"] == "请周末送货"
    assert notes_of(db, number) == []


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_the_same_bytes_arriving_at_once_under_different_delivery_ids_are_kept_once(
        app, client, db, retail):
    connect_shopify(client, retail)
    number = shopify_delivery(client, "shopify_cn", shopify_order()).get_json()["order"]
    cancelled = shopify_order(cancelled_at="2026-12-06T12:00:00+08:00")
    barrier = threading.Barrier(3)
    answers = []

    def send(n):
        sender = app.test_client()
        barrier.wait()
        answers.append(shopify_delivery(sender, "shopify_cn", cancelled,
                                        topic="orders/cancelled", webhook_id=f"copy-{n}"))

    threads = [threading.Thread(target=send, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(a.status_code for a in answers) == [200, 200, 200]
    assert count(db, InboundOrder) == 2
    assert held_count(db, number) == 1


# --- stale updates ------------------------------------------------------------------------

def test_an_update_older_than_the_one_applied_is_ignored_and_says_why(client, db, retail):
    connect_shopify(client, retail)
    number = shopify_delivery(client, "shopify_cn", shopify_order(
        updated_at="2026-12-06T11:00:00+08:00")).get_json()["order"]
    newer = shopify_order(updated_at="2026-12-06T11:10:00+08:00", note="放前台")
    older = shopify_order(updated_at="2026-12-06T11:05:00+08:00", note="放门卫")
    assert shopify_delivery(client, "shopify_cn", newer, topic="orders/updated",
                            webhook_id="u-2").get_json()["status"] == "applied"
    late = shopify_delivery(client, "shopify_cn", older, topic="orders/updated",
                            webhook_id="u-1")
    assert late.status_code == 200 and late.get_json()["status"] == UNCHANGED
    detail = late.get_json()["error"]["detail"]
    assert detail.startswith("stale") and "2026-12-06 03:05:00 UTC" in detail
    assert "2026-12-06 03:10:00 UTC" in detail
    assert state_of(client, retail, number)["data"]["note"] == "放前台"
    # The delivery log keeps it, with the reason.
    kept = db.get(InboundOrder, late.get_json()["id"])
    assert kept.status == UNCHANGED and kept.error["detail"] == detail
    db.rollback()


def test_regression_a_different_update_of_the_same_second_was_dropped_as_stale(
        client, retail):
    """Stores write whole seconds: a genuine second change within the same second as
    the first was once ignored as not newer."""
    connect_shopify(client, retail)
    number = shopify_delivery(client, "shopify_cn", shopify_order(
        updated_at="2026-12-06T11:00:00+08:00")).get_json()["order"]
    first = shopify_order(updated_at="2026-12-06T11:10:00+08:00", note="放前台")
    second = shopify_order(updated_at="2026-12-06T11:10:00+08:00", note="放门卫")
    assert shopify_delivery(client, "shopify_cn", first, topic="orders/updated",
                            webhook_id="s-1").get_json()["status"] == "applied"
    answer = shopify_delivery(client, "shopify_cn", second, topic="orders/updated",
                              webhook_id="s-2")
    assert answer.get_json()["status"] == "applied"
    assert state_of(client, retail, number)["data"]["note"] == "放门卫"
    # The same bytes again are still recognised, and change nothing.
    again = shopify_delivery(client, "shopify_cn", first, topic="orders/updated",
                             webhook_id="s-3")
    assert again.get_json()["duplicate"] is True
    assert state_of(client, retail, number)["data"]["note"] == "放门卫"


def test_an_update_is_compared_by_the_moment_its_offset_says_not_by_its_digits(
        client, retail):
    connect_shopify(client, retail)
    number = shopify_delivery(client, "shopify_cn", shopify_order(
        updated_at="2026-12-06T11:00:00+08:00")).get_json()["order"]  # 03:00 UTC
    # 04:00 UTC: written with smaller digits, yet an hour later.
    later = shopify_order(updated_at="2026-12-06T04:00:00+00:00", note="放前台")
    answer = shopify_delivery(client, "shopify_cn", later, topic="orders/updated",
                              webhook_id="u-utc")
    assert answer.get_json()["status"] == "applied"
    assert state_of(client, retail, number)["data"]["note"] == "放前台"


def test_a_woocommerce_update_without_an_offset_is_read_as_utc(client, retail):
    connect_woocommerce(client, retail)
    number = woocommerce_delivery(client, "woo_cn", woocommerce_order(
        date_modified_gmt="2026-12-06T08:30:00")).get_json()["order"]
    newer = woocommerce_order(date_modified_gmt="2026-12-06T08:40:00", customer_note="放前台")
    older = woocommerce_order(date_modified_gmt="2026-12-06T08:35:00", customer_note="放门卫")
    assert woocommerce_delivery(client, "woo_cn", newer, topic="order.updated",
                                delivery_id="w-2").get_json()["status"] == "applied"
    late = woocommerce_delivery(client, "woo_cn", older, topic="order.updated",
                                delivery_id="w-1")
    assert late.get_json()["status"] == UNCHANGED
    assert "2026-12-06 08:35:00 UTC" in late.get_json()["error"]["detail"]
    assert state_of(client, retail, number)["data"]["note"] == "放前台"


# --- news that overtakes its order ---------------------------------------------------------

def test_a_cancellation_arriving_before_its_order_creates_it_held(client, db, retail):
    connect_shopify(client, retail)
    cancelled = shopify_order(cancelled_at="2026-12-06T12:00:00+08:00",
                              cancel_reason="customer")
    early = shopify_delivery(client, "shopify_cn", cancelled, topic="orders/cancelled",
                             webhook_id="cancel-first")
    assert early.status_code == 201, early.get_json()
    number = early.get_json()["order"]
    [note] = notes_of(db, number)
    assert note.holds_automatic_moves and "cancelled this order" in note.text["en"]
    late = shopify_delivery(client, "shopify_cn", shopify_order(), webhook_id="create-late")
    assert late.status_code == 200 and late.get_json()["duplicate"] is True
    assert late.get_json()["order"] == number
    assert count(db, Order) == 1 and held_count(db, number) == 1


def test_a_woocommerce_update_to_cancelled_before_its_order_creates_it_held(
        client, db, retail):
    connect_woocommerce(client, retail)
    early = woocommerce_delivery(client, "woo_cn", woocommerce_order(status="cancelled"),
                                 topic="order.updated", delivery_id="w-cancel-first")
    assert early.status_code == 201, early.get_json()
    [note] = notes_of(db, early.get_json()["order"])
    assert "cancelled this order" in note.text["en"]


def test_a_refund_arriving_before_its_order_waits_and_holds_it_when_it_arrives(
        client, db, retail):
    connect_shopify(client, retail)
    early = shopify_delivery(client, "shopify_cn", SHOPIFY_REFUND, topic="refunds/create",
                             webhook_id="refund-first")
    assert early.status_code == 200 and early.get_json()["status"] == UNCHANGED
    assert "not here yet" in early.get_json()["error"]["detail"]
    assert count(db, Order) == 0
    created = shopify_delivery(client, "shopify_cn", shopify_order(), webhook_id="create")
    assert created.status_code == 201
    number = created.get_json()["order"]
    [note] = notes_of(db, number)
    assert "refunded this order" in note.text["en"]
    kept = db.get(InboundOrder, early.get_json()["id"])
    assert kept.status == HELD and kept.order_id is not None
    assert "when the order arrived" in kept.error["detail"]
    db.rollback()
    # Sent again, the refund is a repeat: the order is held once.
    shopify_delivery(client, "shopify_cn", SHOPIFY_REFUND, topic="refunds/create",
                     webhook_id="refund-again")
    assert held_count(db, number) == 1


def test_a_deletion_arriving_before_its_order_holds_the_order_the_pull_brings(
        client, db, retail):
    store = FakeStore("woocommerce")
    try:
        key = connect(client, retail, "woocommerce", store.url)
        early = woocommerce_delivery(client, key, {"id": 1001}, topic="order.deleted",
                                     delivery_id="deleted-first")
        assert early.get_json()["status"] == UNCHANGED
        store.orders = [woo_at(1001, 1)]
        result = reconcile(client, retail, key, since="2026-12-06T00:00:00+00:00")
        assert result["fetched"] == ["1001"]
        order = db.scalar(select(Order))
        number = order.number
        db.rollback()
        [note] = notes_of(db, number)
        assert "cancelled this order" in note.text["en"]
    finally:
        store.close()


# --- the store's order id -----------------------------------------------------------------

def test_the_stores_order_id_is_the_platforms_whatever_the_mapping_says(client, db, retail):
    created = connect_shopify(client, retail)
    mapping = {**created["mapping"], "external_id": "$.orderloom.name"}
    edited = client.patch("/api/v1/channels/shopify_cn", headers=retail,
                          json={"mapping": mapping})
    assert edited.status_code == 200, edited.get_json()
    first = shopify_delivery(client, "shopify_cn", shopify_order())
    assert first.status_code == 201
    assert first.get_json()["external_id"] == "450789469"
    # Another store order that happens to share the order name is another order.
    other = shopify_delivery(client, "shopify_cn", shopify_order(id=450789470),
                             webhook_id="other")
    assert other.status_code == 201
    # News of the first finds it by the platform's id.
    changed = shopify_order(note="放前台")
    answer = shopify_delivery(client, "shopify_cn", changed, topic="orders/updated",
                              webhook_id="news")
    assert answer.get_json()["order"] == first.get_json()["order"]
    assert count(db, Order) == 2


# --- signatures ---------------------------------------------------------------------------

def test_every_unverified_signature_gets_the_same_plain_401(client, db, retail, app, caplog):
    connect_shopify(client, retail)
    connect_shopify(client, retail, key="rotated")
    # As if the instance's secret key had changed since the secret was sealed.
    channel = db.scalar(select(Channel).where(Channel.key == "rotated"))
    channel.secret = sealing.seal("another-instance-key", "shpss_whatever")
    db.commit()
    caplog.set_level(logging.INFO)
    answers = [shopify_delivery(client, "shopify_cn", shopify_order(), secret=None),
               shopify_delivery(client, "shopify_cn", shopify_order(), secret="wrong"),
               shopify_delivery(client, "rotated", shopify_order())]
    # Alike but for the path asked (the problem's ``instance``) and each request's own id.
    bodies = [{k: v for k, v in assert_problem(a, 401).items()
               if k not in ("instance", "request_id")} for a in answers]
    assert bodies[0] == bodies[1] == bodies[2]
    said = " ".join(str(v) for v in bodies[2].values()).lower()
    for word in ("key", "secret", "instance", "changed", "shopify", "header"):
        assert word not in said
    # The operator's log says why.
    assert "ORDERLOOM_SECRET_KEY" in caplog.text
    assert count(db, InboundOrder) == 0


# --- who is told of a hold -------------------------------------------------------------------

def test_a_hold_no_role_is_named_for_tells_whoever_may_act_on_orders(
        client, db, merchant_of_web_final, token_for):
    admin = merchant_of_web_final
    connect_shopify(client, admin, order_type="web_final")
    number = shopify_delivery(client, "shopify_cn", shopify_order(
        taxes_included=True, total_price="607.00")).get_json()["order"]
    cancelled = shopify_order(taxes_included=True, total_price="607.00",
                              cancelled_at="2026-12-06T12:00:00+08:00")
    answer = shopify_delivery(client, "shopify_cn", cancelled, topic="orders/cancelled",
                              webhook_id="cancel")
    assert answer.get_json()["status"] == HELD
    [notice] = db.scalars(select(Notification).where(Notification.title.contains(number)))
    assert notice.role is None and notice.permission == "orders.act"
    db.rollback()
    staff = client.get("/api/v1/notifications", headers=bearer(token_for("staff")))
    assert [n["order"] for n in staff.get_json()] == [number]
    assert staff.get_json()[0]["to_permission"] == "orders.act"
    viewer = client.get("/api/v1/notifications", headers=bearer(token_for("viewer")))
    assert viewer.get_json() == []


@pytest.fixture
def merchant_of_web_final(client, token_for):
    """An order type whose transitions name no role: anyone who may act on orders may
    take them."""
    designer = bearer(token_for("designer"))
    imported = client.post("/api/v1/import", headers=designer, json={
        "format": "orderloom-package/1", "order_types": [store_order_type(False)]})
    assert imported.status_code == 201, imported.get_json()
    return bearer(token_for("admin"))


def test_a_cancelled_order_kept_as_a_dead_letter_is_held_when_it_is_retried(
        client, db, retail):
    created = connect_shopify(client, retail)
    fitted = created["mapping"]
    broken = {**fitted, "lines": {"items": {**fitted["lines"]["items"],
                                            "fields": {"sku": "$.sku", "qty": "$.nope",
                                                       "price": "$.price"}}}}
    assert client.patch("/api/v1/channels/shopify_cn", headers=retail,
                        json={"mapping": broken}).status_code == 200
    cancelled = shopify_order(cancelled_at="2026-12-06T12:00:00+08:00")
    dead = shopify_delivery(client, "shopify_cn", cancelled, topic="orders/cancelled",
                            webhook_id="cancel-dead")
    assert dead.status_code == 202, dead.get_json()
    assert client.patch("/api/v1/channels/shopify_cn", headers=retail,
                        json={"mapping": fitted}).status_code == 200
    retried = client.post(f"/api/v1/inbound/{dead.get_json()['id']}/retry", headers=retail)
    assert retried.status_code == 201, retried.get_json()
    [note] = notes_of(db, retried.get_json()["order"])
    assert "cancelled this order" in note.text["en"]


# --- deliveries kept before the digest was unique -------------------------------------------

def test_deliveries_kept_before_the_upgrade_get_their_digest_and_are_then_found(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'upgrade.db'}")
    schema.upgrade(engine, "0020")
    body = '{"id": 450789469}'
    digest = hashlib.sha256(body.encode()).hexdigest()
    now = datetime(2026, 12, 6, tzinfo=UTC)
    rows = [("shop", body, None), ("shop", body, None),      # stored twice, no digest
            ("other", '{"id": 2}', "d" * 64), ("other", '{"id": 2}', "d" * 64),  # a race
            ("third", body, None),                            # another channel's
            ("import:retail", '{"order_no": "A1"}', None)]    # a row of an imported file
    with engine.begin() as connection:
        for source, kept, known in rows:
            connection.execute(text(
                "INSERT INTO inbound_orders (source, status, body, body_digest, attempts, "
                "received_at, processed_at) VALUES (:s, 'accepted', :b, :d, 1, :t, :t)"),
                {"s": source, "b": kept, "d": known, "t": now})
    schema.upgrade(engine)
    with engine.connect() as connection:
        found = connection.execute(text(
            "SELECT source, body_digest FROM inbound_orders ORDER BY id")).all()
    assert [tuple(r) for r in found] == [("shop", digest), ("shop", None),
                                         ("other", "d" * 64), ("other", None),
                                         ("third", digest),
                                         ("import:retail", hashlib.sha256(
                                             b'{"order_no": "A1"}').hexdigest())]
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO inbound_orders (source, status, body, body_digest, attempts, "
            "received_at, processed_at) VALUES ('shop', 'accepted', :b, :d, 1, :t, :t)"),
            {"b": body, "d": digest, "t": now})
    engine.dispose()


def test_the_security_guide_names_the_migration_that_gives_old_deliveries_their_digest():
    """It once named 0021 (the store days) and said imported files' rows kept none,
    while the migration gives every row kept then its digest."""
    root = Path(__file__).resolve().parents[2]
    guide = (root / "docs" / "security.md").read_text(encoding="utf-8")
    paragraph = next(p for p in guide.split("\n\n") if "were given theirs by migration" in p)
    [number] = re.findall(r"migration\s+(\d{4})", paragraph)
    [migration] = (root / "migrations" / "versions").glob(f"{number}_*.py")
    says = " ".join(migration.read_text(encoding="utf-8").split())
    assert "Rows kept before the digest was recorded get theirs now" in says
    assert "rows of imported files too" in " ".join(paragraph.split())


# --- news of an order being created --------------------------------------------------------

@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_regression_a_refund_arriving_while_its_order_is_created_holds_the_order(
        client, db, retail):
    """The refund did not see the order's uncommitted creation and was kept as waiting;
    the order had already looked for waiting news: nothing held it, and it shipped."""
    connect_shopify(client, retail)
    sessions = sessionmaker(bind=db.get_bind(), expire_on_commit=False)
    actor = Actor(user_id=None, name="channel:shopify_cn", via="webhook")
    creating, refunding = sessions(), sessions()
    outcome = []

    def refund():
        try:
            channel = refunding.scalar(select(Channel).where(Channel.key == "shopify_cn"))
            receipt, _ = store_deliveries.receive(
                refunding, channel, PLATFORMS["shopify"],
                Delivery(Event.REFUND_REQUESTED, "refunds/create", "refund-1"),
                json.dumps(SHOPIFY_REFUND).encode(), actor)
            outcome.append(receipt.inbound.status)
            refunding.commit()
        except Exception as error:  # noqa: BLE001 - the test reports it
            refunding.rollback()
            outcome.append(repr(error))

    try:
        channel = creating.scalar(select(Channel).where(Channel.key == "shopify_cn"))
        store_deliveries.receive(creating, channel, PLATFORMS["shopify"],
                                 Delivery(Event.CREATED, "orders/create", "create-1"),
                                 json.dumps(shopify_order()).encode(), actor)
        thread = threading.Thread(target=refund)
        thread.start()
        thread.join(timeout=1)  # the refund arrives before the order is committed
        creating.commit()
        thread.join(timeout=30)
    finally:
        creating.close()
        refunding.close()
    assert outcome == [HELD]
    number = db.scalar(select(Order.number))
    db.rollback()
    [note] = notes_of(db, number)
    assert "refunded this order" in note.text["en"]
    assert held_count(db, number) == 1
