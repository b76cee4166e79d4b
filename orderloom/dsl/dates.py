"""Excel's date functions that count in months and weeks: EDATE, EOMONTH, DATEDIF,
WEEKNUM, ISOWEEKNUM, HOUR and MINUTE.

A datetime is read in UTC, as everywhere in formulas; a function of days uses
its date. static/formula.js follows this module line by line.
"""

from __future__ import annotations

import calendar
import datetime as _dt
import re
from typing import Any

from . import values as V
from .errors import DATE_OUT_OF_RANGE, NOT_A_DATE, NUM, Fault


def _day(value: Any) -> _dt.date:
    return V.day_of(value) if isinstance(value, _dt.datetime) else value


def _month_index(value: _dt.date, months: Any, name: str) -> tuple[int, int]:
    """(year, month) so many months after value's month, within the years 1 to 9999."""
    index = value.year * 12 + value.month - 1 + V.whole(months, f"{name}: the number of months")
    year, month = divmod(index, 12)
    if not 1 <= year <= 9999:
        raise Fault(f"{name}: the date is outside the years 1 to 9999", code=NUM,
                    kind=DATE_OUT_OF_RANGE, function=name)
    return year, month + 1


def edate(start: Any, months: Any) -> _dt.date:
    """The same day so many months later; the month's last day when it is shorter (Jan 31 + 1)."""
    day = _day(start)
    year, month = _month_index(day, months, "EDATE")
    return _dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def eomonth(start: Any, months: Any) -> _dt.date:
    year, month = _month_index(_day(start), months, "EOMONTH")
    return _dt.date(year, month, calendar.monthrange(year, month)[1])


def _rolled(year: int, month: int, day: int) -> _dt.date:
    """A day of a month, rolling past its end as DATE does (Feb 29 of 2023 is Mar 1)."""
    return _dt.date(year, month, 1) + _dt.timedelta(days=day - 1)


def datedif(start: Any, end: Any, unit: str) -> int:
    a, b = _day(start), _day(end)
    if a > b:
        raise Fault("DATEDIF: the start is after the end", code=NUM)
    kind = unit.strip().upper()
    months = (b.year - a.year) * 12 + b.month - a.month - (b.day < a.day)
    if kind == "Y":
        return months // 12
    if kind == "M":
        return months
    if kind == "D":
        return (b - a).days
    if kind == "YM":
        return months % 12
    if kind == "MD":
        # Excel's own arithmetic, negative at times (Jan 31 to Mar 1 is -2), kept as it is.
        if b.day >= a.day:
            return b.day - a.day
        before = b.replace(day=1) - _dt.timedelta(days=1)
        return before.day - a.day + b.day
    if kind == "YD":
        # The start moved into the end's year, or the year before when that is after the end.
        # Rolled as DATE rolls, so Feb 29 of a year without one is Mar 1.
        moved = _rolled(b.year, a.month, a.day)
        if moved > b:
            if b.year == 1:
                raise Fault("DATEDIF: the date is outside the years 1 to 9999", code=NUM)
            moved = _rolled(b.year - 1, a.month, a.day)
        return (b - moved).days
    raise Fault('DATEDIF: the unit must be "Y", "M", "D", "MD", "YM" or "YD"', code=NUM)


# WEEKNUM's return types: the weekday a week starts on (Monday 0 .. Sunday 6).
_WEEK_STARTS = {1: 6, 2: 0, 11: 0, 12: 1, 13: 2, 14: 3, 15: 4, 16: 5, 17: 6}


def weeknum(value: Any, kind: Any = 1) -> int:
    """The week of the year; week 1 is the one holding January 1 (type 21: ISO weeks)."""
    day = _day(value)
    k = V.whole(kind, "WEEKNUM: the type")
    if k == 21:
        return isoweeknum(day)
    if k not in _WEEK_STARTS:
        raise Fault("WEEKNUM: the type must be 1, 2, 11 to 17 or 21", code=NUM)
    january_first = _dt.date(day.year, 1, 1)
    before = (january_first.weekday() - _WEEK_STARTS[k]) % 7
    return (day.timetuple().tm_yday - 1 + before) // 7 + 1


def isoweeknum(value: Any) -> int:
    return _day(value).isocalendar()[1]


def hour(value: Any, zone: _dt.tzinfo = V.UTC) -> int:
    """The hour on the instance's clocks (`zone`): a time is stored in UTC, but 09:30 in
    Shanghai is the 9th hour to the people there, not the 1st."""
    return value.astimezone(zone).hour if isinstance(value, _dt.datetime) else 0


def minute(value: Any, zone: _dt.tzinfo = V.UTC) -> int:
    # Some zones are not whole hours from UTC (Asia/Kolkata, +05:30).
    return value.astimezone(zone).minute if isinstance(value, _dt.datetime) else 0


def time_of_day(hours: Any, minutes: Any, seconds: Any) -> Any:
    """TIME: the fraction of a day, as Excel's serial time (12:00 is 0.5); past 24 hours
    it starts again from 0. ADDDAYS adds it to a datetime."""
    parts = [V.whole(v, "TIME: each part") for v in (hours, minutes, seconds)]
    if any(p > 32767 for p in parts):
        raise Fault("TIME: each part must be at most 32767", code=NUM)
    total = parts[0] * 3600 + parts[1] * 60 + parts[2]
    if total < 0:
        raise Fault("TIME: the time is before 0:00", code=NUM)
    return V.div(total % 86_400, 86_400)


# Year, month and day with -, / or . between them, or 年 月 日; a time after it is ignored.
_DATE_TEXT = re.compile(
    r"[ \t]*([0-9]{4})[ \t]*(?:([-/.])[ \t]*([0-9]{1,2})[ \t]*\2[ \t]*([0-9]{1,2})"
    r"|年[ \t]*([0-9]{1,2})[ \t]*月[ \t]*([0-9]{1,2})[ \t]*日)(?:[T ][0-9:.]*)?[ \t]*")


def datevalue(text: str) -> _dt.date:
    match = _DATE_TEXT.fullmatch(text)
    if match:
        year, month, day = match.group(1), match.group(3) or match.group(5), \
            match.group(4) or match.group(6)
        try:
            return _dt.date(int(year), int(month), int(day))
        except ValueError:
            pass
    raise Fault(f'DATEVALUE: "{text}" is not a date such as 2024-05-03',
                kind=NOT_A_DATE, text=text)
