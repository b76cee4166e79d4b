"""The reasons an arriving order cannot flow on by itself, found as it is created:
a product the catalog lacks (a channel's order is taken whatever it sold), a buyer's
note from a channel, an incomplete ship-to address, a price below its floor or a
discount beyond the limit, and a suspected duplicate (the same buyer, address and
amount within the settings' window). The address and duplicate checks are for orders
from channels: a person entering an order has the form's checks and sees the rest.

Out of stock is found by routing when an automatic move cannot reserve
(engine/entering.py), a store's cancellation or refund request where the channel
holds the order (channels/store_changes.py), and a designer's rule raises any reason
with the ``raise_exception`` action.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from orderloom.designer.form import with_meaning
from orderloom.designer.published import blueprint_for
from orderloom.runtime import hooks
from orderloom.runtime.audit import SYSTEM
from orderloom.runtime.channels import hand_entry
from orderloom.runtime.exception_queue import price_floors, settings
from orderloom.runtime.exception_queue.raising import raise_exception
from orderloom.runtime.exception_queue.settings import QueueSettings
from orderloom.runtime.orders.models import Order
from orderloom.runtime.stock import catalog

# What an address needs for a carrier to route it, with each part's name for people.
ADDRESS_NEEDS = {"province": {"en": "province", "zh": "省份"},
                 "city": {"en": "city", "zh": "城市"},
                 "street": {"en": "street", "zh": "街道地址"}}


def _ship_to(order: Order) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The field of the address the parcel goes to and its value: the field meaning
    ``ship_to``, else the form's one address field."""
    fields = blueprint_for(order.version).definition["form"]["fields"]
    field = with_meaning(fields, "ship_to")
    if field is None:
        addresses = [f for f in fields if f["type"] == "address"]
        field = addresses[0] if len(addresses) == 1 else None
    if field is None:
        return None
    value = order.data.get(field["key"])
    return field, value if isinstance(value, dict) else {}


def _buyer(order: Order) -> tuple[Any, ...]:
    fields = blueprint_for(order.version).definition["form"]["fields"]
    parts = [order.customer_id]
    for meaning in ("recipient_name", "recipient_phone"):
        field = with_meaning(fields, meaning)
        parts.append(order.data.get(field["key"]) if field else None)
    return tuple(parts)


def unknown_sku(session: Session, order: Order, chosen: QueueSettings) -> None:
    lines = catalog.unknown_products(session, blueprint_for(order.version).definition,
                                     order.data)
    if lines:
        skus = ", ".join(sorted({sku for *_, sku in lines}))
        raise_exception(session, order, "unknown_sku",
                        {"en": f"the catalog has no product {skus}",
                         "zh": f"商品目录中没有商品 {skus}"},
                        actor_name=SYSTEM.name,
                        details={"lines": [{"field": key, "index": index, "column": column,
                                            "sku": sku} for key, index, column, sku in lines]})


def buyer_note(session: Session, order: Order, chosen: QueueSettings) -> None:
    if not chosen.checking("buyer_note"):
        return
    field = with_meaning(blueprint_for(order.version).definition["form"]["fields"], "note")
    note = order.data.get(field["key"]) if field else None
    if isinstance(note, str) and note.strip():
        raise_exception(session, order, "buyer_note",
                        {"en": note.strip()[:300], "zh": note.strip()[:300]},
                        actor_name=SYSTEM.name, reveals=[[field["key"]]])


def address(session: Session, order: Order, chosen: QueueSettings) -> None:
    found = _ship_to(order)
    if found is None or not chosen.checking("address"):
        return
    field, value = found
    missing = [part for part in ADDRESS_NEEDS if not str(value.get(part) or "").strip()]
    if missing:
        names = field.get("label") or {}
        en = names.get("en") or field["key"]
        zh = names.get("zh") or en
        raise_exception(session, order, "address",
                        {"en": f"the address {en} has no "
                               f"{', '.join(ADDRESS_NEEDS[p]['en'] for p in missing)}",
                         "zh": f"地址「{zh}」缺少"
                               f"{'、'.join(ADDRESS_NEEDS[p]['zh'] for p in missing)}"},
                        actor_name=SYSTEM.name,
                        details={"field": field["key"], "missing": missing},
                        reveals=[[field["key"]]])


def price(session: Session, order: Order, chosen: QueueSettings) -> None:
    low = price_floors.below_floor(session, order)
    beyond = price_floors.discount_beyond_limit(order, chosen.discount_limit)
    if not low and beyond is None:
        return
    en, zh = [], []
    for line in low:
        en.append(f"{line['sku']} at {line['price']} is below its floor {line['floor']}")
        zh.append(f"{line['sku']} 单价 {line['price']} 低于底价 {line['floor']}")
    if beyond is not None:
        en.append(f"a discount of {beyond['discount']}% is beyond the limit of "
                  f"{beyond['limit']}%")
        zh.append(f"折扣 {beyond['discount']}% 超过上限 {beyond['limit']}%")
    raise_exception(session, order, "price", {"en": "; ".join(en), "zh": "；".join(zh)},
                    actor_name=SYSTEM.name,
                    details={"lines": low, **({"discount": beyond} if beyond else {})},
                    reveals=price_floors.quoted_fields(order))


def duplicate(session: Session, order: Order, chosen: QueueSettings) -> None:
    hours = chosen.duplicate_window_hours if chosen.checking("duplicate") else 0
    found = _ship_to(order)
    if not hours or found is None or order.total is None or not any(found[1].values()):
        return
    since = order.created_at - timedelta(hours=hours)
    # Same type, customer and amount within the window in SQL, the newest first (the
    # nearest earlier order is the one staff compare with); address and buyer here.
    for earlier in session.scalars(select(Order).where(
            Order.order_type_id == order.order_type_id, Order.total == order.total,
            Order.customer_id == order.customer_id, Order.created_at >= since,
            Order.id != order.id).order_by(Order.id.desc()).limit(50)):
        other = _ship_to(earlier)
        if other is not None and other[1] == found[1] and _buyer(earlier) == _buyer(order):
            raise_exception(session, order, "duplicate",
                            {"en": f"{earlier.number} has the same buyer, address and "
                                   f"amount", "zh": f"与 {earlier.number} 的买家、地址和金额相同"},
                            actor_name=SYSTEM.name, details={"earlier": earlier.number})
            return


# What only an order a channel received is checked for: one typed in by a person (on
# the built-in manual channel or one of a hand kind) or imported from a file had its
# SKUs refused at the line, its address and note read, as it was entered.
CHANNELS_ONLY = (unknown_sku, address, buyer_note, duplicate)


@hooks.ORDER_CREATED.subscribe
def order_created(session: Session, order: Order) -> None:
    chosen = settings.current(session)
    by_hand = hand_entry.entered_by_hand(session, order.channel)
    for check in (unknown_sku, address, buyer_note, price, duplicate):
        if not (by_hand and check in CHANNELS_ONLY):
            check(session, order, chosen)
