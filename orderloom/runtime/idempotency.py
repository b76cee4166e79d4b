"""Idempotency keys, as Stripe defines them: a repeated request with the same key
returns the first response and creates nothing; the same key with a different
body is refused; a repeat while the first is still running is told to retry."""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Integer, String, UniqueConstraint, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from orderloom.db import Base, JSONDocument, UTCDateTime, utcnow


class IdempotencyKey(Base):
    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_idempotency_keys_user_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(255))
    endpoint: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer)  # None while running
    response: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


STALE_AFTER_SECONDS = 60
Outcome = tuple[int, dict[str, Any]]


class IdempotencyConflict(Exception):
    """The key cannot be used for this request now; ``status`` says how:
    422 the key was used with a different request, 409 the first is still running."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def request_fingerprint(endpoint: str, body: Any) -> str:
    text = json.dumps({"endpoint": endpoint, "body": body}, sort_keys=True, default=str,
                      separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def claim(session: Session, user_id: int, key: str, endpoint: str,
          fingerprint: str) -> IdempotencyKey | Outcome:
    """Claim ``key`` for a new request, committed at once so a concurrent repeat sees
    it. Returns the claimed row, or the stored (status, body) of the first request."""
    session.commit()  # nothing of this request may ride on the claim's commit
    row = IdempotencyKey(user_id=user_id, key=key, endpoint=endpoint,
                         request_hash=fingerprint, created_at=utcnow())
    session.add(row)
    try:
        session.commit()
        return row
    except IntegrityError:
        session.rollback()
    existing = session.scalar(select(IdempotencyKey).where(
        IdempotencyKey.user_id == user_id, IdempotencyKey.key == key))
    if existing is None:  # the first request failed and let the key go meanwhile
        return claim(session, user_id, key, endpoint, fingerprint)
    if existing.request_hash != fingerprint or existing.endpoint != endpoint:
        raise IdempotencyConflict(422, "this Idempotency-Key was used with a different "
                                       "request; use a new key for a new request")
    if existing.status_code is None:
        if utcnow() - existing.created_at < timedelta(seconds=STALE_AFTER_SECONDS):
            raise IdempotencyConflict(409, "a request with this Idempotency-Key is still "
                                           "being processed; retry shortly")
        # Its process died mid-request (nothing it did was committed): take it over.
        existing.created_at = utcnow()
        session.commit()
        return existing
    return existing.status_code, existing.response or {}


def complete(row: IdempotencyKey, status: int, body: dict[str, Any]) -> None:
    """Record the response; committed by the caller together with the work it describes."""
    row.status_code = status
    row.response = body
    row.completed_at = utcnow()


def release(session: Session, row: IdempotencyKey) -> None:
    """The request failed and changed nothing: free the key for a corrected retry."""
    session.rollback()
    session.execute(delete(IdempotencyKey).where(IdempotencyKey.id == row.id))
    session.commit()
