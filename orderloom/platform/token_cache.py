"""API tokens already checked, remembered for a few seconds in each app process.

Every API request presents its token, and looking it up (the token, its owner
and the owner's roles, one query) was the largest single cost of a request.
A token seen in the last TTL_SECONDS is answered from memory: a copy of its
owner with the roles, merged into the request's session without a query.

What that costs: a change to users, roles or tokens committed in this process
clears the cache at once, but other processes (gunicorn runs several) keep
what they remembered for up to TTL_SECONDS. A revoked token, a deactivated user
or a changed role therefore takes effect everywhere within that time, not at
the same instant (docs/security.md).
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.attributes import set_committed_value

from orderloom.platform.models import ApiToken, Role, User
from orderloom.runtime import remembered

TTL_SECONDS = remembered.TTL_SECONDS
# Never kept in the copy: a password hash has no business in a long-lived cache,
# and the API never needs it (a merged owner loads it if something asks).
LEFT_OUT = frozenset({"password_hash"})
CREDENTIALS = (User, Role, ApiToken)


@dataclass(frozen=True)
class _Entry:
    owner: User  # detached, roles loaded; only ever read
    until: float


class TokenCache:
    def __init__(self, ttl: float = TTL_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.clock = clock
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()
        # Bumped by every forget_all: a lookup that began before a revocation was
        # committed must not put back what the revocation cleared.
        self.generation = 0

    def owner(self, session: Session, digest: str) -> User | None:
        """The owner of the token with this digest, in ``session``, if it was checked
        less than TTL_SECONDS ago; else None (look it up)."""
        entry = self._entries.get(digest)
        if entry is None:
            return None
        if entry.until <= self.clock():
            with self._lock:
                self._entries.pop(digest, None)
            return None
        return session.merge(entry.owner, load=False)

    def remember(self, digest: str, owner: User, generation: int) -> None:
        """Keep ``owner``, looked up when the cache was at ``generation``: dropped if
        credentials changed in this process since."""
        copy = remembered.detached_copy(owner, LEFT_OUT)
        set_committed_value(copy, "roles",
                            [remembered.detached_copy(role, LEFT_OUT) for role in owner.roles])
        with self._lock:
            if generation == self.generation:
                self._entries[digest] = _Entry(copy, self.clock() + self.ttl)

    def forget_all(self) -> None:
        with self._lock:
            self.generation += 1
            self._entries.clear()

    def watch(self, sessions: sessionmaker[Session]) -> None:
        """Forget everything when a commit of ``sessions`` changed a user, a role or a
        token (revoked, deactivated, roles or permissions changed)."""
        memory = remembered.memory_of(sessions) or remembered.install(sessions)
        memory.when_changed(CREDENTIALS, self.forget_all)
