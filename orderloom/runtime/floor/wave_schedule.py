"""Waves planned on a schedule: at each of a warehouse's wave times (times of day in
the instance's time zone) its waiting orders are planned into waves by its wave rules.
An order that arrived after the warehouse's cut-off waits for the next day's first
wave: a time at or after the cut-off plans only the orders that arrived by the
cut-off of that day.

The sweeper calls ``plan_due`` every round; each wave time is claimed by a conditional
UPDATE of ``planned_until``, so two sweepers plan it once. A time missed while no
sweeper ran is planned once, late, by the next round; older missed times are not
planned again one by one.
"""
from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select, true, update
from sqlalchemy.orm import Session, sessionmaker

from orderloom.db import utcnow
from orderloom.runtime import business_calendar
from orderloom.runtime.audit import SYSTEM
from orderloom.runtime.floor import planning
from orderloom.runtime.floor.models import FloorSetup, Wave
from orderloom.runtime.floor.setup import rules_of

log = logging.getLogger(__name__)


def _at(day, hh_mm: str, zone: ZoneInfo) -> datetime:
    hours, minutes = (int(part) for part in hh_mm.split(":"))
    return datetime.combine(day, time(hours, minutes), tzinfo=zone)


def latest_time(found: FloorSetup, now: datetime) -> datetime | None:
    """The latest of the warehouse's wave times at or before ``now`` (aware, UTC), today
    or yesterday in the instance's time zone."""
    zone = ZoneInfo(business_calendar.time_zone())
    today = now.astimezone(zone).date()
    passed = [_at(day, hh_mm, zone) for day in (today - timedelta(days=1), today)
              for hh_mm in found.wave_times or []]
    passed = [moment for moment in passed if moment <= now]
    return max(passed).astimezone(now.tzinfo) if passed else None


def arrived_by(found: FloorSetup, wave_time: datetime) -> datetime:
    """Orders that arrived by this moment are planned at ``wave_time``: at or after the
    day's cut-off, those that arrived by the cut-off; before it, all so far."""
    if not found.cut_off:
        return wave_time
    zone = ZoneInfo(business_calendar.time_zone())
    local = wave_time.astimezone(zone)
    cut = _at(local.date(), found.cut_off, zone)
    return min(wave_time, cut.astimezone(wave_time.tzinfo))


def plan_at(session: Session, found: FloorSetup, wave_time: datetime) -> list[Wave]:
    """Plan the warehouse's waves for ``wave_time``; none when no order waits."""
    zone = ZoneInfo(business_calendar.time_zone())
    rules = rules_of(found)
    planned_by = {**rules.as_json(), "by": "schedule",
                  "time": wave_time.astimezone(zone).strftime("%H:%M"),
                  **({"cut_off": found.cut_off} if found.cut_off else {})}
    try:
        return planning.plan_by_rules(session, SYSTEM, found.warehouse, rules, true(), set(),
                                      arrived_by=arrived_by(found, wave_time),
                                      planned_by=planned_by)
    except planning.PlanningProblem as nothing:
        log.info("scheduled waves of %s at %s: %s", found.warehouse, wave_time, nothing)
        return []


def plan_due(sessions: sessionmaker[Session], now: datetime | None = None) -> list[str]:
    """Plan the waves of every warehouse whose wave time came since it last planned;
    answers the numbers of the waves planned."""
    now = now or utcnow()
    planned: list[str] = []
    with sessions() as session:
        setups = [s for s in session.scalars(select(FloorSetup)) if s.wave_times]
        session.expunge_all()  # read only: kept as read, for latest_time below
    for found in setups:
        wave_time = latest_time(found, now)
        if wave_time is None:
            continue
        try:
            planned += _plan_warehouse(sessions, found, wave_time)
        except Exception:
            # One warehouse's failure (an odd stored row, a lost connection) is logged
            # and leaves the others planned; its claim is rolled back, so the next round
            # tries that wave time again.
            log.exception("scheduled waves of %s at %s failed", found.warehouse, wave_time)
    return planned


def _plan_warehouse(sessions: sessionmaker[Session], found: FloorSetup,
                    wave_time: datetime) -> list[str]:
    with sessions() as session:
        won = session.execute(
            update(FloorSetup).where(FloorSetup.id == found.id, or_(
                FloorSetup.planned_until.is_(None), FloorSetup.planned_until < wave_time))
            .values(planned_until=wave_time)
            .execution_options(synchronize_session=False)).rowcount
        planned = []
        if won:
            current = session.get(FloorSetup, found.id)
            planned = [w.number for w in plan_at(session, current, wave_time)]
        session.commit()
    return planned
