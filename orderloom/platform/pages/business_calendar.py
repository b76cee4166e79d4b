"""The business calendar page for administrators: the weekend days, the public
holidays and make-up working days as lines of "2024-10-01 国庆节", so a year's
schedule can be pasted from the State Council's notice, and the working hours of
each weekday, which SLAs and timers counting business hours count."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext

from orderloom.platform.auth import current_actor, requires
from orderloom.platform.database import db_session
from orderloom.platform.pages import pages
from orderloom.runtime import business_calendar
from orderloom.runtime.business_calendar import WEEKDAYS, CalendarError, Schedule

WEEKDAY_WORDS = dict(zip(WEEKDAYS, (
    lazy_gettext("Monday"), lazy_gettext("Tuesday"), lazy_gettext("Wednesday"),
    lazy_gettext("Thursday"), lazy_gettext("Friday"), lazy_gettext("Saturday"),
    lazy_gettext("Sunday")), strict=True))
LIST_WORDS = {"holidays": lazy_gettext("Public holidays"),
              "workdays": lazy_gettext("Make-up working days")}
WHY_WORDS = {
    business_calendar.NOT_A_DATE: lazy_gettext("not a date such as 2024-10-01"),
    business_calendar.TWICE: lazy_gettext("this date is listed twice"),
    business_calendar.BOTH: lazy_gettext("this date is also a public holiday; a day is "
                                         "either off or worked"),
    business_calendar.TOO_LONG: lazy_gettext("the name is too long"),
    business_calendar.TOO_MANY: lazy_gettext("too many dates"),
    business_calendar.NOT_A_TIME: lazy_gettext("not a time such as 09:00"),
    business_calendar.NOT_AFTER: lazy_gettext("the end must be after the start"),
}


def _lines(schedule: Schedule, member: str) -> str:
    return "\n".join(f"{d.date.isoformat()} {d.name}".rstrip()
                     for d in getattr(schedule, member))


def _entries(text: str) -> tuple[list[dict[str, str]], list[int]]:
    """The dated entries of a text box, and the line each came from."""
    entries, numbers = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        date, _space, name = line.strip().partition(" ")
        if date:
            entries.append({"date": date, "name": name.strip()})
            numbers.append(number)
    return entries, numbers


# A time box (<input type=time>) cannot hold 24:00, which the API accepts as the end
# of a day worked until midnight: the page shows it as an end of 00:00 and reads an
# end of 00:00 back as 24:00 (no day ends at its own start).
MIDNIGHT, END_OF_DAY = "00:00", "24:00"


def _boxes(hours: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    return {day: {**span, "end": MIDNIGHT if span["end"] == END_OF_DAY else span["end"]}
            for day, span in hours.items()}


def _page(schedule: Schedule, form: dict | None = None, error: str | None = None,
          status: int = 200):
    form = form or {"weekend": list(schedule.weekend),
                    "holidays": _lines(schedule, "holidays"),
                    "workdays": _lines(schedule, "workdays"),
                    "hours": _boxes(schedule.as_json()["hours"])}
    days = sorted([(d, LIST_WORDS["holidays"]) for d in schedule.holidays]
                  + [(d, LIST_WORDS["workdays"]) for d in schedule.workdays],
                  key=lambda pair: pair[0].date)
    return render_template("business_calendar.html", weekdays=WEEKDAY_WORDS, form=form,
                           error=error, time_zone=business_calendar.time_zone(),
                           days=[(day, WEEKDAY_WORDS[WEEKDAYS[day.date.weekday()]], kind)
                                 for day, kind in days]), status


@pages.get("/admin/business-calendar")
@requires("calendar.manage")
def business_calendar_page():
    return _page(business_calendar.schedule(db_session()))


@pages.post("/admin/business-calendar")
@requires("calendar.manage")
def save_business_calendar():
    form = {"weekend": request.form.getlist("weekend"),
            "holidays": request.form.get("holidays", ""),
            "workdays": request.form.get("workdays", ""),
            "hours": {day: {"start": request.form.get(f"{day}_start", "").strip(),
                            "end": request.form.get(f"{day}_end", "").strip()}
                      for day in WEEKDAYS}}
    holidays, holiday_lines = _entries(form["holidays"])
    workdays, workday_lines = _entries(form["workdays"])
    try:
        # A weekday with both boxes blank works the usual hours.
        hours = {day: {**span, "end": END_OF_DAY if span["end"] == MIDNIGHT else span["end"]}
                 for day, span in form["hours"].items() if span["start"] or span["end"]}
        new = business_calendar.checked({"weekend": form["weekend"], "holidays": holidays,
                                         "workdays": workdays, "hours": hours})
    except CalendarError as refused:
        said = _said(refused, {"holidays": holiday_lines, "workdays": workday_lines})
        return _page(business_calendar.schedule(db_session()), form, said, 422)
    session = db_session()
    business_calendar.store(session, current_actor(), new)
    session.commit()
    flash(gettext("The business calendar is saved."))
    return redirect(url_for("pages.business_calendar_page"))


def _said(refused: CalendarError, lines: dict[str, list[int]]) -> str:
    """The refusal in the reader's words, at the line of the box it is about."""
    parts = refused.pointer.strip("/").split("/")
    if parts[0] == "weekend":
        return gettext("Weekend: a week needs at least one working day.")
    if parts[0] == "hours":
        return gettext("Working hours, %(day)s: %(why)s.", day=WEEKDAY_WORDS[parts[1]],
                       why=WHY_WORDS.get(refused.why, refused.detail))
    why = WHY_WORDS.get(refused.why, refused.detail)
    if len(parts) > 1:
        return gettext("%(list)s, line %(line)s: %(why)s.", list=LIST_WORDS[parts[0]],
                       line=lines[parts[0]][int(parts[1])], why=why)
    return gettext("%(list)s: %(why)s.", list=LIST_WORDS[parts[0]], why=why)
