"""Approval tasks: who must decide on an order waiting in an approval's state,
and what each decided."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from orderloom.db import Base, UTCDateTime, utcnow

OPEN = "open"
APPROVED = "approved"
REJECTED = "rejected"
CANCELLED = "cancelled"    # the order left the state, or another approver decided (mode any)
WAITING = "waiting"        # a later step of a sequence, not yet anyone's turn


class ApprovalTask(Base):
    __tablename__ = "approval_tasks"
    __table_args__ = (
        Index("ix_approval_tasks_role_status", "assignee_role", "status"),
        Index("ix_approval_tasks_user_status", "assignee_user_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"),
                                          index=True)
    approval_key: Mapped[str] = mapped_column(String(63))
    step: Mapped[int] = mapped_column(Integer, default=0)
    # Exactly one of the two: a person, or anyone holding a role.
    assignee_user_id: Mapped[int | None] = mapped_column(Integer)
    assignee_role: Mapped[str | None] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(12), default=OPEN)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(150))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    comment: Mapped[str] = mapped_column(Text, default="")
    delegated_from: Mapped[str | None] = mapped_column(String(150))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Delegation(Base):
    """While away, a person's approval tasks go to someone else."""

    __tablename__ = "delegations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, index=True)
    delegate_user_id: Mapped[int] = mapped_column(Integer)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
