"""Business days: WORKDAY, NETWORKDAYS and their .INTL forms, with Excel's weekend codes.

A weekend is seven flags, Monday first (Excel's "0000011" is Saturday and Sunday).
Holidays are dates that are not worked even on a weekday; `workdays` are dates
that are worked even on a weekend (the make-up days of 调休), which Excel has no
argument for: a Calendar holds them. A compiled formula is handed the instance's
business calendar (`formula(data, now, calendar)`), and a call that names no
holidays counts with it (functions.py).
Whole weeks are skipped by arithmetic, so a count over decades stays cheap.
static/formula.js follows this module line by line.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from . import values as V
from .catalogue import Catalogue
from .errors import DATE_OUT_OF_RANGE, NUM, VALUE, Fault

SATURDAY_SUNDAY = (False, False, False, False, False, True, True)


@dataclass(frozen=True)
class Calendar:
    """The instance as its formulas see it: which days are worked (a weekend, holidays
    off, and make-up working days), the time zone its clock reads (HOUR, MINUTE),
    and the products and customers PRODUCTINFO and CUSTOMERINFO look up."""

    weekend: tuple[bool, ...] = SATURDAY_SUNDAY
    holidays: frozenset[int] = field(default_factory=frozenset)  # proleptic ordinals
    workdays: frozenset[int] = field(default_factory=frozenset)
    zone: _dt.tzinfo = _dt.UTC
    # Bound to the reader's database session, so not part of the calendar's identity.
    catalogue: Catalogue | None = field(default=None, compare=False, hash=False)

    def works(self, ordinal: int) -> bool:
        if ordinal in self.workdays:
            return True
        if ordinal in self.holidays:
            return False
        return not self.weekend[(ordinal - 1) % 7]  # ordinal 1 is a Monday


def weekend_of(code: Any, name: str) -> tuple[bool, ...]:
    """Excel's weekend argument: 1-7 (two days), 11-17 (one day) or a 0/1 text mask."""
    if isinstance(code, str):
        if len(code) != 7 or set(code) - {"0", "1"} or code == "1111111":
            raise Fault(f'{name}: the weekend must be seven 0s and 1s, Monday first, '
                        f'not all 1, such as "0000011"', code=VALUE)
        return tuple(ch == "1" for ch in code)
    k = V.whole(code, f"{name}: the weekend")
    if 1 <= k <= 7:
        days = {(k + 4) % 7, (k + 5) % 7}
    elif 11 <= k <= 17:
        days = {(k - 12) % 7}
    else:
        raise Fault(f"{name}: the weekend must be 1 to 7, 11 to 17 or a text such as "
                    '"0000011"', code=NUM)
    return tuple(i in days for i in range(7))


def _ordinal(value: Any) -> int:
    day = V.day_of(value) if isinstance(value, _dt.datetime) else value
    return day.toordinal()


def _ordinals(dates: Iterable[Any]) -> frozenset[int]:
    out = set()
    for value in dates:
        if isinstance(value, list | tuple):
            out |= _ordinals(value)
        elif value is not None:
            out.add(_ordinal(V.as_date(value, "a holiday")))
    return frozenset(out)


def calendar(weekend: tuple[bool, ...], holidays: Any) -> Calendar:
    """The calendar of a call: its weekend and its holidays (a date or a list of them)."""
    return Calendar(weekend, _ordinals([holidays]) if holidays is not None else frozenset())


def _worked_between(cal: Calendar, first: int, last: int) -> int:
    """Worked days from first to last, both included (first <= last)."""
    span = last - first + 1
    weeks, rest = divmod(span, 7)
    per_week = 7 - sum(cal.weekend)
    count = weeks * per_week
    for ordinal in range(first + weeks * 7, last + 1):
        count += not cal.weekend[(ordinal - 1) % 7]
    for ordinal in cal.holidays:
        if first <= ordinal <= last and not cal.weekend[(ordinal - 1) % 7] \
                and ordinal not in cal.workdays:
            count -= 1
    for ordinal in cal.workdays:
        if first <= ordinal <= last and cal.weekend[(ordinal - 1) % 7]:
            count += 1
    return count


def networkdays(start: Any, end: Any, cal: Calendar) -> int:
    a, b = _ordinal(start), _ordinal(end)
    if a <= b:
        return _worked_between(cal, a, b)
    return -_worked_between(cal, b, a)


_FIRST, _LAST = _dt.date(1, 1, 1).toordinal(), _dt.date(9999, 12, 31).toordinal()


def workday(start: Any, days: Any, cal: Calendar, name: str) -> _dt.date:
    """The worked day `days` worked days after start (before it when negative)."""
    n = V.whole(days if isinstance(days, int) else days.to_integral_value("ROUND_DOWN"),
                f"{name}: the number of days")
    ordinal = _ordinal(start)
    step = 1 if n > 0 else -1
    left = abs(n)
    per_week = 7 - sum(cal.weekend)
    # Jump whole weeks, as many as cannot reach the answer even if every make-up
    # day falls inside them, then take away the worked days passed over.
    weeks = max(left - 1 - len(cal.workdays), 0) // per_week
    if weeks:
        target = ordinal + step * weeks * 7
        low, high = sorted((ordinal + step, target))
        if low < _FIRST or high > _LAST:
            raise Fault(f"{name}: the date is outside the years 1 to 9999", code=NUM,
                        kind=DATE_OUT_OF_RANGE, function=name)
        left -= _worked_between(cal, low, high)
        ordinal = target
    while left > 0:
        ordinal += step
        if not _FIRST <= ordinal <= _LAST:
            raise Fault(f"{name}: the date is outside the years 1 to 9999", code=NUM,
                        kind=DATE_OUT_OF_RANGE, function=name)
        if cal.works(ordinal):
            left -= 1
    return _dt.date.fromordinal(ordinal)
