"""Login throttling: too many wrong passwords for one username from one client
address, or from one client address for any usernames, and logging in from
there is refused for a while.

Failed attempts are rows in the database, so every app process behind a load
balancer sees the same count (an in-memory counter would give each process its
own allowance). The limits are a sliding window:

- 5 failed logins for one username from one client address within 15 minutes
  lock that username at that address;
- 20 failed logins from one client address within 15 minutes lock that address.

No limit counts a username across addresses: whoever could reach it could lock
the real user out by guessing wrong on purpose. Guessing spread over many
addresses is held back by the per-address limits and by the password policy
(password_policy.py), which refuses what such guessing would find.

A locked login is refused before the password is checked, so an attacker learns
nothing from guesses made during the lock. The lock lifts when the oldest failure
in the window is 15 minutes old; a successful login forgets that username's
failures at that address only (an attacker who can log in to an account of their
own must not reset their allowance for others). Reaching a limit writes a
``login.locked`` audit event.

The client address is ``request.remote_addr``: the connection's peer, or the
address the trusted proxies forwarded (ORDERLOOM_TRUSTED_PROXIES, app.py).
"""
from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Index, Integer, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from orderloom.db import Base, UTCDateTime, utcnow
from orderloom.runtime import audit
from orderloom.runtime.audit import Actor

log = logging.getLogger(__name__)

WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_USERNAME_AND_ADDRESS = 5
MAX_FAILURES_PER_ADDRESS = 20


class LoginAttempt(Base):
    """One failed login: the username tried (lower-cased) and the client address."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_username_at", "username", "at"),
        Index("ix_login_attempts_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(150))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


@dataclass(frozen=True)
class Lockout:
    """Why logging in is refused now, and for how many seconds more."""

    reason: str  # "username_and_address" or "address"
    retry_after: int

    @property
    def message(self) -> str:
        minutes = max(1, math.ceil(self.retry_after / 60))
        whom = ("this username from your network address"
                if self.reason == "username_and_address" else "your network address")
        return (f"Too many failed logins for {whom}. Try again in {minutes} "
                f"minute{'s' if minutes != 1 else ''}.")


def _key(username: str) -> str:
    # Lower-cased, so "Admin" and "admin" share one allowance.
    return (username or "").strip().lower()[:150]


def address_key(address: str) -> str:
    """A client address as the throttles store it."""
    return (address or "unknown")[:64]


def locked_for(session: Session, moment: Any, conditions: list, limit: int,
               window: timedelta, now: datetime) -> int | None:
    """Seconds until the rows matching ``conditions`` stop locking, or None when fewer
    than ``limit`` of them fall in the sliding ``window``. ``moment`` is the column of
    when each row happened; the tracking page's throttle counts its misses with it too."""
    since = now - window
    times = session.scalars(
        select(moment).where(*conditions, moment > since)
        .order_by(moment.desc()).limit(limit)).all()
    if len(times) < limit:
        return None
    # The lock lifts when the oldest of the last ``limit`` rows leaves the window.
    free_at = times[-1] + window
    return max(1, math.ceil((free_at - now).total_seconds()))


def _lock_for(session: Session, conditions: list, limit: int, now: datetime) -> int | None:
    return locked_for(session, LoginAttempt.at, conditions, limit, WINDOW, now)


def lockout(session: Session, username: str, address: str,
            now: datetime | None = None) -> Lockout | None:
    """The lock on this username at this address, or on this address, or None when a
    login may be tried."""
    now = now or utcnow()
    by_pair = _lock_for(session, [LoginAttempt.username == _key(username),
                                  LoginAttempt.address == address_key(address)],
                        MAX_FAILURES_PER_USERNAME_AND_ADDRESS, now)
    if by_pair is not None:
        return Lockout("username_and_address", by_pair)
    by_address = _lock_for(session, [LoginAttempt.address == address_key(address)],
                           MAX_FAILURES_PER_ADDRESS, now)
    if by_address is not None:
        return Lockout("address", by_address)
    return None


def record_failure(session: Session, username: str, address: str,
                   now: datetime | None = None) -> Lockout | None:
    """Count a failed login; returns the lock it caused, if this failure reached a
    limit (and records the ``login.locked`` audit event). The caller commits."""
    now = now or utcnow()
    # Old rows are worthless; clearing them here keeps the table small without a job.
    session.execute(delete(LoginAttempt).where(LoginAttempt.at <= now - WINDOW))
    session.add(LoginAttempt(username=_key(username), address=address_key(address), at=now))
    session.flush()
    locked = lockout(session, username, address, now)
    if locked is not None:
        log.warning("login locked for %s after repeated failures", locked.reason)
        audit.record(session, Actor(None, _key(username) or "?", "web"), "login.locked",
                     "user", _key(username)[:80] or "?", reason=locked.reason,
                     address=address_key(address), retry_after=locked.retry_after)
    return locked


def forget_failures(session: Session, username: str, address: str) -> None:
    """A successful login: the username's earlier failures at this address no longer
    count. Its failures elsewhere, and the address's for other usernames, still do."""
    session.execute(delete(LoginAttempt).where(LoginAttempt.username == _key(username),
                                               LoginAttempt.address == address_key(address)))
