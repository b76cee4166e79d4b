"""Query parameters read into values: one reader per kind (a day, a moment, a whole
number within bounds, a page cursor), each refusing a value it cannot read with a
``ParameterError`` that names the parameter.

The API answers that error 422 (``refusals.FAMILIES``); a page catches it with
``on_page`` and shows the message beside what it shows instead. Every bound here
keeps the value inside what Python's dates and the database's integers can hold,
so no value of a query string reaches a computation or a statement that fails.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from typing import TypeVar

from flask_babel import lazy_gettext

from orderloom.platform.i18n import reads_english
from orderloom.platform.url_ids import LARGEST_ID
from orderloom.runtime import business_calendar

T = TypeVar("T")

# Days a filter may name. The last is a day before Python's last date, so "to" can
# take in the whole of it and a time zone can move it; the first is before any order.
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(9998, 12, 31)
# A whole number the database can compare with any integer column (64-bit signed).
LARGEST_WHOLE = 2**63 - 1
_WHOLE = re.compile(r"[+-]?[0-9]{1,20}")
_DATE_EXAMPLE = "2026-11-25"


# What a page says of a refused parameter in the reader's language, by the error's code;
# the API keeps the English ``detail``.
PARAMETER_WORDS = {
    "whole": lazy_gettext("must be a whole number from %(low)s to %(high)s"),
    "choice": lazy_gettext("must be one of %(options)s"),
    "not_a_date": lazy_gettext("“%(value)s” is not a date; use the form %(example)s"),
    "not_a_moment": lazy_gettext(
        "“%(value)s” is not a date (%(example)s) or a date and time "
        "(2026-11-25T09:30:00+08:00)"),
    "day_range": lazy_gettext("must be a day from %(first)s to %(last)s"),
    "nul": lazy_gettext("must not contain the NUL character"),
}
# The parameters pages let people type, named as their boxes are.
PARAMETER_NAMES = {"created_from": lazy_gettext("Created from"),
                   "created_to": lazy_gettext("Created to"),
                   "from": lazy_gettext("From"), "to": lazy_gettext("To"),
                   "mode": lazy_gettext("Mode"), "warehouse": lazy_gettext("Warehouse")}
BROKEN_LINK = lazy_gettext("The page link is broken; showing the first page.")


class ParameterError(ValueError):
    """A query parameter that cannot be read: ``name`` is the parameter's, ``detail``
    says why in words a user can act on; ``code`` and ``values`` let a page say it in
    its reader's language (PARAMETER_WORDS)."""

    def __init__(self, name: str, detail: str, *, on_a_page: str | None = None,
                 code: str | None = None, **values: object) -> None:
        super().__init__(f"{name}: {detail}")
        self.name = name
        self.detail = detail
        self.on_a_page = on_a_page
        self.code = code
        self.values = values

    @property
    def page_message(self) -> str:
        """The message a page shows: the parameter's name as words, then why (or what
        the reader of a page needs instead: a cursor is no filter they typed)."""
        if self.on_a_page:
            return self.on_a_page
        words = PARAMETER_WORDS.get(self.code or "")
        if reads_english() or words is None:
            return f"{self.name.replace('_', ' ').capitalize()}: {self.detail}."
        name = PARAMETER_NAMES.get(self.name, self.name)
        return str(lazy_gettext("%(name)s: %(detail)s.", name=name,
                                detail=str(words) % self.values))


def _raw(args: Mapping[str, str], name: str) -> str | None:
    raw = args.get(name)
    if raw is None:
        return None
    raw = raw.strip()
    return raw or None


def whole(args: Mapping[str, str], name: str, default: int | None = None, *,
          low: int = 0, high: int = LARGEST_WHOLE) -> int | None:
    """A whole number from ``low`` to ``high`` (written in ASCII digits, no more than
    the database holds), or ``default`` when the parameter is absent or empty."""
    raw = _raw(args, name)
    if raw is None:
        return default
    if not _WHOLE.fullmatch(raw) or not low <= int(raw) <= high:
        raise ParameterError(name, f"must be a whole number from {low} to {high}",
                             code="whole", low=low, high=high)
    return int(raw)


