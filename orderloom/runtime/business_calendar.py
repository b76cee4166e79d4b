"""The instance's business calendar: which weekdays are the weekend, the public
holidays, the make-up working days of 调休 (a weekend day worked in exchange
for a longer holiday), and the working hours of each weekday. Formulas count
business days with it (WORKDAY, NETWORKDAYS without their own holidays); SLAs and
timers that count business hours or business days count with it too
(`later_by`), on the clocks of the instance's time zone.

One row holds it all: it is read whole, changed whole, and a year of holidays is
a few dozen dates.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Integer
from sqlalchemy.orm import Mapped, Session, mapped_column

from orderloom.db import Base, JSONDocument, UTCDateTime, utcnow
from orderloom.dsl.workdays import Calendar
from orderloom.runtime import audit, remembered
from orderloom.runtime.audit import Actor
from orderloom.runtime.formula_catalogue import FormulaCatalogue

ROW_ID = 1
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MOST_DAYS = 2000  # decades of holidays, far fewer than a read would notice
NAME_LENGTH = 100


class BusinessCalendar(Base):
    __tablename__ = "business_calendar"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Weekend days by name ("saturday"), so a stored row reads without a key.
    weekend: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    # [{"date": "2024-10-01", "name": "国庆节"}, ...], sorted by date.
    holidays: Mapped[list[dict[str, str]]] = mapped_column(JSONDocument, default=list)
    workdays: Mapped[list[dict[str, str]]] = mapped_column(JSONDocument, default=list)
    # {"monday": {"start": "09:00", "end": "18:00"}, ...}; a weekday left out works
    # the usual hours. A make-up working day works its own weekday's hours.
    hours: Mapped[dict[str, dict[str, str]]] = mapped_column(JSONDocument, default=dict)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


FORMULA_CALENDAR = remembered.Read("the business calendar", (BusinessCalendar,))
# The whole schedule, working hours included, for timers counting business time.
SCHEDULE = remembered.Read("the business calendar's hours", (BusinessCalendar,))


@dataclass(frozen=True)
class Day:
    """A dated entry of the calendar: a holiday or a make-up working day."""
    date: dt.date
    name: str


# Working hours of a weekday the calendar says nothing of: minutes from midnight.
USUAL_HOURS = (9 * 60, 18 * 60)


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True)
class Schedule:
    """The calendar as plain data, as read and as written."""
    weekend: tuple[str, ...] = ("saturday", "sunday")
    holidays: tuple[Day, ...] = ()
    workdays: tuple[Day, ...] = ()
    # (start, end) in minutes from midnight per weekday, Monday first.
    hours: tuple[tuple[int, int], ...] = (USUAL_HOURS,) * 7

    def as_json(self) -> dict[str, Any]:
        return {"weekend": list(self.weekend),
                "holidays": [{"date": d.date.isoformat(), "name": d.name}
                             for d in self.holidays],
                "workdays": [{"date": d.date.isoformat(), "name": d.name}
                             for d in self.workdays],
                "hours": {day: {"start": _clock(start), "end": _clock(end)}
                          for day, (start, end) in zip(WEEKDAYS, self.hours, strict=True)}}

    def for_formulas(self) -> Calendar:
        """What WORKDAY and NETWORKDAYS count with."""
        return Calendar(tuple(day in self.weekend for day in WEEKDAYS),
                        frozenset(d.date.toordinal() for d in self.holidays),
                        frozenset(d.date.toordinal() for d in self.workdays))


# Why a calendar is refused, for pages that say it in the reader's language.
NOT_A_DATE, TWICE, BOTH, TOO_LONG, NOT_A_WEEKDAY, NO_WORKING_DAY, TOO_MANY = (
    "not a date", "twice", "both", "too long", "not a weekday", "no working day", "too many")
NOT_A_TIME, NOT_AFTER = "not a time", "not after"


class CalendarError(ValueError):
    """A calendar that cannot be stored, with the JSON Pointer of what is wrong."""

    def __init__(self, pointer: str, detail: str, why: str) -> None:
        super().__init__(f"{pointer}: {detail}")
        self.pointer = pointer
        self.detail = detail
        self.why = why


def _days(entries: list[dict[str, Any]], member: str) -> tuple[Day, ...]:
    days: dict[dt.date, Day] = {}
    for i, entry in enumerate(entries):
        try:
            day = dt.date.fromisoformat(str(entry.get("date", "")))
        except ValueError:
            raise CalendarError(f"/{member}/{i}/date",
                                f"{entry.get('date')!r} is not a date such as 2024-10-01",
                                NOT_A_DATE) from None
        if day in days:
            raise CalendarError(f"/{member}/{i}/date", f"{day.isoformat()} is listed twice",
                                TWICE)
        name = str(entry.get("name", "")).strip()
        if len(name) > NAME_LENGTH:
            raise CalendarError(f"/{member}/{i}/name", f"is longer than {NAME_LENGTH} characters",
                                TOO_LONG)
        days[day] = Day(day, name)
    return tuple(sorted(days.values(), key=lambda d: d.date))


def checked(body: dict[str, Any]) -> Schedule:
    """The schedule a request asks for, or a CalendarError saying where it is wrong."""
    weekend = body.get("weekend", ["saturday", "sunday"])
    for i, day in enumerate(weekend):
        if day not in WEEKDAYS:
            raise CalendarError(f"/weekend/{i}", f"{day!r} is not one of {', '.join(WEEKDAYS)}",
                                NOT_A_WEEKDAY)
    if len(set(weekend)) == len(WEEKDAYS):
        raise CalendarError("/weekend", "a week needs at least one working day",
                            NO_WORKING_DAY)
    holidays = _days(body.get("holidays", []), "holidays")
    workdays = _days(body.get("workdays", []), "workdays")
    off = {d.date for d in holidays}
    for i, day in enumerate(workdays):
        if day.date in off:
            raise CalendarError(f"/workdays/{i}/date",
                                f"{day.date.isoformat()} is also a holiday; a day is either "
                                "off or worked", BOTH)
    if len(holidays) + len(workdays) > MOST_DAYS:
        raise CalendarError("/holidays", f"at most {MOST_DAYS} dates in all", TOO_MANY)
    ordered = tuple(d for d in WEEKDAYS if d in weekend)
    return Schedule(ordered, holidays, workdays, _hours(body.get("hours", {})))


_TIME = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$|^24:00$")


def _minutes(text: Any, pointer: str) -> int:
    match = _TIME.match(text) if isinstance(text, str) else None
    if match is None:
        raise CalendarError(pointer, f"{text!r} is not a time such as 09:00 (00:00 to 24:00)",
                            NOT_A_TIME)
    return 24 * 60 if text == "24:00" else int(match[1]) * 60 + int(match[2])


def _hours(given: dict[str, Any]) -> tuple[tuple[int, int], ...]:
    for day in given:
        if day not in WEEKDAYS:
            raise CalendarError(f"/hours/{day}", f"{day!r} is not one of {', '.join(WEEKDAYS)}",
                                NOT_A_WEEKDAY)
    hours = []
    for day in WEEKDAYS:
        span = given.get(day)
        if span is None:
            hours.append(USUAL_HOURS)
            continue
        start = _minutes(span.get("start"), f"/hours/{day}/start")
        end = _minutes(span.get("end"), f"/hours/{day}/end")
        if end <= start:
            raise CalendarError(f"/hours/{day}/end", f"{span['end']} is not after "
                                                     f"{span['start']}", NOT_AFTER)
        hours.append((start, end))
    return tuple(hours)


def _stored_hours(stored: Any) -> tuple[tuple[int, int], ...]:
    # A read never fails on an odd stored value: that weekday works the usual hours.
    try:
        return _hours(stored if isinstance(stored, dict) else {})
    except (CalendarError, AttributeError):
        return tuple(USUAL_HOURS for _ in WEEKDAYS)


def _stored_days(entries: Any) -> tuple[Day, ...]:
    # A read never fails on an odd stored entry: it is left out.
    out = []
    for entry in entries if isinstance(entries, list) else []:
        try:
            out.append(Day(dt.date.fromisoformat(entry["date"]), str(entry.get("name", ""))))
        except (TypeError, KeyError, ValueError, AttributeError):
            continue
    return tuple(out)


def schedule(session: Session) -> Schedule:
    """The instance's calendar; Saturday and Sunday off and no holidays until one is set."""
    row = session.get(BusinessCalendar, ROW_ID)
    if row is None:
        return Schedule()
    weekend = tuple(d for d in WEEKDAYS if d in (row.weekend or []))
    return Schedule(weekend, _stored_days(row.holidays), _stored_days(row.workdays),
                    _stored_hours(row.hours))


