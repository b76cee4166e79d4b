"""Staff comments on orders.

A comment is an internal note on the order's timeline (an entry of kind
``comment``). ``@username`` in its text notifies that person in the app; names
that are no active user notify nobody, and nobody is notified of their own
mention.
"""
from __future__ import annotations

import logging
import re
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from orderloom.db import Base, JSONDocument, UTCDateTime, utcnow
from orderloom.runtime.audit import Actor
from orderloom.runtime.engine.approvals.tasks import user_ids
from orderloom.runtime.errors import OrderError
from orderloom.runtime.notify.in_app import Notification
from orderloom.runtime.orders import timeline
from orderloom.runtime.orders.models import Order

log = logging.getLogger(__name__)

MAX_LENGTH = 10_000
# Not after a word character, a dot or another @, so an email address
# (li@example.com) is no mention.
MENTION = re.compile(r"(?<![\w.@])@([A-Za-z0-9_.\-]+)")


class Comment(Base):
    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"),
                                          index=True)
    author: Mapped[str] = mapped_column(String(150))
    body: Mapped[str] = mapped_column(Text)
    internal: Mapped[bool] = mapped_column(default=True)
    mentions: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


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
    timeline.comment_event(session, order, actor.name, comment=comment.id, body=text,
                           mentions=mentions, at=now)
    return comment


def comments_on(session: Session, order: Order) -> list[Comment]:
    return list(session.scalars(select(Comment).where(Comment.order_id == order.id)
                                .order_by(Comment.id)))
