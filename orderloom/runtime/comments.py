"""Staff comments on orders, and the notifications they and the workflow send.

A comment is an internal note on the order's timeline (an entry of kind
``comment``). ``@username`` in its text notifies that person in the app; names
that are no active user notify nobody, and nobody is notified of their own
mention.
"""
from __future__ import annotations

import logging
import re
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from orderloom.db import utcnow
from orderloom.runtime import entering
from orderloom.runtime.approvals import user_ids
from orderloom.runtime.audit import Actor
from orderloom.runtime.conversation import Comment, Notification
from orderloom.runtime.errors import OrderError, OrderNotFound
from orderloom.runtime.orders import Order

log = logging.getLogger(__name__)

MAX_LENGTH = 10_000
# Not after a word character, a dot or another @, so an email address
# (li@example.com) is no mention.
MENTION = re.compile(r"(?<![\w.@])@([A-Za-z0-9_.\-]+)")


def mentioned(body: str) -> list[str]:
    """The usernames ``body`` mentions, in order, each once (a full stop or dash that
    ends the sentence is not part of the name)."""
    names = (m.group(1).rstrip(".-") for m in MENTION.finditer(body))
    return list(dict.fromkeys(n for n in names if n))


def add_comment(session: Session, actor: Actor, order: Order, body: str,
                now: datetime | None = None) -> Comment:
    now = now or utcnow()
    text = (body or "").strip()
    if not text:
        raise OrderError("a comment needs some text")
    if len(text) > MAX_LENGTH:
        raise OrderError(f"a comment may have at most {MAX_LENGTH} characters")
    people = user_ids(session, mentioned(text))
    mentions = [name for name in mentioned(text) if name in people]
    comment = Comment(order_id=order.id, author=actor.name, body=text, internal=True,
                      mentions=mentions, created_at=now)
    session.add(comment)
    session.flush()
    for name in mentions:
        if people[name] == actor.user_id:
            continue
        session.add(Notification(user_id=people[name], order_id=order.id,
                                 title=f"{actor.name} mentioned you on order {order.number}",
                                 body=text, created_at=now))
    entering.record(session, order, actor.name, "comment", now,
                    details={"comment": comment.id, "body": text, "mentions": mentions})
    return comment


def comments_on(session: Session, order: Order) -> list[Comment]:
    return list(session.scalars(select(Comment).where(Comment.order_id == order.id)
                                .order_by(Comment.id)))


def notifications_for(session: Session, user_id: int, roles: set[str] | frozenset[str], *,
                      unread: bool = False, limit: int = 200) -> list[Notification]:
    """The person's notifications: addressed to them, or to any of their roles."""
    query = select(Notification).where(_addressed_to(user_id, roles))
    if unread:
        query = query.where(Notification.read_at.is_(None))
    return list(session.scalars(query.order_by(Notification.id.desc()).limit(limit)))


def mark_read(session: Session, user_id: int, roles: set[str] | frozenset[str],
              notification_id: int, now: datetime | None = None) -> Notification:
    """Mark one of the person's notifications read. A notification to a role has one
    read mark, so it is read for everyone in the role once one of them reads it."""
    found = session.scalar(select(Notification).where(Notification.id == notification_id,
                                                      _addressed_to(user_id, roles)))
    if found is None:
        raise OrderNotFound(f"you have no notification {notification_id}")
    if found.read_at is None:
        found.read_at = now or utcnow()
    return found


def _addressed_to(user_id: int, roles: set[str] | frozenset[str]):
    conditions = [Notification.user_id == user_id]
    if roles:
        conditions.append(Notification.role.in_(sorted(roles)))
    return or_(*conditions)