def store(session: Session, actor: Actor, new: Schedule) -> None:
    """Replace the calendar, on the audit trail; the caller commits."""
    stored = new.as_json()
    # The hours are few and each changes when timers fire: the trail keeps them whole.
    audit.record(session, actor, "business_calendar.changed", "business_calendar",
                 "instance", weekend=list(new.weekend), holidays=len(new.holidays),
                 workdays=len(new.workdays), hours=stored["hours"])
    row = session.get(BusinessCalendar, ROW_ID)
    if row is None:
        row = BusinessCalendar(id=ROW_ID)
        session.add(row)
    row.weekend, row.holidays, row.workdays, row.hours = (
        stored["weekend"], stored["holidays"], stored["workdays"], stored["hours"])
    row.updated_at = utcnow()


def use_time_zone(name: str) -> None:
    """The instance's time zone (ORDERLOOM_TIME_ZONE), set once by the process that
    starts (app, worker, command): HOUR and MINUTE read times in it."""
    global _zone
    _zone = ZoneInfo(name)


def time_zone() -> str:
    """The name of the instance's time zone, for pages that preview formulas."""
    return str(_zone)


_zone: dt.tzinfo = ZoneInfo("UTC")


def day_start(day: dt.date) -> dt.datetime:
    """The moment ``day`` starts in the instance's time zone, in UTC (a pre-sale's
    release, the first moment of a period's day)."""
    return dt.datetime.combine(day, dt.time(), _zone).astimezone(dt.UTC)


