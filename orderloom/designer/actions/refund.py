"""Give back money the order was paid: an amount by formula, or the rest paid."""
from __future__ import annotations

from typing import Any

from orderloom.designer.actions import ActionType, Checker, fields_of


class Refund(ActionType):
    name = "refund"
    position = 150
    labels = ("Refund", "退款")
    needs = frozenset({"payments.manage"})
    moves_money = "refund"
    members = {
        "amount": {"$ref": "#/$defs/formula",
                   "description": "How much to give back (money); without it, the rest of "
                                  "what was paid. Never more than was paid"},
        "reason": {"type": "string", "maxLength": 500},
    }

    def check(self, checker: Checker, path: tuple, action: dict[str, Any]) -> None:
        if "amount" in action:
            checker.formula((*path, "amount"), action["amount"], fields_of(checker), "money")
