"""SLAs and timers that count business time: with the National Day week of 2024 off
and Sunday September 29 worked (调休), in Shanghai's working hours, a timer fires
at the moment the working time it counts has passed, not before."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from orderloom.runtime import business_calendar
from orderloom.runtime.audit import Actor
from orderloom.runtime.engine import lifecycle
from orderloom.runtime.engine.timer_firing import fire_due_timers
from orderloom.runtime.engine.timers import AUTOMATIC, ESCALATION, SLA, Timer
from tests.platform.test_api_tokens import bearer
from tests.runtime.support import SAMPLE

BIG = {**SAMPLE, "items": [{"sku": "TEA-01", "qty": 5, "price": "1250.50"}]}  # approval

SHANGHAI = ZoneInfo("Asia/Shanghai")
NATIONAL_DAY_2024 = {
    "holidays": [{"date": f"2024-10-0{d}", "name": "国庆节"} for d in range(1, 8)],
    "workdays": [{"date": "2024-09-29", "name": "国庆节调休"},
                 {"date": "2024-10-12", "name": "国庆节调休"}],
    "hours": {day: {"start": "09:00", "end": "18:00"} for day in business_calendar.WEEKDAYS},
}
ACTOR = Actor(None, "test", "cli")


def at(day: int, hour: int, minute: int = 0, month: int = 9) -> dt.datetime:
    """A moment of 2024 on Shanghai's clocks, as the UTC time the server keeps."""
    return dt.datetime(2024, month, day, hour, minute, tzinfo=SHANGHAI).astimezone(dt.UTC)


@pytest.fixture
def instance_time_zone():
    # Eight hours from UTC, so a time shown in UTC could not pass for Shanghai time.
    return "Asia/Shanghai"


def counting_business_time(definition):
    states = definition["workflow"]["states"]
    review = next(s for s in states if s["key"] == "review")
    review["time_counts"] = "business_hours"  # its sla_hours: 4
    auto_cancel = definition["workflow"]["automatic"][0]
    auto_cancel.update(after_hours=2, time_counts="business_days")
    # manager_review waits in review for orders over 5000; escalates after 4 hours.
    definition["workflow"]["approvals"][0]["time_counts"] = "business_hours"


@pytest.fixture
def shop(client, token_for):
    from tests.designer.samples import retail
    definition = retail()
    counting_business_time(definition)
    imported = client.post("/api/v1/import", headers=bearer(token_for("designer")), json={
        "format": "orderloom-package/1", "order_types": [definition]})
    assert imported.status_code == 201, imported.get_json()
    calendar = client.put("/api/v1/business-calendar", headers=bearer(token_for("admin")),
                          json=NATIONAL_DAY_2024)
    assert calendar.status_code == 200, calendar.get_json()


def _timer(db, order, kind) -> Timer:
    return db.scalars(select(Timer).where(Timer.order_id == order.id, Timer.kind == kind,
                                          Timer.cancelled_at.is_(None))).one()


def test_two_business_days_from_friday_end_on_monday_counting_the_make_up_sunday(shop, db):
    order = lifecycle.create_order(db, ACTOR, "retail_order", SAMPLE, now=at(27, 16))
    db.commit()
    # Friday 27th, then the worked Sunday 29th and Monday 30th: Monday at 16:00.
    assert _timer(db, order, AUTOMATIC).fire_at == at(30, 16)
    fire_due_timers(db, at(30, 15, 59))
    db.refresh(order)
    assert order.state == "draft"
    fire_due_timers(db, at(30, 16))
    db.refresh(order)
    assert order.state == "cancelled"


def test_a_business_hours_sla_skips_the_evening_and_the_holiday_week(shop, client, db,
                                                                     token_for):
    order = lifecycle.create_order(db, ACTOR, "retail_order", BIG, now=at(30, 16))
    lifecycle.take_transition(db, ACTOR, order, "submit", {"staff"}, now=at(30, 17))
    db.commit()
    # One hour on Monday 30th (to 18:00), October 1st to 7th off, three hours on the 8th.
    assert _timer(db, order, SLA).fire_at == at(8, 12, month=10)
    assert _timer(db, order, ESCALATION).fire_at == at(8, 12, month=10)
    assert fire_due_timers(db, at(8, 11, 59, month=10)) == 0
    assert fire_due_timers(db, at(8, 12, month=10)) == 2
    notes = client.get("/api/v1/notifications", headers=bearer(token_for("staff"))).get_json()
    assert [n["title"] for n in notes if "SLA" in n["title"]] == [
        f"Order {order.number} has been in In review longer than its 4 business hours SLA"]
    # Worded when read, in the reader's language: the state's Chinese name, 工作小时.
    admin = {**bearer(token_for("admin")), "Accept-Language": "zh-CN,zh;q=0.9"}
    zh = client.get("/api/v1/notifications", headers=admin).get_json()
    assert f"订单 {order.number} 需要您审批：已在 4 工作小时后升级" in [n["title"] for n in zh]


