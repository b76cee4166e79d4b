"""In-app notifications: messages that reach one person, everyone holding a role, or
everyone whose roles grant a permission, on their notifications page. Comments that
mention someone, approvals, timers, holds and low stock write them; a person reads
and marks them read."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, Select, String, Text, or_, select, true
from sqlalchemy.orm import Mapped, Session, mapped_column

from orderloom.db import Base, JSONDocument, UTCDateTime, utcnow
from orderloom.runtime.errors import OrderNotFound


class Notification(Base):
    """An in-app notification for one user, or for everyone holding a role."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int | None] = mapped_column(Integer, index=True)
    role: Mapped[str | None] = mapped_column(String(50), index=True)
    # Everyone whose roles grant this permission (``orders.act``): for notices the
    # definition names no role for, since role names are the business's own.
    permission: Mapped[str | None] = mapped_column(String(50), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    # What happened and its numbers, for notifications worded in the reader's language
    # when shown (a timer's: "sla_breached", "escalated", "reminded"); ``title`` is the
    # English wording, kept for readers that do not know ``what``.
    what: Mapped[str | None] = mapped_column(String(50))
    details: Mapped[dict | None] = mapped_column(JSONDocument)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


def notifications_for(session: Session, user_id: int, roles: set[str] | frozenset[str], *,
                      permissions: set[str] | frozenset[str] = frozenset(),
                      unread: bool = False, limit: int = 200,
                      orders_seen: Select | None = None) -> list[Notification]:
    """The person's notifications: addressed to them, to any of their roles, or to a
    permission their roles grant. ``orders_seen`` (a select of order ids) leaves out
    notifications about orders the person may not see: a notice to a role reaches
    holders whose row rules hide its order."""
    query = select(Notification).where(_addressed_to(user_id, roles, permissions),
                                       _about_seen_orders(orders_seen))
    if unread:
        query = query.where(Notification.read_at.is_(None))
    return list(session.scalars(query.order_by(Notification.id.desc()).limit(limit)))


def mark_read(session: Session, user_id: int, roles: set[str] | frozenset[str],
              notification_id: int, now: datetime | None = None, *,
              permissions: set[str] | frozenset[str] = frozenset(),
              orders_seen: Select | None = None) -> Notification:
    """Mark one of the person's notifications read. A notification to a role (or a
    permission) has one read mark, so it is read for everyone it went to once one of
    them reads it."""
    found = session.scalar(select(Notification).where(
        Notification.id == notification_id, _addressed_to(user_id, roles, permissions),
        _about_seen_orders(orders_seen)))
    if found is None:
        raise OrderNotFound(f"you have no notification {notification_id}")
    if found.read_at is None:
        found.read_at = now or utcnow()
    return found


def _addressed_to(user_id: int, roles: set[str] | frozenset[str],
                  permissions: set[str] | frozenset[str]):
    conditions = [Notification.user_id == user_id]
    if roles:
        conditions.append(Notification.role.in_(sorted(roles)))
    if permissions:
        conditions.append(Notification.permission.in_(sorted(permissions)))
    return or_(*conditions)


def _about_seen_orders(orders_seen: Select | None):
    if orders_seen is None:
        return true()
    return or_(Notification.order_id.is_(None), Notification.order_id.in_(orders_seen))
