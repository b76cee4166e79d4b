"""A warehouse's floor setup as an administrator sets it: its zone order (the walk),
weighing at the packing bench (tolerance and packaging allowance) and waves on a
schedule (times of day, a cut-off and the rules that group them).

Every value is checked where it enters; a bad one is refused with the member at fault
(a JSON Pointer) and a key the pages word in the reader's language. Nothing here
commits.
"""
from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from orderloom.db import utcnow
from orderloom.runtime.audit import Actor
from orderloom.runtime.errors import OrderError
from orderloom.runtime.floor.models import FloorSetup
from orderloom.runtime.floor.planning import MAX_ORDERS, Rules
from orderloom.runtime.stock.catalog import Warehouse

# A parcel heavier than this is not weighed on a packing bench's scale.
MOST_GRAMS = 1_000_000
MOST_TIMES = 24
LONGEST_ZONE = 64
MOST_ZONES = 200
TIME = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
# Every whole number of the floor's setup and its weight box is below 10,000,000.
WHOLE = re.compile(r"[0-9]{1,7}")

REFUSALS = {
    "zone_twice": "zone {zone!r} is listed twice",
    "zone_too_long": "a zone has at most {most} characters",
    "too_many_zones": "at most {most} zones",
    "grams": "a whole number of grams from 0 to {most}",
    "time": "a time of day as HH:MM, from 00:00 to 23:59",
    "time_twice": "{time} is listed twice",
    "too_many_times": "at most {most} times a day",
    "whole_number": "a whole number from {low} to {high}",
}


class SetupProblem(OrderError):
    """A value of the setup that is refused: ``pointer`` is the member at fault, ``key``
    a key of REFUSALS and ``values`` its values."""

    def __init__(self, pointer: str, key: str, values: dict[str, Any] | None = None) -> None:
        self.key = key
        self.values = values or {}
        super().__init__(REFUSALS[key].format(**self.values))
        self.pointer = pointer
        self.status = 422


def setup_of(session: Session, warehouse: str) -> FloorSetup | None:
    return session.scalar(select(FloorSetup).where(FloorSetup.warehouse == warehouse))


def _setup(session: Session, warehouse: str) -> FloorSetup:
    found = setup_of(session, warehouse)
    if found is None:
        found = FloorSetup(warehouse=warehouse, wave_times=[], wave_rules={},
                           packaging_grams=0, weigh_every_parcel=False, updated_by="")
        session.add(found)
    return found


def check_zones(zones: list[str]) -> list[str]:
    """The zones as given; a zone listed twice would have two places on the walk."""
    if len(zones) > MOST_ZONES:
        raise SetupProblem("/zone_order", "too_many_zones", {"most": MOST_ZONES})
    for i, zone in enumerate(zones):
        if len(zone) > LONGEST_ZONE:
            raise SetupProblem(f"/zone_order/{i}", "zone_too_long", {"most": LONGEST_ZONE})
        if zone in zones[:i]:
            raise SetupProblem(f"/zone_order/{i}", "zone_twice", {"zone": zone})
    return zones


def set_zone_order(warehouse: Warehouse, zones: list[str]) -> None:
    """Waves planned afterwards walk the zones in this order; a wave planned before
    keeps the walk it was planned with (WaveLine.zone_place)."""
    warehouse.zone_order = check_zones([z.strip() for z in zones if z.strip()])


def whole_number(value: Any, low: int, high: int) -> int | None:
    """``value`` (typed, or a JSON number) as a whole number from ``low`` to ``high``;
    None when it is not one. Only ASCII digits, at most seven of them: str.isdigit()
    takes "²", which int() refuses, and int() refuses thousands of digits."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if low <= value <= high else None
    if not isinstance(value, str) or not WHOLE.fullmatch(value.strip()):
        return None
    number = int(value.strip())
    return number if low <= number <= high else None


def _grams(pointer: str, value: Any, *, blank: int | None) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return blank
    grams = whole_number(value, 0, MOST_GRAMS)
    if grams is None:
        raise SetupProblem(pointer, "grams", {"most": MOST_GRAMS})
    return grams


def set_weighing(session: Session, actor: Actor, warehouse: str, *, tolerance: Any,
                 packaging: Any) -> FloorSetup:
    """``tolerance`` grams either way (blank: parcels are not weighed here; else every
    parcel is), ``packaging`` grams the box and filling add."""
    tolerance_grams = _grams("/tolerance_grams", tolerance, blank=None)
    packaging_grams = _grams("/packaging_grams", packaging, blank=0)
    found = _setup(session, warehouse)
    found.tolerance_grams, found.packaging_grams = tolerance_grams, packaging_grams or 0
    found.weigh_every_parcel = tolerance_grams is not None
    found.updated_by, found.updated_at = actor.name, utcnow()
    return found


def _whole(pointer: str, value: Any, default: int | None, low: int, high: int) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    number = whole_number(value, low, high)
    if number is None:
        raise SetupProblem(pointer, "whole_number", {"low": low, "high": high})
    return number


def check_time(pointer: str, value: Any) -> str:
    if not isinstance(value, str) or not TIME.match(value.strip()):
        raise SetupProblem(pointer, "time")
    return value.strip()


def set_schedule(session: Session, actor: Actor, warehouse: str, *, times: list[Any],
                 cut_off: Any, rules: dict[str, Any]) -> FloorSetup:
    """Waves planned at ``times`` (HH:MM in the instance's time zone; none: no schedule)
    by ``rules``; orders arriving after ``cut_off`` (blank: none) wait for the next day's
    first wave."""
    kept: list[str] = []
    for i, value in enumerate(t for t in times if not (isinstance(t, str) and not t.strip())):
        time = check_time(f"/wave_times/{i}", value)
        if time in kept:
            raise SetupProblem(f"/wave_times/{i}", "time_twice", {"time": time})
        kept.append(time)
    if len(kept) > MOST_TIMES:
        raise SetupProblem("/wave_times", "too_many_times", {"most": MOST_TIMES})
    cut = None if cut_off is None or (isinstance(cut_off, str) and not cut_off.strip()) \
        else check_time("/cut_off", cut_off)
    chosen = Rules(single_item=bool(rules.get("single_item")),
                   same_carrier=bool(rules.get("same_carrier")),
                   max_orders=_whole("/wave_rules/max_orders", rules.get("max_orders"), 50, 1,
                                     MAX_ORDERS) or 50,
                   max_lines=_whole("/wave_rules/max_lines", rules.get("max_lines"), None, 1,
                                    100_000))
    found = _setup(session, warehouse)
    if found.wave_times != sorted(kept):
        # A new schedule starts now: a time earlier today is not planned late.
        found.planned_until = utcnow()
    found.wave_times, found.cut_off = sorted(kept), cut
    found.wave_rules = {k: v for k, v in chosen.as_json().items() if k != "by"}
    found.updated_by, found.updated_at = actor.name, utcnow()
    return found


def rules_of(found: FloorSetup) -> Rules:
    stored = found.wave_rules or {}
    return Rules(single_item=bool(stored.get("single_item")),
                 same_carrier=bool(stored.get("same_carrier")),
                 max_orders=int(stored.get("max_orders") or 50),
                 max_lines=stored.get("max_lines"))