def day_range(first: dt.date, last: dt.date | None = None) -> tuple[dt.datetime, dt.datetime]:
    """The moments, in UTC, from the start of ``first`` to the start of the day after
    ``last`` (``first`` when not given) on the instance's clocks: what a filter "from
    ``first`` to ``last``" takes in, the end left out. An order placed at 23:30 in
    Shanghai is on that day there, though it is 15:30 the same day in UTC and 00:30
    the next in the Americas."""
    return day_start(first), day_start((last or first) + dt.timedelta(days=1))


def today() -> dt.date:
    """The instance's date now: the last day of a filter that names none."""
    return instance_date(utcnow())


def instance_date(moment: dt.datetime) -> dt.date:
    """The date ``moment`` falls on in the instance's time zone, as TODAY reads it: at
    01:00 in Shanghai it is already tomorrow there (an order's day for its prices)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(_zone).date()


def clock_changes(start: dt.datetime, end: dt.datetime) -> list[tuple[dt.datetime, int]]:
    """The instance's offset from UTC, in minutes, from ``start`` (UTC) on, and each
    moment before ``end`` it changes (summer time): [(start, 480)] in Shanghai. SQLite
    knows no time zones, so a query that counts local days there shifts each time by
    the offset of its stretch."""
    def offset(moment: dt.datetime) -> int:
        return int(moment.astimezone(_zone).utcoffset().total_seconds() // 60)

    changes = [(start, offset(start))]
    here = start
    while here < end:
        # Clocks change at most a few times a year: a day's step finds each change,
        # halving the step then finds its minute.
        step = min(dt.timedelta(days=1), end - here)
        if offset(here + step) != changes[-1][1]:
            low, high = here, here + step
            while high - low > dt.timedelta(seconds=1):
                middle = low + (high - low) / 2
                low, high = (middle, high) if offset(middle) == changes[-1][1] else (low, middle)
            changes.append((high.replace(microsecond=0), offset(high)))
        here += step
    return changes


def formula_calendar(session: Session, *, refused: Mapping[str, str] | None = None,
                     short_lived: bool = False) -> Calendar:
    """What formulas count business days with (WORKDAY, NETWORKDAYS), read the clock
    in (HOUR, MINUTE) and look products and customers up in (PRODUCTINFO,
    CUSTOMERINFO): read once per request or job and handed to every formula it
    evaluates. The days are remembered for a few seconds (remembered.py), as an
    import of many orders asks for them once per order. ``refused``: the records the
    person a preview runs for may not see; ``short_lived``: the look-ups read in
    sessions of their own (formula_catalogue.FormulaCatalogue)."""
    days = remembered.read(session, FORMULA_CALENDAR, ROW_ID,
                           lambda: schedule(session).for_formulas())
    return replace(days, zone=_zone, catalogue=FormulaCatalogue(session, refused=refused,
                                                                short_lived=short_lived))


# -- timers that count business time ----------------------------------------------------

# How a timer's number counts (a definition's `time_counts`): every hour of the clock,
# only the working hours of working days, or whole working days.
ALL_HOURS, BUSINESS_HOURS, BUSINESS_DAYS = "all_hours", "business_hours", "business_days"
# Looked at most this far ahead for enough working time: a calendar with decades of
# holidays in a row is not a calendar anyone keeps.
FURTHEST_DAYS = 3660


def later_by(session: Session, start: dt.datetime, amount: float, counts: str | None
             ) -> dt.datetime:
    """The moment `amount` hours (or working days) after `start`, counted as `counts`
    says with the instance's calendar, in UTC."""
    if counts in (None, ALL_HOURS):
        return start + dt.timedelta(hours=amount)
    days = remembered.read(session, SCHEDULE, ROW_ID, lambda: schedule(session))
    try:
        if counts == BUSINESS_DAYS:
            return business_days_after(days, start, int(amount), _zone)
        return business_hours_after(days, start, dt.timedelta(hours=amount), _zone)
    except ValueError:
        # A calendar with (almost) no working time left: the timer waits as far as the
        # calendar was looked at, rather than failing the move that starts it.
        return start + dt.timedelta(days=FURTHEST_DAYS)



