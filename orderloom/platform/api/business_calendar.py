"""The instance's business calendar over the API: weekend days, public holidays,
make-up working days and working hours, which WORKDAY and NETWORKDAYS, and SLAs and
timers that count business time, count with."""
from __future__ import annotations

from orderloom.platform.api import api
from orderloom.platform.api.body import json_body
from orderloom.platform.auth import current_actor, requires
from orderloom.platform.database import db_session
from orderloom.platform.openapi import documented
from orderloom.platform.problems import invalid
from orderloom.runtime import business_calendar
from orderloom.runtime.business_calendar import NAME_LENGTH, WEEKDAYS, CalendarError

DAYS = {"type": "array", "maxItems": business_calendar.MOST_DAYS, "items": {
    "type": "object", "required": ["date"], "additionalProperties": False,
    "properties": {"date": {"type": "string", "description": "YYYY-MM-DD"},
                   "name": {"type": "string", "maxLength": NAME_LENGTH}}}}
SPAN = {"type": "object", "required": ["start", "end"], "additionalProperties": False,
        "properties": {"start": {"type": "string", "description": "HH:MM, 00:00 to 24:00"},
                       "end": {"type": "string", "description": "HH:MM, after start"}}}
CALENDAR = {
    "type": "object", "additionalProperties": False,
    "properties": {
        "weekend": {"type": "array", "maxItems": 7, "items": {"enum": list(WEEKDAYS)},
                    "description": "The days off every week; default saturday and sunday"},
        "holidays": {**DAYS, "description": "Public holidays: not worked even on a weekday"},
        "workdays": {**DAYS, "description": "Make-up working days (调休): worked even on a "
                                            "weekend day"},
        "hours": {"type": "object", "additionalProperties": False,
                  "properties": {day: SPAN for day in WEEKDAYS},
                  "description": "Working hours per weekday, on the clocks of the instance's "
                                 "time zone; a weekday left out works 09:00 to 18:00. SLAs "
                                 "and timers that count business hours count these"},
        "time_zone": {"type": "string", "readOnly": True,
                      "description": "The instance's time zone (ORDERLOOM_TIME_ZONE), which "
                                     "HOUR, MINUTE and TODAY read the clock in; set by the "
                                     "operator, ignored when sent"},
    },
}


def _answer(schedule: business_calendar.Schedule) -> dict:
    return {**schedule.as_json(), "time_zone": business_calendar.time_zone()}


@api.get("/business-calendar")
@requires()
@documented("The business calendar that WORKDAY and NETWORKDAYS count with",
            tags=("calendar",), responses={200: ("The calendar", CALENDAR)})
def get_business_calendar():
    return _answer(business_calendar.schedule(db_session()))


@api.put("/business-calendar")
@requires("calendar.manage")
@documented("Replace the business calendar; a date may not be both a holiday and a "
            "make-up working day", request=CALENDAR, tags=("calendar",),
            responses={200: ("The calendar", CALENDAR)})
def put_business_calendar():
    body = json_body(CALENDAR)
    try:
        new = business_calendar.checked(body)
    except CalendarError as error:
        raise invalid(error.pointer, error.detail) from None
    session = db_session()
    business_calendar.store(session, current_actor(), new)
    session.commit()
    return _answer(new)
