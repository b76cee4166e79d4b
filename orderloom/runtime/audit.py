"""The audit trail: one row for every change a person or an integration made.

The actor's name is copied into each row, so the trail still reads correctly
after a user is renamed or deactivated.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from orderloom.db import Base, JSONDocument, UTCDateTime, utcnow


@dataclass(frozen=True)
class Actor:
    """Who is acting: a logged-in person, an API token's owner, or the system itself."""

    user_id: int | None
    name: str
    via: str = "web"  # web, api, cli, job
    # Whether the actor may take any transition, decide an approval nobody was found
    # for and record any money, whatever roles the workflow names: a person whose roles
    # grant WHOLE_WORKFLOW, or the system acting on a grant the definition made
    # elsewhere (a carrier moving an order along the transitions its tracking maps).
    whole_workflow: bool = False


# The permission (platform/permissions.py) that sets ``Actor.whole_workflow``.
WHOLE_WORKFLOW = "orders.override"


SYSTEM = Actor(user_id=None, name="system", via="job")


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_subject", "subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_name: Mapped[str] = mapped_column(String(150))
    via: Mapped[str] = mapped_column(String(10))
    action: Mapped[str] = mapped_column(String(80))
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[str] = mapped_column(String(80))
    details: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)


def record(
    session: Session,
    actor: Actor,
    action: str,
    subject_type: str,
    subject_id: object,
    **details: Any,
) -> AuditEvent:
    """Add an audit row to ``session``; the caller's commit makes it permanent
    together with the change it describes."""
    event = AuditEvent(
        actor_id=actor.user_id,
        actor_name=actor.name,
        via=actor.via,
        action=action,
        subject_type=subject_type,
        subject_id=str(subject_id),
        details=details,
    )
    session.add(event)
    return event