def _working_span(days: Schedule, calendar: Calendar, day: dt.date, zone: dt.tzinfo
                  ) -> tuple[dt.datetime, dt.datetime] | None:
    if not calendar.works(day.toordinal()):
        return None
    start, end = days.hours[day.weekday()]
    midnight = dt.datetime.combine(day, dt.time(), zone)
    # Wall-clock times: on a day the clocks change, 09:00 is still 09:00 there.
    opens = (midnight + dt.timedelta(minutes=start)).replace(tzinfo=None)
    closes = (midnight + dt.timedelta(minutes=end)).replace(tzinfo=None)
    return (opens.replace(tzinfo=zone).astimezone(dt.UTC),
            closes.replace(tzinfo=zone).astimezone(dt.UTC))


def business_hours_after(days: Schedule, start: dt.datetime, wanted: dt.timedelta,
                         zone: dt.tzinfo) -> dt.datetime:
    """`start` plus `wanted` of working time: time outside the working hours, on the
    weekend and on holidays does not count; make-up working days do."""
    calendar = days.for_formulas()
    day = start.astimezone(zone).date()
    for _ in range(FURTHEST_DAYS):
        span = _working_span(days, calendar, day, zone)
        if span is not None:
            opens, closes = span
            begin = max(opens, start)
            if begin < closes:
                if begin + wanted <= closes:
                    return begin + wanted
                wanted -= closes - begin
        day += dt.timedelta(days=1)
    raise ValueError(f"no {wanted} of working time within {FURTHEST_DAYS} days")


def business_days_after(days: Schedule, start: dt.datetime, count: int, zone: dt.tzinfo
                        ) -> dt.datetime:
    """The same time of day `count` working days after `start`'s day (WORKDAY's day, on
    the instance's clocks): an order that waits from Friday 15:00 for one business day
    is due on Monday at 15:00."""
    calendar = days.for_formulas()
    local = start.astimezone(zone)
    day = local.date()
    left = count
    for _ in range(FURTHEST_DAYS):
        if left <= 0:
            break
        day += dt.timedelta(days=1)
        if calendar.works(day.toordinal()):
            left -= 1
    else:
        raise ValueError(f"no {count} working days within {FURTHEST_DAYS} days")
    return dt.datetime.combine(day, local.time().replace(tzinfo=None), zone).astimezone(dt.UTC)
