"""Whether this node signs with the same secret key as the rest of the cluster.

A node started with another key than its peers would log out every user it serves and
refuse their forms' CSRF tokens. Each node compares a fingerprint of its key with the
one stored in the database on the first start: an HMAC of a constant under the key,
which tells whether two keys are equal and nothing about either.
"""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from orderloom.db import Base, UTCDateTime, utcnow
from orderloom.platform.settings import Settings

# Changing this constant changes every fingerprint: every node would disagree at once.
_CONSTANT = b"orderloom cluster key fingerprint v1"
# The one row's id: the audit trail names it as the subject of a replaced key.
THE_ROW = 1

# How the cluster's recorded key stands to this node's (``standing``), and what
# ``adopt`` did about it.
NOTHING_RECORDED = "nothing recorded"
SAME_KEY = "same key"
FALLBACK_KEY = "a fallback key"  # the cluster is rotating to this node's key
OTHER_KEY = "another key"


class KeyFingerprint(Base):
    """The fingerprint of the key the cluster signs with; one row."""

    __tablename__ = "key_fingerprints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def fingerprint(key: str) -> str:
    return hmac.new(key.encode(), _CONSTANT, hashlib.sha256).hexdigest()


def agree(session: Session, settings: Settings) -> str | None:
    """Record this node's fingerprint when none is stored, or when the stored one is of a
    key this node keeps only as a fallback (the cluster is rotating to this node's key).
    Answers why this node disagrees with the cluster, or None. Does not commit."""
    own = fingerprint(settings.secret_key)
    stored = session.get(KeyFingerprint, THE_ROW)
    if stored is None:
        try:
            with session.begin_nested():
                session.add(KeyFingerprint(id=THE_ROW, fingerprint=own))
            return None
        except IntegrityError:
            # Another node's first start recorded its key in the meantime: compare with it.
            stored = session.get(KeyFingerprint, THE_ROW, populate_existing=True)
    found = standing(stored, settings)
    if found == FALLBACK_KEY:
        stored.fingerprint, stored.recorded_at = own, utcnow()
    return _why(stored) if found == OTHER_KEY else None


def disagreement(session: Session, settings: Settings) -> str | None:
    """Why this node disagrees with the recorded key, as ``agree`` answers it, but read
    only: for probes, which anyone may send as often as they like, and which must not
    move the cluster's key (a node's start and ``orderloom key adopt`` do)."""
    stored = recorded(session)
    if standing(stored, settings) != OTHER_KEY:
        return None
    return _why(stored)


def recorded(session: Session) -> KeyFingerprint | None:
    """The cluster's key as the database records it; None before any node started."""
    return session.get(KeyFingerprint, THE_ROW)


def standing(stored: KeyFingerprint | None, settings: Settings) -> str:
    """How the recorded key stands to this node's: one of the constants above."""
    if stored is None:
        return NOTHING_RECORDED
    if stored.fingerprint == fingerprint(settings.secret_key):
        return SAME_KEY
    if stored.fingerprint in {fingerprint(key) for key in settings.secret_key_fallbacks}:
        return FALLBACK_KEY
    return OTHER_KEY


@dataclass(frozen=True)
class Adoption:
    """What ``adopt`` found (a ``standing``), whether it recorded this node's key, and
    when the key it found had been recorded (None when nothing was)."""

    found: str
    changed: bool
    found_recorded_at: datetime | None


def adopt(session: Session, settings: Settings, replace_other: bool) -> Adoption:
    """Record this node's key as the cluster's: the operator's answer to a database
    restored, or copied, onto nodes with another key. Another node's key is replaced only
    when ``replace_other`` (the operator confirmed it); a fallback of this node is
    replaced as a start replaces it. The row is read locked, so a node starting at the
    same moment waits for this transaction or is waited for. Does not commit."""
    own = fingerprint(settings.secret_key)
    stored = session.get(KeyFingerprint, THE_ROW, with_for_update=True,
                         populate_existing=True)
    if stored is None:
        try:
            with session.begin_nested():
                session.add(KeyFingerprint(id=THE_ROW, fingerprint=own))
            return Adoption(NOTHING_RECORDED, True, None)
        except IntegrityError:
            # A node's first start recorded its key in the meantime: decide on that one.
            stored = session.get(KeyFingerprint, THE_ROW, with_for_update=True,
                                 populate_existing=True)
    found = standing(stored, settings)
    if found == SAME_KEY or (found == OTHER_KEY and not replace_other):
        return Adoption(found, False, stored.recorded_at)
    previous = stored.recorded_at
    stored.fingerprint, stored.recorded_at = own, utcnow()
    return Adoption(found, True, previous)


def _why(stored: KeyFingerprint) -> str:
    # No fingerprint in the message: it goes to logs and to a probe anyone may call.
    return ("this node's ORDERLOOM_SECRET_KEY is not the key the other nodes sign with "
            f"(recorded {stored.recorded_at:%Y-%m-%d %H:%M} UTC) nor among this node's "
            "ORDERLOOM_SECRET_KEY_FALLBACKS: sessions and forms it signs fail on the other "
            "nodes; give every node the same key")
