"""Whether this node signs with the same secret key as the rest of the cluster.

A node started with another key than its peers would log out every user it serves and
refuse their forms' CSRF tokens. Each node compares a fingerprint of its key with the
one stored in the database on the first start: an HMAC of a constant under the key,
which tells whether two keys are equal and nothing about either.
"""
from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from orderloom.db import Base, UTCDateTime, utcnow
from orderloom.platform.settings import Settings

# Changing this constant changes every fingerprint: every node would disagree at once.
_CONSTANT = b"orderloom cluster key fingerprint v1"
_THE_ROW = 1


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
    old = {fingerprint(key) for key in settings.secret_key_fallbacks}
    stored = session.get(KeyFingerprint, _THE_ROW)
    if stored is None:
        try:
            with session.begin_nested():
                session.add(KeyFingerprint(id=_THE_ROW, fingerprint=own))
            return None
        except IntegrityError:
            # Another node's first start recorded its key in the meantime: compare with it.
            stored = session.get(KeyFingerprint, _THE_ROW, populate_existing=True)
    if stored.fingerprint == own:
        return None
    if stored.fingerprint in old:
        stored.fingerprint, stored.recorded_at = own, utcnow()
        return None
    return _why(stored)


def disagreement(session: Session, settings: Settings) -> str | None:
    """What ``agree`` answers, read only: for probes, which anyone may send as often as
    they like, and which must not move the cluster's key (only a start does)."""
    stored = recorded(session)
    if stored is None or stored.fingerprint == fingerprint(settings.secret_key) or \
            stored.fingerprint in {fingerprint(key) for key in settings.secret_key_fallbacks}:
        return None
    return _why(stored)


def recorded(session: Session) -> KeyFingerprint | None:
    """The cluster's key as the database records it; None before any node started."""
    return session.get(KeyFingerprint, _THE_ROW)


def adopt(session: Session, settings: Settings) -> bool:
    """Record this node's key as the cluster's, whatever was recorded before: the
    operator's answer to a database restored, or copied, onto nodes with another key.
    Answers whether the record changed. Does not commit."""
    own = fingerprint(settings.secret_key)
    stored = recorded(session)
    if stored is None:
        session.add(KeyFingerprint(id=_THE_ROW, fingerprint=own, recorded_at=utcnow()))
        return True
    if stored.fingerprint == own:
        return False
    stored.fingerprint, stored.recorded_at = own, utcnow()
    return True


def _why(stored: KeyFingerprint) -> str:
    # No fingerprint in the message: it goes to logs and to a probe anyone may call.
    return ("this node's ORDERLOOM_SECRET_KEY is not the key the other nodes sign with "
            f"(recorded {stored.recorded_at:%Y-%m-%d %H:%M} UTC) nor among this node's "
            "ORDERLOOM_SECRET_KEY_FALLBACKS: sessions and forms it signs fail on the other "
            "nodes; give every node the same key")
