"""Book a shipment with a carrier, named in the action or by a field of the order, or
chosen by its quote (``choose``: cheapest or fastest)."""
from __future__ import annotations

from typing import Any

from orderloom.designer.actions import ActionType, Checker

# A carrier's code may come from a field of these types.
CARRIER_FIELD_TYPES = ("choice", "text")


class CreateShipment(ActionType):
    name = "create_shipment"
    position = 140
    labels = ("Book a shipment", "创建运单")
    members = {
        "carrier": {"type": "string", "pattern": "^[a-z][a-z0-9_-]{0,39}$",
                    "description": "The carrier's code: local, or one set up under Carriers"},
        "carrier_field": {"$ref": "#/$defs/key",
                          "description": "A form field naming the carrier (its value a "
                                         "carrier code, e.g. a choice of sf, zto); when the "
                                         "order has a value there, it is the carrier instead "
                                         "of carrier"},
        "choose": {"enum": ["cheapest", "fastest"],
                   "description": "Rate shopping: book with the carrier whose quote is the "
                                  "cheapest (or fastest) among the carriers that quote; "
                                  "carrier when none does"},
    }
    required = ("carrier",)
    starting = {"carrier": "local"}

    def check(self, checker: Checker, path: tuple, action: dict[str, Any]) -> None:
        if "carrier_field" not in action:
            return
        by_key = {f["key"]: f for f in checker.definition["form"]["fields"]}
        named = by_key.get(action["carrier_field"])
        if named is None:
            checker.missing((*path, "carrier_field"), "field", action["carrier_field"], by_key)
        elif named["type"] not in CARRIER_FIELD_TYPES:
            checker.report((*path, "carrier_field"),
                           f"{action['carrier_field']!r} is a {named['type']} field; the "
                           f"carrier's code comes from a choice or text field",
                           "definition.carrier_field_type", field=repr(action["carrier_field"]),
                           kind=named["type"])