def choice(args: Mapping[str, str], name: str, options: tuple[str, ...], default: str
           ) -> str:
    """One of ``options`` (letter case ignored), or ``default`` when absent or empty."""
    raw = _raw(args, name)
    if raw is None:
        return default
    if raw.lower() not in options:
        raise ParameterError(name, "must be " + ", ".join(options[:-1]) + " or " + options[-1]
                             if len(options) > 1 else f"must be {options[0]}",
                             code="choice", options=", ".join(options))
    return raw.lower()


def cursor(args: Mapping[str, str], name: str = "before") -> int | None:
    """The row id a "next page" link carries: a positive id the id columns can hold."""
    raw = _raw(args, name)
    if raw is None:
        return None
    if not _WHOLE.fullmatch(raw) or not 1 <= int(raw) <= LARGEST_ID:
        raise ParameterError(name, "is not a page link this list made; start from the "
                                   "first page",
                             on_a_page=str(BROKEN_LINK))
    return int(raw)


def day(args: Mapping[str, str], name: str, default: date | None = None) -> date | None:
    """A calendar day written as ISO 8601 (2026-11-25), from FIRST_DAY to LAST_DAY."""
    raw = _raw(args, name)
    if raw is None:
        return default
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        raise ParameterError(name, f"“{_shown(raw)}” is not a date; use the form "
                                   f"{_DATE_EXAMPLE}", code="not_a_date", value=_shown(raw),
                             example=_DATE_EXAMPLE) from None
    return _within(name, value)


def day_moment(args: Mapping[str, str], name: str, *, end_of_day: bool = False
               ) -> datetime | None:
    """A day (only a day, as a page's date input sends it) as its first moment on the
    instance's clocks, in UTC, or with ``end_of_day`` the first moment of the next, so
    a "to" filter takes in the whole day."""
    found = day(args, name)
    if found is None:
        return None
    start, end = business_calendar.day_range(found)
    return end if end_of_day else start


def moment(args: Mapping[str, str], name: str, *, end_of_day: bool = False
           ) -> datetime | None:
    """A point in time in UTC: a day (its start on the instance's clocks, or with
    ``end_of_day`` the start of the next day, so a "to" filter takes in the whole day)
    or a date and time (without a time zone it is UTC)."""
    raw = _raw(args, name)
    if raw is None:
        return None
    try:
        date.fromisoformat(raw)
    except ValueError:
        pass  # not a day alone: a date and time
    else:
        return day_moment(args, name, end_of_day=end_of_day)
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise ParameterError(name, f"“{_shown(raw)}” is not a date ({_DATE_EXAMPLE}) or a "
                                   "date and time (2026-11-25T09:30:00+08:00)",
                             code="not_a_moment", value=_shown(raw),
                             example=_DATE_EXAMPLE) from None
    _within(name, value.date())
    value = value if value.tzinfo else value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def on_page(errors: list[str], read: Callable[[], T], fallback: T) -> T:
    """For a page: what ``read`` gives, or ``fallback`` with the reason added to
    ``errors``, so the page still answers and says which filter it left out."""
    try:
        return read()
    except ParameterError as error:
        errors.append(error.page_message)
        return fallback


def refuse_nul(args: Mapping[str, object]) -> None:
    """Refuse a NUL character in any parameter's name or value (all values of a
    repeated one): PostgreSQL cannot compare text holding one, and nothing needs it."""
    pairs = args.items(multi=True) if hasattr(args, "getlist") else args.items()
    for name, value in pairs:
        if "\x00" in name or (isinstance(value, str) and "\x00" in value):
            raise ParameterError(name.replace("\x00", "\\0"),
                                 "must not contain the NUL character", code="nul")


def _within(name: str, value: date) -> date:
    if not FIRST_DAY <= value <= LAST_DAY:
        raise ParameterError(name, f"must be a day from {FIRST_DAY.isoformat()} to "
                                   f"{LAST_DAY.isoformat()}", code="day_range",
                             first=FIRST_DAY.isoformat(), last=LAST_DAY.isoformat())
    return value


def _shown(raw: str) -> str:
    # The message quotes what was sent, but never a whole pasted document.
    return raw if len(raw) <= 40 else raw[:40] + "…"
