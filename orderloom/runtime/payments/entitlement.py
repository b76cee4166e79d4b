"""Who may record money on an order by hand: money follows the workflow.

A payment or refund a person records (on the order page or over the API) is
allowed only where the order's own definition gives it to one of the person's
roles: a transition the role may take from the order's current state whose
actions move that money (an action type's ``moves_money``, such as ``refund``),
or the order type's ``money`` section naming the role for that kind. The
``payments.manage`` permission is needed as well; it says a person handles
money at all, the definition says on which orders and when.

Money a channel reports, a statement matches or a transition's own action
issues is not a person's choice and is not asked about here.
"""
from __future__ import annotations

from typing import Literal

from orderloom.designer.actions import TYPES
from orderloom.designer.published import blueprint_for
from orderloom.runtime.orders.models import Order
from orderloom.runtime.payments.received import PaymentError

Kind = Literal["payment", "refund"]


def allowed(order: Order, kind: Kind, roles: set[str] | frozenset[str], *,
            whole_workflow: bool = False) -> bool:
    """``whole_workflow``: the person may take every transition (audit.WHOLE_WORKFLOW),
    so they may also record the money any of them moves."""
    if whole_workflow:
        return True
    blueprint = blueprint_for(order.version)
    declared = (blueprint.definition.get("money") or {}).get(kind, [])
    if set(declared) & set(roles):
        return True
    for spec in blueprint.transitions.values():
        if order.state not in spec.sources:
            continue
        if spec.roles and not (spec.roles & set(roles)):
            continue
        if any(_moves(action) == kind for action in spec.actions):
            return True
    return False


def check(order: Order, kind: Kind, roles: set[str] | frozenset[str], *,
          whole_workflow: bool = False) -> None:
    """Refuse (403) a payment or refund the order's definition does not give to
    ``roles`` in the order's current state."""
    if not allowed(order, kind, roles, whole_workflow=whole_workflow):
        raise PaymentError(
            f"order {order.number}'s workflow does not let your roles record a {kind} in "
            f"state {order.state!r}: only a role that may take a transition from here that "
            f"moves this money, or a role the order type names under money.{kind}",
            status=403)


def _moves(action: dict) -> str | None:
    kind = TYPES.get(action.get("type"))
    return kind.moves_money if kind is not None else None
