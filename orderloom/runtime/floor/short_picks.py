"""What happens to an order the picker could not find all of: it is held where it is
with the reason, on its timeline, and staff are told.

This is the one place a short pick is raised, so the exception queue can take short
picks over by changing this function alone.
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from orderloom.runtime.audit import Actor
from orderloom.runtime.engine import holds
from orderloom.runtime.orders.models import Order


def raise_short_pick(session: Session, actor: Actor, order: Order, wave: str,
                     missing: dict[str, int]) -> None:
    """Hold ``order``: ``missing`` is {SKU: units not found} while picking ``wave``."""
    listed = ", ".join(f"{units} × {sku}" for sku, units in sorted(missing.items()))
    reason = {"en": f"short pick in wave {wave}: {listed} not found on the shelf",
              "zh": f"波次 {wave} 拣货短缺：货架上未找到 {listed}"}
    holds.hold(session, actor, order, reason,
               details={"short_pick": {"wave": wave, "missing": missing}})
