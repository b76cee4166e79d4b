"""The language a page speaks: English, or Chinese for a browser that asks for it or
a person who chose it with the top bar's switch; and how it writes times and numbers
for that reader.

User-facing text is marked with Flask-Babel's ``gettext``; the Chinese catalog is
``translations/zh/LC_MESSAGES/messages.po``, compiled to the ``.mo`` beside it that
ships in the package (see docs/translating.md). Text not in the catalog stays
English, so pages can be translated one at a time.

Times are stored in UTC and shown in the instance's time zone (ORDERLOOM_TIME_ZONE),
in the reader's locale: ``Dec 6, 2026, 18:05`` or ``2026-12-06 18:05``. Counts
and amounts carry the locale's thousands separators.
"""
from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

from babel.dates import format_date, format_time
from flask import Flask, request, session
from flask_babel import Babel, format_decimal, get_locale, get_timezone
from markupsafe import Markup

LANGUAGES = ["en", "zh"]
DEFAULT = "en"
TRANSLATIONS = Path(__file__).resolve().parent / "translations"
# Where a language chosen with ?lang= is remembered: the switch works for everyone,
# logged in or not (the public tracking page), for the rest of the visit.
CHOICE = "language"
# The locale's medium date and a 24-hour clock: staff across shifts read it without
# AM/PM, and each locale joins the two in its own way.
CLOCK = "HH:mm"
# Locales whose readers write dates as numbers, largest unit first, as the date boxes
# (date_input) take them: 2026-12-07 rather than 2026年12月7日.
NUMERIC_DATES = {"zh": "yyyy-MM-dd"}


def language() -> str:
    """The language chosen with the switch; else English unless the browser prefers
    Chinese (a zh-CN preference counts as zh)."""
    chosen = session.get(CHOICE)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT


def reading() -> str:
    """The language this request's page is written in ("en" or "zh"): the one place
    that decides, so every text of a page speaks the same language."""
    locale = get_locale()
    return locale.language if locale is not None else DEFAULT


def reads_english() -> bool:
    """Whether this request's reader reads English, and so gets a refusal or a problem
    as the runtime wrote it."""
    return reading() == "en"


def _remember_choice() -> None:
    chosen = request.args.get("lang")
    if chosen in LANGUAGES:
        session[CHOICE] = chosen


def switch_to(code: str, page: str | None = None) -> str:
    """This page's address with ``lang`` set: the other query members are kept.
    ``page``: another address to switch on (one that must not echo the request's)."""
    if page is not None:
        return f"{page}?{urlencode({'lang': code})}"
    args = request.args.to_dict(flat=False)
    args["lang"] = [code]
    return f"{request.path}?{urlencode(args, doseq=True)}"


def when(moment: datetime | None) -> str:
    """A stored time as the reader reads it: in the instance's time zone, in the
    locale's format; empty for none. A naive time is taken as UTC (SQLite keeps no
    zone)."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    zone, locale = get_timezone(), get_locale()
    local = moment.astimezone(zone)
    numeric = NUMERIC_DATES.get(locale.language)
    if numeric is not None:
        return (f"{format_date(local, numeric, locale=locale)} "
                f"{format_time(local, CLOCK, tzinfo=zone, locale=locale)}")
    return (locale.datetime_formats["medium"].replace("'", "")
            .replace("{1}", format_date(local, "medium", locale=locale))
            .replace("{0}", format_time(local, CLOCK, tzinfo=zone, locale=locale)))


def count(value: int | Decimal | None) -> str:
    """A count (or any plain number) with the locale's thousands separators."""
    return "" if value is None else format_decimal(value)


def date_input(kind: str = "date") -> Markup:
    """The attributes of a date box (``kind`` "date") or a date-and-time box
    ("datetime") for the reader. English gets the browser's own picker. A Chinese
    reader gets a text box that reads and writes yyyy-mm-dd (and hh:mm): the native
    picker writes the browser's format (mm/dd/yyyy in an English browser) whatever
    the page's language. Either box holds the ISO text the server reads."""
    if reading() != "zh":
        return Markup('type="date"' if kind == "date" else 'type="datetime-local" step="1"')
    if kind == "date":
        return Markup('type="text" inputmode="numeric" autocomplete="off" '
                      'pattern="\\d{4}-\\d{2}-\\d{2}" placeholder="yyyy-mm-dd"')
    return Markup('type="text" autocomplete="off" '
                  'pattern="\\d{4}-\\d{2}-\\d{2}[T ]\\d{2}:\\d{2}(:\\d{2})?" '
                  'placeholder="yyyy-mm-dd hh:mm"')


def html_lang() -> str:
    """The page's ``lang`` attribute, so browsers pick fonts and screen readers voices."""
    return "zh-CN" if reading() == "zh" else "en"


def init_app(app: Flask, time_zone: str = "UTC") -> None:
    Babel(app, locale_selector=language, default_locale=DEFAULT,
          default_timezone=time_zone, default_translation_directories=str(TRANSLATIONS))
    app.before_request(_remember_choice)
    app.jinja_env.globals.update(when=when, count=count, html_lang=html_lang,
                                 switch_to=switch_to, date_input=date_input,
                                 time_zone=time_zone)
