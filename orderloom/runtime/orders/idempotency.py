"""Idempotency keys, as Stripe defines them: a repeated request with the same key
returns the first response and creates nothing; the same key with a different
body is refused; a repeat while the first is still running is told to retry."""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Integer, String, UniqueConstraint, delete, inspect, select, text, update
from sqlalchemy.exc import IntegrityError, OperationalError
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
WAIT_SECONDS = 2
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL: lock_timeout ran out
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
    """Claim ``key`` for a new request, in the transaction that then does the work:
    the claim is committed together with the response it records, or not at all.
    Returns the claimed row, or the stored (status, body) of the first request.

    A repeat while the first still runs meets the first's uncommitted row in the
    unique index and waits for it (PostgreSQL; SQLite's writers take turns anyway):
    when the first commits, the repeat answers with its response; when the first
    fails or its process or connection dies, its claim is gone and the repeat does
    the work. A wait longer than WAIT_SECONDS is a 409 with Retry-After. So a key
    never stays taken by a request that died, which a claim committed on its own
    did until it was STALE_AFTER_SECONDS old (a database restart left the
    retries of every create in flight refused for a minute)."""
    session.commit()  # nothing before this request's work rides on its commit
    postgresql = session.get_bind().dialect.name == "postgresql"
    row = IdempotencyKey(user_id=user_id, key=key, endpoint=endpoint,
                         request_hash=fingerprint, created_at=utcnow())
    try:
        if postgresql:
            session.execute(text(f"SET LOCAL lock_timeout = '{WAIT_SECONDS}s'"))
        session.add(row)
        session.flush()
        if postgresql:  # the order's own row locks wait as long as they need
            session.execute(text("SET LOCAL lock_timeout TO DEFAULT"))
        return row
    except IntegrityError:
        session.rollback()
    except OperationalError as exc:
        session.rollback()
        if getattr(exc.orig, "sqlstate", None) != LOCK_NOT_AVAILABLE:
            raise
        raise IdempotencyConflict(409, "a request with this Idempotency-Key is still "
                                       "being processed; retry shortly") from None
    existing = session.scalar(select(IdempotencyKey).where(
        IdempotencyKey.user_id == user_id, IdempotencyKey.key == key))
    if existing is None:  # the first request failed and let the key go meanwhile
        return claim(session, user_id, key, endpoint, fingerprint)
    if existing.request_hash != fingerprint or existing.endpoint != endpoint:
        raise IdempotencyConflict(422, "this Idempotency-Key was used with a different "
                                       "request; use a new key for a new request")
    if existing.status_code is None:
        # Claims committed on their own, by an earlier version: taken over when stale,
        # by one repeat only (the UPDATE holds the row until this request commits, and
        # a second repeat then finds created_at changed).
        taken = utcnow() - existing.created_at >= timedelta(seconds=STALE_AFTER_SECONDS) and (
            session.execute(
                update(IdempotencyKey)
                .where(IdempotencyKey.id == existing.id, IdempotencyKey.status_code.is_(None),
                       IdempotencyKey.created_at == existing.created_at)
                .values(created_at=utcnow())
                .execution_options(synchronize_session=False)).rowcount == 1)
        if not taken:
            session.rollback()
            raise IdempotencyConflict(409, "a request with this Idempotency-Key is still "
                                           "being processed; retry shortly")
        session.refresh(existing)
        return existing
    return existing.status_code, existing.response or {}


def complete(row: IdempotencyKey, status: int, body: dict[str, Any]) -> None:
    """Record the response; committed by the caller together with the work it describes."""
    row.status_code = status
    row.response = body
    row.completed_at = utcnow()


def release(session: Session, row: IdempotencyKey) -> None:
    """The request failed and changed nothing: free the key for a corrected retry.
    A claim made in this transaction goes with its rollback; one taken over from an
    earlier version was committed and is deleted."""
    session.rollback()
    if not inspect(row).transient:  # a row inserted by the rolled-back work is transient
        session.execute(delete(IdempotencyKey).where(IdempotencyKey.id == row.id))
        session.commit()
