"""Guessing on the public tracking page: a client address that opens codes leading to
no parcel too often is refused (429 with Retry-After) for a while.

The page opens by a shipment's unguessable token only, so guessing is hopeless
anyway; the throttle keeps a scan from costing the database much and tells
whoever runs it to stop. Misses are rows in the database, like the login
throttle's failures (login_throttle.py), so every app process counts the same;
the sliding windows get longer as the misses add up, so guesses slow down:

- 10 misses within a minute lock the address until the oldest is a minute old;
- 30 within an hour, and 100 within a day, lock it likewise for longer.

A locked address is refused before any lookup, also for a real token, so
guesses made during the lock learn nothing. Codes that open a parcel are not
counted: a customer opening their link again and again is never locked.

The client address is ``request.remote_addr``: the connection's peer, or the
address the trusted proxies forwarded (ORDERLOOM_TRUSTED_PROXIES, app.py).
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import Index, Integer, String, delete
from sqlalchemy.orm import Mapped, Session, mapped_column

from orderloom.db import Base, UTCDateTime, utcnow
from orderloom.platform.login_throttle import address_key, locked_for

log = logging.getLogger(__name__)

# (window, misses within it that lock the address), shortest first.
LIMITS = ((timedelta(minutes=1), 10), (timedelta(hours=1), 30), (timedelta(days=1), 100))
LONGEST = LIMITS[-1][0]


class TrackingMiss(Base):
    """One lookup on the public tracking page of a code that opened no parcel."""

    __tablename__ = "tracking_misses"
    __table_args__ = (Index("ix_tracking_misses_address_at", "address", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def retry_after(session: Session, address: str, now: datetime | None = None) -> int | None:
    """Seconds until ``address`` may look up codes again, or None when it may now. The
    longest of the locks counts."""
    now = now or utcnow()
    waits = [locked_for(session, TrackingMiss.at, [TrackingMiss.address == address_key(address)],
                        limit, window, now) for window, limit in LIMITS]
    return max((w for w in waits if w is not None), default=None)


def record_miss(session: Session, address: str, now: datetime | None = None) -> int | None:
    """Count a code that opened nothing; answers the lock it caused, if any. The caller
    commits."""
    now = now or utcnow()
    # Rows older than the longest window count for nothing; clearing them here keeps
    # the table small without a job.
    session.execute(delete(TrackingMiss).where(TrackingMiss.at <= now - LONGEST))
    session.add(TrackingMiss(address=address_key(address), at=now))
    session.flush()
    locked = retry_after(session, address, now)
    if locked is not None:
        log.warning("tracking page: an address is locked for %s s after repeated misses",
                    locked)
    return locked