def test_time_outside_the_working_hours_starts_counting_when_they_open(shop, db):
    # Saturday 28th at 20:00: nothing counts until Sunday 29th (worked) at 09:00.
    order = lifecycle.create_order(db, ACTOR, "retail_order", BIG, now=at(28, 20))
    lifecycle.take_transition(db, ACTOR, order, "submit", {"staff"}, now=at(28, 20))
    db.commit()
    assert _timer(db, order, SLA).fire_at == at(29, 13)


def test_shorter_hours_on_one_weekday_are_counted_as_set(client, token_for, shop, db):
    short_monday = {**NATIONAL_DAY_2024, "hours": {"monday": {"start": "10:00",
                                                              "end": "12:30"}}}
    assert client.put("/api/v1/business-calendar", headers=bearer(token_for("admin")),
                      json=short_monday).status_code == 200
    order = lifecycle.create_order(db, ACTOR, "retail_order", BIG, now=at(30, 9))
    lifecycle.take_transition(db, ACTOR, order, "submit", {"staff"}, now=at(30, 9))
    db.commit()
    # Monday 30th counts 10:00 to 12:30 only; the rest waits for October 8th.
    assert _timer(db, order, SLA).fire_at == at(8, 10, 30, month=10)


def test_hours_that_are_not_times_or_end_first_are_refused_at_their_pointer(
        client, token_for):
    admin = bearer(token_for("admin"))
    for hours, pointer in (
            ({"monday": {"start": "9:00", "end": "18:00"}}, "/hours/monday/start"),
            ({"friday": {"start": "18:00", "end": "09:00"}}, "/hours/friday/end"),
            ({"friday": {"start": "09:00", "end": "25:00"}}, "/hours/friday/end")):
        response = client.put("/api/v1/business-calendar", headers=admin,
                              json={"hours": hours})
        assert response.status_code == 422, hours
        assert response.get_json()["errors"][0]["pointer"] == pointer
    read = client.get("/api/v1/business-calendar", headers=admin).get_json()
    assert read["hours"]["monday"] == {"start": "09:00", "end": "18:00"}  # nothing stored


def test_a_definition_counting_half_business_days_is_refused_where_it_says_so(
        client, token_for):
    from tests.designer.samples import retail
    definition = retail()
    counting_business_time(definition)
    definition["workflow"]["automatic"][0]["after_hours"] = 1.5
    definition["workflow"]["states"][0]["time_counts"] = "business_hours"  # draft: no SLA
    response = client.post("/api/v1/definitions/check", headers=bearer(token_for("designer")),
                           json=definition)
    problems = {p["pointer"]: p["detail"] for p in response.get_json()["errors"]}
    assert problems == {
        "/workflow/automatic/0/after_hours":
            "1.5 is not a whole number of business days (time_counts is business_days)",
        "/workflow/states/0/time_counts": "time_counts needs a timer to count: sla_hours"}


def test_a_timer_longer_than_one_may_wait_is_refused_at_its_pointer(client, token_for):
    from tests.designer.samples import retail
    definition = retail()
    counting_business_time(definition)
    definition["workflow"]["automatic"][0]["after_hours"] = 5000  # business days
    definition["workflow"]["states"][1]["sla_hours"] = 30000  # business hours
    definition["workflow"]["approvals"][0].pop("time_counts")
    definition["workflow"]["approvals"][0]["escalate_after_hours"] = 100000  # hours
    response = client.post("/api/v1/definitions/check", headers=bearer(token_for("designer")),
                           json=definition)
    problems = {p["pointer"]: p["detail"] for p in response.get_json()["errors"]}
    assert problems == {
        "/workflow/automatic/0/after_hours":
            "5000 is longer than a timer may wait: at most 2000 business days",
        "/workflow/states/1/sla_hours":
            "30000 is longer than a timer may wait: at most 20000 business hours",
        "/workflow/approvals/0/escalate_after_hours":
            "100000 is longer than a timer may wait: at most 87600 hours (10 years)"}


def test_a_calendar_with_no_working_day_left_makes_a_timer_wait_not_fail(db):
    # Every weekday off: no working time is ever found, and starting a timer must not
    # fail the order's move that starts it.
    business_calendar.store(db, ACTOR, business_calendar.Schedule(business_calendar.WEEKDAYS))
    db.commit()
    start = at(27, 15)
    for counts in (business_calendar.BUSINESS_DAYS, business_calendar.BUSINESS_HOURS):
        due = business_calendar.later_by(db, start, 2, counts)
        assert due == start + dt.timedelta(days=business_calendar.FURTHEST_DAYS)
