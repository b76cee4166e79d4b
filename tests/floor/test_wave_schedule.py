"""Waves on a schedule, with a fixed clock: at each wave time of a warehouse (the
instance's time zone) its waiting orders are planned by its wave rules, once, also
with two sweepers at once; an order that arrives after the cut-off waits for the next
day's first wave. The schedule is set on the warehouse's setup page, a bad time said
beside its box."""
from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import update

from orderloom.platform.app import JOBS
from orderloom.runtime import business_calendar
from orderloom.runtime.floor import wave_schedule
from orderloom.runtime.floor.models import FloorSetup, Wave, WaveOrder
from orderloom.runtime.orders.models import Order
from tests.conftest import csrf_from
from tests.floor.conftest import item, place


@pytest.fixture
def shanghai():
    business_calendar.use_time_zone("Asia/Shanghai")
    yield
    business_calendar.use_time_zone("UTC")  # the zone is the process's: leave it as found


def in_shanghai(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """A moment of March 2027 in Shanghai (UTC+8), in UTC: after today, whatever today
    is, so a schedule saved now has every one of these times still to come."""
    return datetime(2027, 3, day, hour - 8, minute, second, tzinfo=UTC) if hour >= 8 else \
        datetime(2027, 3, day - 1, hour + 16, minute, second, tzinfo=UTC)


def set_schedule(client, **form):
    page = client.get("/floor/warehouses/HZ").get_data(as_text=True)
    return client.post("/floor/warehouses/HZ/schedule",
                       data={"csrf_token": csrf_from(page), **form})


def arrived(db, number: str, at: datetime) -> None:
    db.execute(update(Order).where(Order.number == number).values(created_at=at))
    db.commit()


def waves(db) -> list[tuple[list[str], dict]]:
    db.expire_all()
    found = []
    for wave in db.query(Wave).order_by(Wave.id):
        numbers = [o.number for o in db.query(Order).join(
            WaveOrder, Order.id == WaveOrder.order_id).filter(WaveOrder.wave_id == wave.id)
            .order_by(Order.id)]
        found.append((numbers, wave.planned_by))
    db.rollback()  # on SQLite a transaction left open keeps the sweeper from writing
    return found


def test_orders_after_the_cut_off_wait_for_the_next_days_first_wave(
        app, client, db, staff, actions, shanghai):
    actions.login_as("admin")
    saved = set_schedule(client, wave_times="17:00 09:00", cut_off="16:00",
                         single_item="1", max_orders="20")
    assert saved.status_code == 302, saved.get_data(as_text=True)
    before = place(client, staff, [item("CUP-02", 1)])
    after = place(client, staff, [item("TEA-01", 1)])
    arrived(db, before, in_shanghai(1, 15, 30))
    arrived(db, after, in_shanghai(1, 16, 30))
    sessions = app.extensions[JOBS].runner.sessions
    assert wave_schedule.plan_due(sessions, in_shanghai(1, 16, 59)) == []
    planned = wave_schedule.plan_due(sessions, in_shanghai(1, 17, 0, 20))
    assert len(planned) == 1
    [(numbers, planned_by)] = waves(db)
    assert numbers == [before]
    assert planned_by == {"by": "schedule", "time": "17:00", "cut_off": "16:00",
                          "single_item": True, "same_carrier": False, "max_orders": 20,
                          "max_lines": None}
    # The same wave time plans once.
    assert wave_schedule.plan_due(sessions, in_shanghai(1, 17, 5)) == []
    assert wave_schedule.plan_due(sessions, in_shanghai(2, 8, 59)) == []
    assert len(wave_schedule.plan_due(sessions, in_shanghai(2, 9, 0, 30))) == 1
    assert [numbers for numbers, _by in waves(db)] == [[before], [after]]


# PostgreSQL only: SQLite takes one writer at a time, so two sweepers cannot race there.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_sweepers_plan_a_wave_time_once(app, client, db, staff, actions, shanghai):
    actions.login_as("admin")
    set_schedule(client, wave_times="09:00")
    for _ in range(3):
        arrived(db, place(client, staff, [item("CUP-02", 1)]), in_shanghai(1, 8))
    sessions = app.extensions[JOBS].runner.sessions
    start = threading.Barrier(2)
    planned: list[list[str]] = []

    def sweep() -> None:
        start.wait()
        planned.append(wave_schedule.plan_due(sessions, in_shanghai(1, 9, 0, 5)))

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(len(p) for p in planned) == [0, 1]
    assert len(waves(db)) == 1 and len(waves(db)[0][0]) == 3


def test_a_new_schedule_plans_no_time_already_past_today(app, client, db, staff, actions):
    actions.login_as("admin")
    place(client, staff, [item("CUP-02", 1)])
    set_schedule(client, wave_times="00:00")
    sessions = app.extensions[JOBS].runner.sessions
    # Midnight today is before the schedule was saved: the first wave is tomorrow's.
    assert wave_schedule.plan_due(sessions) == []
    setup = db.query(FloorSetup).one()
    assert setup.wave_times == ["00:00"]


def test_bad_schedules_are_said_beside_their_box(client, staff, actions):
    actions.login_as("admin")
    for form, field, words in (
            ({"wave_times": "9:00"}, "wave_times", "a time of day as HH:MM"),
            ({"wave_times": "09:00 24:00"}, "wave_times", "a time of day as HH:MM"),
            ({"wave_times": "09:00 09:00"}, "wave_times", "09:00 is listed twice"),
            ({"wave_times": "09:00", "cut_off": "noon"}, "cut_off", "a time of day"),
            ({"wave_times": "09:00", "max_orders": "0"}, "max_orders",
             "a whole number from 1 to 500"),
            # isdigit() took these, and int() then failed with a 500.
            ({"wave_times": "09:00", "max_orders": "²"}, "max_orders",
             "a whole number from 1 to 500"),
            ({"wave_times": "09:00", "max_lines": "9" * 5000}, "max_lines",
             "a whole number from 1 to 100000")):
        refused = set_schedule(client, **form)
        assert refused.status_code == 422, form
        page = refused.get_data(as_text=True)
        assert f'id="error-{field}"' in page, form
        assert words in page, form
    assert client.get("/floor/warehouses/HZ").status_code == 200


def test_a_refused_schedule_keeps_the_boxes_ticked(client, staff, actions):
    """The page re-rendered after a refusal ticked the boxes as stored, not as sent: a
    save that fixed only the refused time lost the ticks."""
    actions.login_as("admin")
    refused = set_schedule(client, wave_times="9:00", single_item="1", same_carrier="1")
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert 'name="single_item" value="1" checked' in page
    assert 'name="same_carrier" value="1" checked' in page
    saved = set_schedule(client, wave_times="09:00", single_item="1")
    assert saved.status_code == 302
    unticked = set_schedule(client, wave_times="25:00")
    assert 'name="single_item" value="1" checked' not in unticked.get_data(as_text=True)


def test_one_warehouse_failing_to_plan_does_not_stop_the_others(
        app, client, db, staff, actions, shanghai, caplog):
    """An error other than 'nothing to plan' in one warehouse's round ended plan_due, so
    every warehouse after it went unplanned every round."""
    db.add(FloorSetup(warehouse="AA", wave_times=["09:00"], updated_by="admin",
                      wave_rules={"max_orders": "many"},  # odd, as a hand-edited row
                      packaging_grams=0, weigh_every_parcel=False))
    db.commit()
    actions.login_as("admin")
    assert set_schedule(client, wave_times="09:00").status_code == 302
    arrived(db, place(client, staff, [item("CUP-02", 1)]), in_shanghai(1, 8))
    sessions = app.extensions[JOBS].runner.sessions
    assert len(wave_schedule.plan_due(sessions, in_shanghai(1, 9, 0, 5))) == 1
    assert "scheduled waves of AA" in caplog.text
    assert len(waves(db)) == 1
