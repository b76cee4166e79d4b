"""Reads made for nearly every order of rows that rarely change, remembered in each
process for a few seconds.

Creating an order looks up its type's newest published version, and every order
event asks which webhook subscriptions want it. Those rows change a few times a
day; the lookups ran on every request and were a large part of its cost. A
session factory given a ``Memory`` (``install``) remembers such a read for
TTL_SECONDS.

What that costs, and how it is bounded:

- A change committed in this process (a new version published, a subscription
  added or switched off) is seen at once: the commit forgets every read that
  watches the changed kind of row.
- Other processes (gunicorn runs several, and the workers) keep what they read
  for up to TTL_SECONDS after such a commit.
- A session that has itself changed a watched kind of row in its open
  transaction reads it fresh, so it always sees its own work.
- Sessions of a factory without a Memory (scripts, tests) always read.

Values kept must be plain data or detached copies (``detached_copy``): they are
shared by every thread of the process.
"""
from __future__ import annotations

import os
import threading
import time
import weakref
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select, event
from sqlalchemy import inspect as inspect_mapper
from sqlalchemy.orm import Session, make_transient_to_detached, sessionmaker
from sqlalchemy.orm.attributes import set_committed_value

TTL_SECONDS = 5.0
_MEMORY = "orderloom.memory"
_CHANGED = "orderloom.memory.changed"  # kinds of row flushed in the open transaction

T = TypeVar("T")


@dataclass(frozen=True)
class Read:
    """One kind of remembered read, and the kinds of row whose change makes it stale."""
    name: str
    watches: tuple[type, ...]


class Memory:
    """What the sessions of one session factory remember, shared by its threads."""

    def __init__(self, ttl: float = TTL_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.clock = clock
        self._entries: dict[tuple[str, Hashable], tuple[Any, float]] = {}
        self._lock = threading.Lock()
        # Bumped when a read's rows change: a load that began before the change was
        # committed must not put back what the change made stale.
        self._generations: dict[str, int] = {}
        self._reads: dict[str, Read] = {}
        self._listeners: list[tuple[tuple[type, ...], Callable[[], None]]] = []
        _MEMORIES.add(self)

    def read(self, what: Read, key: Hashable, load: Callable[[], T]) -> T:
        entry = self._entries.get((what.name, key))
        now = self.clock()
        if entry is not None and entry[1] > now:
            return entry[0]
        with self._lock:
            self._reads.setdefault(what.name, what)  # known before the load: see changed()
            generation = self._generations.get(what.name, 0)
        value = load()
        with self._lock:
            if self._generations.get(what.name, 0) == generation:
                self._entries[(what.name, key)] = (value, now + self.ttl)
        return value

    def when_changed(self, kinds: tuple[type, ...], forget: Callable[[], None]) -> None:
        """Call ``forget`` after each commit that changed a row of one of ``kinds``
        (for caches of their own, like the API tokens')."""
        self._listeners.append((kinds, forget))

    def changed(self, kinds: Iterable[type]) -> None:
        kinds = tuple(kinds)
        with self._lock:
            for read in self._reads.values():
                if _touches(kinds, read.watches):
                    self._generations[read.name] = self._generations.get(read.name, 0) + 1
                    for key in [k for k in self._entries if k[0] == read.name]:
                        del self._entries[key]
        for watched, forget in self._listeners:
            if _touches(kinds, watched):
                forget()


# A worker with --fork forks a work horse per job while its sweeper thread may hold a
# memory's lock: the child starts with fresh locks and nothing remembered.
_MEMORIES: weakref.WeakSet[Memory] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    for memory in list(_MEMORIES):
        memory._lock = threading.Lock()
        memory._entries.clear()


os.register_at_fork(after_in_child=_after_fork_in_child)


def install(sessions: sessionmaker[Session], memory: Memory | None = None) -> Memory:
    """Give the sessions of ``sessions`` a shared Memory (one per process and database)."""
    memory = memory or Memory()
    sessions.configure(info={**sessions.kw.get("info", {}), _MEMORY: memory})
    event.listen(sessions, "after_flush", _note_changes)
    event.listen(sessions, "after_commit", _after_commit)
    event.listen(sessions, "after_rollback", _after_rollback)
    return memory


def memory_of(sessions: sessionmaker[Session]) -> Memory | None:
    return sessions.kw.get("info", {}).get(_MEMORY)


def read(session: Session, what: Read, key: Hashable, load: Callable[[], T]) -> T:
    """``load()``, or what it gave less than TTL_SECONDS ago in this process."""
    memory: Memory | None = session.info.get(_MEMORY)
    if memory is None or _changed_here(session, what.watches):
        return load()
    return memory.read(what, key, load)


def anything(session: Session, what: Read, query: Select[Any]) -> bool:
    """Whether ``query`` finds a row, remembered as ``read`` does: for a feature that no
    configuration may use yet (no price list, no active ERP connection), so that an
    order pays nothing for it then."""
    return read(session, what, None,
                lambda: session.execute(query.limit(1)).first() is not None)


def detached_copy(obj: Any, leave_out: frozenset[str] = frozenset()) -> Any:
    """A copy of a loaded row object that belongs to no session, with its identity and
    column values (not its relationships), so that ``Session.merge(copy, load=False)``
    takes it into a session without a query."""
    mapper = inspect_mapper(type(obj))
    copy = mapper.class_manager.new_instance()
    for attribute in mapper.column_attrs:
        if attribute.key not in leave_out:
            set_committed_value(copy, attribute.key, getattr(obj, attribute.key))
    make_transient_to_detached(copy)
    return copy


def _touches(changed: tuple[type, ...], watched: tuple[type, ...]) -> bool:
    return any(issubclass(kind, watched) for kind in changed)


def _changed_here(session: Session, watched: tuple[type, ...]) -> bool:
    if _touches(tuple(session.info.get(_CHANGED, ())), watched):
        return True
    return any(isinstance(obj, watched)
               for obj in (*session.new, *session.dirty, *session.deleted))


def _note_changes(session: Session, _context: Any) -> None:
    # Every kind, not only those watched now: a read may first be made after the flush.
    kinds = {type(obj) for obj in (*session.new, *session.dirty, *session.deleted)}
    if kinds:
        session.info.setdefault(_CHANGED, set()).update(kinds)


def _after_commit(session: Session) -> None:
    # A savepoint's release is not the commit: others do not see the change yet.
    if session.in_nested_transaction():
        return
    kinds = session.info.pop(_CHANGED, None)
    memory: Memory | None = session.info.get(_MEMORY)
    if kinds and memory is not None:
        memory.changed(kinds)


def _after_rollback(session: Session) -> None:
    # A savepoint rolled back leaves the changes flushed before it standing.
    if not session.in_nested_transaction():
        session.info.pop(_CHANGED, None)
