"""What staff set for the exception queue: each reason's age limit, the largest
discount, the price floor of each product, and the window in which orders of one
buyer to one address for one amount count as suspected duplicates. One row, read
whole and changed whole."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.orm import Session

from orderloom.db import utcnow
from orderloom.designer import numbers
from orderloom.designer.problems import pointer
from orderloom.runtime import audit, remembered
from orderloom.runtime.audit import Actor
from orderloom.runtime.exception_queue.models import ExceptionSettings
from orderloom.runtime.exception_queue.reasons import REASONS

ROW_ID = 1
LONGEST_SLA_HOURS = 24 * 90
LONGEST_WINDOW_HOURS = 24 * 30
MOST_FLOORS = 5000
# The checks an arriving order passes that staff may switch off or on, and whether each
# is on until they do. A buyer's note is off at first: many shops' buyers write a note
# on most orders, and a queue full of them hides the orders that need a person.
CHECKS = {"address": True, "buyer_note": False, "duplicate": True}


class SettingsError(ValueError):
    """Settings that cannot be stored, with the JSON Pointer of what is wrong."""

    def __init__(self, pointer: str, detail: str) -> None:
        super().__init__(detail)
        self.pointer = pointer
        self.detail = detail


@dataclass(frozen=True)
class QueueSettings:
    sla_hours: dict[str, int] = field(default_factory=dict)
    discount_limit: Decimal | None = None
    floors: dict[str, Decimal] = field(default_factory=dict)
    duplicate_window_hours: int = 24
    checks: dict[str, bool] = field(default_factory=dict)

    def checking(self, check: str) -> bool:
        return self.checks.get(check, CHECKS[check])

    def hours_for(self, reason: str) -> int:
        return self.sla_hours.get(reason, REASONS[reason].sla_hours)

    def as_json(self) -> dict[str, Any]:
        return {"sla_hours": {key: self.hours_for(key) for key in REASONS},
                "discount_limit": None if self.discount_limit is None
                else str(self.discount_limit),
                "floors": {sku: str(price) for sku, price in sorted(self.floors.items())},
                "duplicate_window_hours": self.duplicate_window_hours,
                "checks": {check: self.checking(check) for check in CHECKS}}


# Read for every order created (its checks): a frozen value, shared safely.
CURRENT = remembered.Read("exception queue settings", (ExceptionSettings,))


def current(session: Session) -> QueueSettings:
    return remembered.read(session, CURRENT, None, lambda: _read(session))


def _read(session: Session) -> QueueSettings:
    row = session.get(ExceptionSettings, ROW_ID)
    if row is None:
        return QueueSettings()
    floors: dict[str, Decimal] = {}
    for sku, price in (row.floors or {}).items():
        # A row changed by hand must not stop orders from arriving.
        try:
            floors[sku] = Decimal(str(price))
        except InvalidOperation:
            continue
    return QueueSettings({k: v for k, v in (row.sla_hours or {}).items()
                          if k in REASONS and isinstance(v, int)},
                         row.discount_limit, floors, row.duplicate_window_hours,
                         {k: v for k, v in (row.checks or {}).items()
                          if k in CHECKS and isinstance(v, bool)})


def _amount(value: Any, pointer: str) -> Decimal:
    try:
        amount = numbers.checked("money", value, "CNY")
    except numbers.OutOfBounds as error:
        raise SettingsError(pointer, str(error)) from None
    if amount < 0:
        raise SettingsError(pointer, "must be zero or more")
    return amount


def checked(body: dict[str, Any]) -> QueueSettings:
    """The settings ``body`` (already of the API's schema) asks for; SettingsError at
    the first value that cannot be."""
    hours = {}
    for reason, value in (body.get("sla_hours") or {}).items():
        if reason not in REASONS:
            raise SettingsError(pointer("sla_hours", reason), f"there is no reason {reason!r}; "
                                f"the reasons are {', '.join(REASONS)}")
        if isinstance(value, bool) or not isinstance(value, int) \
                or not 1 <= value <= LONGEST_SLA_HOURS:
            raise SettingsError(pointer("sla_hours", reason),
                                f"must be a whole number of hours from 1 to {LONGEST_SLA_HOURS}")
        hours[reason] = value
    limit = body.get("discount_limit")
    if limit is not None:
        limit = _amount(limit, "/discount_limit")
        if limit > 100:
            raise SettingsError("/discount_limit", "is a percentage: at most 100")
    floors = body.get("floors") or {}
    if len(floors) > MOST_FLOORS:
        raise SettingsError("/floors", f"at most {MOST_FLOORS} products")
    window = body.get("duplicate_window_hours", 24)
    if isinstance(window, bool) or not isinstance(window, int) \
            or not 0 <= window <= LONGEST_WINDOW_HOURS:
        raise SettingsError("/duplicate_window_hours",
                            f"must be a whole number of hours from 0 to {LONGEST_WINDOW_HOURS}")
    checks = body.get("checks") or {}
    for check in checks:
        if check not in CHECKS:
            raise SettingsError(pointer("checks", check), f"there is no check {check!r}; the "
                                f"checks are {', '.join(CHECKS)}")
    return QueueSettings(hours, limit,
                         {sku: _amount(price, pointer("floors", sku))
                          for sku, price in floors.items()},
                         window, dict(checks))


def store(session: Session, actor: Actor, new: QueueSettings) -> None:
    row = session.get(ExceptionSettings, ROW_ID)
    if row is None:
        row = ExceptionSettings(id=ROW_ID)
        session.add(row)
    row.sla_hours = dict(new.sla_hours)
    row.discount_limit = new.discount_limit
    row.floors = {sku: str(price) for sku, price in new.floors.items()}
    row.duplicate_window_hours = new.duplicate_window_hours
    row.checks = dict(new.checks)
    row.updated_at = utcnow()
    audit.record(session, actor, "exception_settings.changed", "exception_settings",
                 ROW_ID, **new.as_json())
