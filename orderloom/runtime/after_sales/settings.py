"""What staff set for returns in the admin pages: the hours a return may take from
request to closing before it is late. One row."""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from orderloom.db import utcnow
from orderloom.runtime import audit
from orderloom.runtime.after_sales.errors import AfterSalesRefused
from orderloom.runtime.after_sales.models import AfterSalesSettings
from orderloom.runtime.audit import Actor

ROW_ID = 1
DEFAULT_SLA_HOURS = 72
LONGEST_SLA_HOURS = 24 * 90


def sla_hours(session: Session) -> int:
    row = session.get(AfterSalesSettings, ROW_ID)
    return row.sla_hours if row is not None else DEFAULT_SLA_HOURS


def chosen(session: Session) -> bool:
    """Whether the time limit was set (by staff, or by a template before)."""
    return session.get(AfterSalesSettings, ROW_ID) is not None


def as_json(session: Session) -> dict[str, Any]:
    return {"sla_hours": sla_hours(session)}


def change(session: Session, actor: Actor, hours: Any) -> None:
    """Set the time limit; returns requested before keep the limit they were given."""
    if isinstance(hours, bool) or not isinstance(hours, int) \
            or not 1 <= hours <= LONGEST_SLA_HOURS:
        raise AfterSalesRefused(f"the time limit must be a whole number of hours from 1 to "
                                f"{LONGEST_SLA_HOURS}", pointer="/sla_hours",
                                code="after_sales.sla_hours", longest=LONGEST_SLA_HOURS)
    row = session.get(AfterSalesSettings, ROW_ID)
    if row is None:
        row = AfterSalesSettings(id=ROW_ID)
        session.add(row)
    before = row.sla_hours
    row.sla_hours, row.updated_at, row.updated_by = hours, utcnow(), actor.name
    audit.record(session, actor, "after_sales.settings_changed", "after_sales_settings",
                 ROW_ID, sla_hours=[before, hours])
