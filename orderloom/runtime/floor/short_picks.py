"""What happens to an order the picker could not find all of: it goes to the exception
queue with the reason ``short_pick`` and is held where it is, on its timeline, and staff
are told. Staff then release it once the shelf is restocked (a wave may plan it
again), hold it, or cancel it (exception_queue/resolving.py).

This is the one place a short pick is raised.
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from orderloom.runtime.audit import Actor
from orderloom.runtime.engine import holds
from orderloom.runtime.exception_queue.raising import raise_exception
from orderloom.runtime.orders.models import Order

REASON = "short_pick"


def raise_short_pick(session: Session, actor: Actor, order: Order, wave: str,
                     missing: dict[str, int]) -> None:
    """Hold ``order`` with an open short-pick exception: ``missing`` is {SKU: units not
    found} while picking ``wave``."""
    listed = ", ".join(f"{units} × {sku}" for sku, units in sorted(missing.items()))
    reason = {"en": f"short pick in wave {wave}: {listed} not found on the shelf",
              "zh": f"波次 {wave} 拣货短缺：货架上未找到 {listed}"}
    details = {"short_pick": {"wave": wave, "missing": missing}}
    # Beside the hold: the hold keeps the order out of waves and off the packing bench;
    # releasing the exception lifts it.
    raise_exception(session, order, REASON, reason, actor_name=actor.name,
                    details=details, beside_hold=True)
    holds.hold(session, actor, order, reason, details=details)
