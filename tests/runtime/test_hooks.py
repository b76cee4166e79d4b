"""Hooks: a domain tells the others what happened, and every subscriber hears it
even in a process that never imported the subscriber's module."""
from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap

from orderloom.runtime import hooks

# A fresh interpreter that imports stock keeping and nothing that subscribes, then
# receives stock with a webhook subscription to stock.changed in place.
RECEIVE_STOCK = textwrap.dedent("""
    import sys
    from sqlalchemy import text
    from orderloom.db import make_engine, make_session_factory
    from orderloom.runtime import hooks
    from orderloom.runtime.stock import keeping

    assert "orderloom.runtime.notify.webhooks" not in sys.modules
    engine = make_engine(sys.argv[1])
    with make_session_factory(engine)() as session:
        session.execute(text(
            "INSERT INTO products (sku, name, attributes, created_at) "
            "VALUES ('TEA-1', 'Tea', '{}', '2026-01-01 00:00:00')"))
        session.execute(text(
            "INSERT INTO warehouses (code, name, address, regions, priority, active, "
            "created_at) VALUES ('SH', 'Shanghai', '{}', '[]', 1, 1, '2026-01-01 00:00:00')"))
        session.execute(text(
            "INSERT INTO webhook_subscriptions (name, url, secret, events, active, "
            "created_at, updated_at) VALUES ('erp', 'https://erp.example/hook', 's', "
            "'[\\"stock.changed\\"]', 1, '2026-01-01 00:00:00', '2026-01-01 00:00:00')"))
        keeping.receive(session, "tester", "TEA-1", "SH", 5)
        session.commit()
        print(session.execute(text("SELECT event_type FROM webhook_deliveries")).scalars().all())
""")


def test_a_stock_change_reaches_webhooks_in_a_process_that_never_imported_them(
        sqlite_template, tmp_path):
    # Subscribers subscribe when their module is imported; once, a worker that had not
    # imported a subscriber would have dropped its reaction without a word.
    database = tmp_path / "orderloom.db"
    shutil.copy(sqlite_template, database)
    result = subprocess.run([sys.executable, "-c", RECEIVE_STOCK, f"sqlite:///{database}"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['stock.changed']"


def test_every_hook_has_its_subscribers_once_the_domains_are_loaded():
    from orderloom import runtime

    runtime.load_domains()
    heard = {hook.name: sorted(f"{s.__module__}.{s.__name__}" for s in hook.subscribers)
             for hook in hooks.ALL}
    assert heard == {
        "order created": ["orderloom.runtime.consolidation.reactions.order_created",
                          "orderloom.runtime.erp.sending.order_created",
                          "orderloom.runtime.exception_queue.detection.order_created",
                          "orderloom.runtime.metrics.order_created",
                          "orderloom.runtime.notify.webhooks.order_created"],
        "order arrived": ["orderloom.runtime.promotions.giving.order_arrived",
                          "orderloom.runtime.promotions.pre_sale.order_arrived"],
        "order stock reserved": [
            "orderloom.runtime.consolidation.reactions.order_stock_reserved",
            "orderloom.runtime.promotions.giving.order_stock_reserved"],
        "order state changed": ["orderloom.runtime.channels.crm_updates.order_state_changed",
                                "orderloom.runtime.erp.sending.order_state_changed",
                                "orderloom.runtime.exception_queue.closing."
                                "order_state_changed",
                                "orderloom.runtime.floor.leaving.order_state_changed",
                                "orderloom.runtime.notify.webhooks.order_state_changed",
                                "orderloom.runtime.promotions.pre_sale."
                                "order_state_changed"],
        "payment received": ["orderloom.runtime.erp.sending.payment_received",
                             "orderloom.runtime.notify.webhooks.payment_received"],
        "refund issued": ["orderloom.runtime.erp.sending.refund_issued",
                          "orderloom.runtime.notify.webhooks.refund_issued"],
        "payment status changed": [
            "orderloom.runtime.engine.entering.payment_status_changed"],
        "stock changed": ["orderloom.runtime.channels.stock_sync.stock_changed",
                          "orderloom.runtime.erp.sending.stock_changed",
                          "orderloom.runtime.notify.webhooks.stock_changed"],
        "shipment updated": ["orderloom.runtime.channels.crm_updates.shipment_updated",
                             "orderloom.runtime.channels.store_sync.shipment_updated",
                             "orderloom.runtime.consolidation.reactions.shipment_updated",
                             "orderloom.runtime.notify.webhooks.shipment_updated"],
        # Editing a placed order: the floor refuses once picking started; promotions
        # may take the edited lines.
        "order edit starting": ["orderloom.runtime.floor.edit_guard.order_edit_starting"],
        "order lines edited": [],
        "stock about to be reserved": [
            "orderloom.runtime.after_sales.holding.stock_about_to_be_reserved"],
        "order stock released": [
            "orderloom.runtime.promotions.pre_sale_giving_back.order_stock_released"],
        "return step": ["orderloom.runtime.notify.webhooks.return_step"],
        "orders merging": ["orderloom.runtime.floor.merge_guard.orders_merging"],
        "merge undoing": ["orderloom.runtime.floor.merge_guard.merge_undoing"],
        "parcel wanted": ["orderloom.runtime.consolidation.reactions.parcel_wanted"],
        "parcel booking": ["orderloom.runtime.consolidation.reactions.parcel_booking"],
        "stock kept back": ["orderloom.runtime.consolidation.reactions.stock_kept_back"],
        "parcel carries": ["orderloom.runtime.consolidation.reactions.parcel_carries"],
        "parcels carrying": ["orderloom.runtime.consolidation.reactions.parcels_carrying"],
        "parcel riders": ["orderloom.runtime.consolidation.reactions.parcel_riders"],
        "split bases": ["orderloom.runtime.promotions.pre_sale.split_bases"],
    }
