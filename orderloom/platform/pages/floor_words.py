"""What the floor pages and the order's timeline say about a scan, in the reader's
language: one sentence per refusal of runtime/floor/scanning.py (its REFUSALS say
the same in the API's English)."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext

from orderloom.platform.i18n import language

REFUSAL_WORDS = {
    "wrong_bin": lazy_gettext("Wrong bin: go to %(bin)s"),
    "scan_bin_first": lazy_gettext("Scan bin %(bin)s first"),
    "wrong_item": lazy_gettext("Wrong item: %(code)s is not %(sku)s"),
    "too_many": lazy_gettext("Too many: %(sku)s needs only %(quantity)s"),
    "too_few": lazy_gettext("Too few: %(picked)s of %(quantity)s × %(sku)s so far; pick the "
                            "rest or report it short"),
    "unknown_code": lazy_gettext("%(code)s is neither a bin, an item nor an order of this "
                                 "wave"),
    "scan_order_first": lazy_gettext("Scan the order's or the waybill's barcode first"),
    "not_in_order": lazy_gettext("Wrong item: order %(order)s has no %(code)s"),
    "order_not_picked": lazy_gettext("Order %(order)s is not picked in full yet"),
    "order_short": lazy_gettext("Order %(order)s was short picked and is held"),
    "order_packed": lazy_gettext("Order %(order)s is packed already"),
    "order_held": lazy_gettext("Order %(order)s does not ship. %(why)s"),
    "order_gone": lazy_gettext("Order %(order)s has left the wave: it moved on meanwhile"),
    "stock_changed": lazy_gettext("Order %(order)s does not ship: what it holds is no "
                                  "longer what wave %(wave)s picked for it; staff check "
                                  "the order"),
    "parcel_open": lazy_gettext("Too few: order %(order)s still lacks %(missing)s units; "
                                "finish it first"),
    "wave_done": lazy_gettext("Wave %(wave)s is finished"),
    "nothing_to_pick": lazy_gettext("Everything of wave %(wave)s is picked"),
    "weigh_first": lazy_gettext("Order %(order)s is verified: weigh its parcel before the "
                                "next order"),
    "no_weighing": lazy_gettext("Parcels are not weighed in warehouse %(warehouse)s"),
    "weight_unknown": lazy_gettext("The weight of order %(order)s cannot be checked: the "
                                   "catalogue has no weight of %(skus)s"),
    "weight_off": lazy_gettext("Weight out of tolerance: the parcel of %(order)s weighs "
                               "%(grams)s g, expected %(expected)s g ± %(tolerance)s g; "
                               "check it and weigh it again"),
}

# Why a wave cannot be planned: one sentence per refusal of runtime/floor/planning.py.
PLANNING_WORDS = {
    "no_warehouse": lazy_gettext("there is no warehouse '%(code)s'"),
    "no_orders": lazy_gettext("name at least one order"),
    "too_many_orders": lazy_gettext("at most %(most)s orders make one wave"),
    "named_twice": lazy_gettext("order %(number)s is named twice"),
    "no_order": lazy_gettext("there is no order %(number)s"),
    "in_wave": lazy_gettext("order %(number)s is in an unfinished wave already"),
    "nothing_held": lazy_gettext("order %(number)s holds no stock in %(warehouse)s: there "
                                 "is nothing to pick"),
    "on_hold": lazy_gettext("order %(number)s cannot be picked now. %(why)s"),
    "nothing_waits": lazy_gettext("no order waits to be picked in %(warehouse)s"),
    "whole_number": lazy_gettext("a whole number from %(low)s to %(high)s"),
}

DONE_WORDS = {
    "at_bin": lazy_gettext("At bin %(bin)s: scan %(sku)s"),
    "picked": lazy_gettext("%(picked)s of %(quantity)s × %(sku)s"),
    "stop_done": lazy_gettext("%(sku)s done: go on"),
    "short": lazy_gettext("Reported short: the orders lacking %(sku)s are held"),
    "order_on_bench": lazy_gettext("Order %(order)s: scan each item"),
    "packed": lazy_gettext("%(packed)s of %(quantity)s × %(sku)s verified"),
    "shipped": lazy_gettext("Every item verified: order %(order)s ships"),
    "shipped_part": lazy_gettext("Every item verified: the part of order %(order)s from "
                                 "%(warehouse)s ships; the order waits for its other "
                                 "warehouses"),
    "packed_in_full": lazy_gettext("Every item of order %(order)s verified; it did not "
                                   "ship: %(why)s"),
    "weigh_parcel": lazy_gettext("Every item of order %(order)s verified: weigh the "
                                 "parcel to close it"),
    "weighed": lazy_gettext("Weight within tolerance: %(grams)s g, expected %(expected)s g"),
    "label_printed": lazy_gettext("Shipping label of %(order)s sent to the printer"),
    "label_reprinted": lazy_gettext("Shipping label of %(order)s reprinted (print "
                                    "%(print)s)"),
    "printed": lazy_gettext("Printed: %(count)s documents (%(kinds)s)"),
    "reprinted": lazy_gettext("Reprinted (print %(print)s of this wave): %(count)s "
                              "documents (%(kinds)s)"),
}


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return "?"


def planning_words(key: str, values: dict[str, Any]) -> str:
    """Why a wave could not be planned, in the reader's language."""
    return str(PLANNING_WORDS[key]) % _Blank(_in_language(values))


def _in_language(values: dict[str, Any]) -> dict[str, Any]:
    reason = values.get("reason")
    if isinstance(reason, dict):  # a hold's reason, in both languages
        return {**values, "why": reason.get(language()) or reason.get("en", "")}
    return values


def log_words(scan: Any) -> str:
    """A line of a wave's log (a WaveScan) in the reader's language; a line logged
    before its key and values were kept reads as it was stored."""
    if not (scan.refusal or scan.done):
        return scan.outcome
    return scan_words(scan.refusal, scan.done, scan.values or {})


def scan_words(refusal: str | None, done: str | None, values: dict[str, Any]) -> str:
    """The sentence for a scan's outcome; a value the scan did not carry reads as "?"."""
    words = REFUSAL_WORDS.get(refusal or "") or DONE_WORDS.get(done or "")
    if words is None:
        return refusal or done or ""
    return str(words) % _Blank(_in_language(values))
