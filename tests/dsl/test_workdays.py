"""Business days with make-up working days (调休), which Excel's functions have no
argument for: the calendar of China's 2024 National Day holiday."""

from __future__ import annotations

import datetime as dt

import pytest

from orderloom.dsl import workdays

# 2024: October 1 to 7 off; Sunday September 29 and Saturday October 12 worked instead.
NATIONAL_DAY = workdays.Calendar(
    holidays=frozenset(dt.date(2024, 10, d).toordinal() for d in range(1, 8)),
    workdays=frozenset({dt.date(2024, 9, 29).toordinal(), dt.date(2024, 10, 12).toordinal()}),
)


def test_the_make_up_sunday_and_saturday_are_working_days():
    assert workdays.workday(dt.date(2024, 9, 27), 1, NATIONAL_DAY, "WORKDAY") == \
        dt.date(2024, 9, 29)
    assert workdays.workday(dt.date(2024, 9, 30), 1, NATIONAL_DAY, "WORKDAY") == \
        dt.date(2024, 10, 8)
    assert workdays.workday(dt.date(2024, 10, 11), 1, NATIONAL_DAY, "WORKDAY") == \
        dt.date(2024, 10, 12)
    assert workdays.workday(dt.date(2024, 10, 8), -2, NATIONAL_DAY, "WORKDAY") == \
        dt.date(2024, 9, 29)


def test_the_holiday_weeks_count_their_make_up_days():
    # 9/29, 9/30, then 10/8 to 10/12.
    assert workdays.networkdays(dt.date(2024, 9, 28), dt.date(2024, 10, 13), NATIONAL_DAY) == 7
    assert workdays.networkdays(dt.date(2024, 10, 13), dt.date(2024, 9, 28), NATIONAL_DAY) == -7


def _by_counting(start: dt.date, n: int) -> dt.date:
    day, left, step = start, abs(n), 1 if n > 0 else -1
    while left:
        day += dt.timedelta(days=step)
        left -= workdays.Calendar.works(NATIONAL_DAY, day.toordinal())
    return day


@pytest.mark.parametrize("n", [-400, -31, -12, -6, -5, 1, 5, 6, 7, 12, 30, 31, 400])
@pytest.mark.parametrize("start", [dt.date(2024, 8, 30), dt.date(2024, 9, 29),
                                   dt.date(2024, 10, 4), dt.date(2024, 11, 15)])
def test_skipping_whole_weeks_gives_what_counting_day_by_day_gives(start, n):
    assert workdays.workday(start, n, NATIONAL_DAY, "WORKDAY") == _by_counting(start, n)


# --- the instance's calendar reaching formulas ------------------------------------------

def _run(source, calendar=None, **data):
    from orderloom import dsl
    return dsl.compile(source, {k: "date" for k in data})(data, None, calendar)


def test_workday_without_holidays_counts_with_the_instance_calendar():
    start = dt.date(2024, 9, 30)
    assert _run("WORKDAY(start, 1)", NATIONAL_DAY, start=start) == dt.date(2024, 10, 8)
    assert _run("WORKDAY(start, -1)", NATIONAL_DAY, start=dt.date(2024, 10, 1)) == \
        dt.date(2024, 9, 30)
    assert _run("NETWORKDAYS(a, b)", NATIONAL_DAY, a=dt.date(2024, 9, 28),
                b=dt.date(2024, 10, 13)) == 7  # Sep 29, 30, Oct 8-12


def test_without_a_calendar_business_days_are_excels():
    assert _run("WORKDAY(start, 1)", start=dt.date(2024, 9, 30)) == dt.date(2024, 10, 1)
    assert _run("NETWORKDAYS(a, b)", a=dt.date(2024, 9, 28), b=dt.date(2024, 10, 13)) == 10


def test_a_call_naming_its_holidays_counts_with_those_alone_as_excel_does():
    start = dt.date(2024, 9, 30)
    assert _run("WORKDAY(start, 1, [DATE(2024, 10, 1)])", NATIONAL_DAY, start=start) == \
        dt.date(2024, 10, 2)
    assert _run("WORKDAY(start, 1, [])", NATIONAL_DAY, start=start) == dt.date(2024, 10, 1)


def test_the_plain_forms_take_the_calendars_weekend_and_intl_its_own_argument():
    friday_saturday = workdays.Calendar(weekend=(False,) * 4 + (True, True, False))
    thursday = dt.date(2024, 10, 3)
    assert _run("WORKDAY(start, 1)", friday_saturday, start=thursday) == dt.date(2024, 10, 6)
    assert _run("WORKDAY.INTL(start, 1, 11)", friday_saturday, start=thursday) == \
        dt.date(2024, 10, 4)  # 11: only Sunday off
    # .INTL without its holidays still counts the calendar's holidays and make-up days.
    assert _run("WORKDAY.INTL(start, 1, 1)", NATIONAL_DAY, start=dt.date(2024, 9, 30)) == \
        dt.date(2024, 10, 8)
    assert _run("NETWORKDAYS.INTL(a, b)", NATIONAL_DAY, a=dt.date(2024, 9, 28),
                b=dt.date(2024, 10, 13)) == 7
