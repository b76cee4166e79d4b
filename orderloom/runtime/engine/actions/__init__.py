"""What each action type does: one class per type, a subclass of the designer's class
of the same name (``orderloom/designer/actions/``), in a module of this package named
like the designer's module. A type is registered by being defined here.

An action acts in up to two steps, both inside the order's transaction:

- ``in_transaction``: before the order is stored, on the values being built (set a
  field, add a tag, refuse the change);
- ``once_stored``: on the stored order, in the order of the list (stock, documents,
  webhooks, shipments and refunds; a pick list made after a ``reserve_stock`` in the
  same list sees that reservation). Work outside the machine is handed to jobs that
  run after commit (the outbox), so a rolled-back change leaves nothing behind.

A type may also leave something standing on the order (``standing``): the order
page and the list show it beside the state, and it may hold automatic moves back.

A rule also acts when an edit of an open order turns its condition TRUE
(``engine/rules_on_edit.py``). A type whose ``on_edit`` is False is not carried out
then (the timeline says so): it moves goods or money, which the workflow's
transitions do, and an edit repeated would do it again.

A type the designer knows but this runtime has no class for is recorded in the
timeline as not carried out, so nobody is led to believe it happened.
"""
from __future__ import annotations

import functools
import importlib
import pkgutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy.orm import Session

from orderloom.designer.blueprint import Blueprint
from orderloom.dsl.workdays import Calendar
from orderloom.runtime.errors import OrderError


class Blocked(OrderError):
    """A rule's ``block`` action: the order may not go on, for the stated reason."""


@dataclass
class ActionResult:
    data: dict[str, Any]
    tags: list[str]
    done: list[dict[str, Any]] = field(default_factory=list)
    not_carried_out: list[dict[str, Any]] = field(default_factory=list)
    # notify actions to become jobs once the order is stored (outbox.notify_jobs_for)
    notifications: list[dict[str, Any]] = field(default_factory=list)
    # actions with work on the stored order (carry_out)
    stored: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Run:
    """What ``in_transaction`` works with: the values being built and the definition."""

    blueprint: Blueprint
    result: ActionResult
    language: str
    now: datetime | None
    # The instance's business calendar, time zone and catalogue: a set_field formula
    # reads TODAY, WORKDAY and PRODUCTINFO as every other formula of the order does.
    calendar: Calendar | None = None


@dataclass(frozen=True)
class Stored:
    """What ``once_stored`` works with; ``done`` is what the timeline entry will say
    the actions did."""

    session: Session
    actor_name: str
    order: Any
    blueprint: Blueprint
    done: dict[str, Any]
    # What an action leaves for the later actions of the same move, not for the
    # timeline (what the order held when the move began: stock.held_at_start).
    moving: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StandingNote:
    """Something an action left on the order until a person moves it on."""

    type: str
    # {"en": ..., "zh": ...} as definitions write labels
    text: dict[str, str]
    holds_automatic_moves: bool = False


class Behaviour:
    """The runtime half of an action type; mixed into the designer's class."""

    name: ClassVar[str]
    # Whether a rule that an edit turns TRUE carries this action out (see above).
    on_edit: ClassVar[bool] = True
    # Whether carrying it out holds the order's automatic moves back (as its standing
    # note then says): what a dry run, which stores no timeline, asks instead.
    holds_automatic_moves: ClassVar[bool] = False

    def in_transaction(self, action: dict[str, Any], run: Run) -> None:
        run.result.done.append(action)
        run.result.stored.append(action)

    def once_stored(self, action: dict[str, Any], stored: Stored) -> None:
        """Nothing by default."""

    def standing(self, session: Session, orders: Sequence[Any]) -> dict[int, StandingNote]:
        """The note this type leaves standing on each of ``orders`` (by order id)."""
        return {}


@functools.cache
def behaviours() -> dict[str, Behaviour]:
    # Found when first needed rather than on import: each behaviour module imports
    # Behaviour from this package, which cannot import them while it is loading.
    found: dict[str, Behaviour] = {}
    for module in pkgutil.iter_modules(__path__):
        loaded = importlib.import_module(f"{__name__}.{module.name}")
        for kind in vars(loaded).values():
            if (isinstance(kind, type) and issubclass(kind, Behaviour)
                    and kind.__module__ == loaded.__name__):
                found[kind.name] = kind()
    return found


NOT_ON_EDIT = "not carried out when an edit makes the rule match: a transition does this"


def run_actions(blueprint: Blueprint, actions: tuple[dict[str, Any], ...] | list,
                result: ActionResult, language: str = "en", now=None, *,
                editing: bool = False, calendar: Calendar | None = None) -> None:
    """Each action's step inside the transaction, in order; raises Blocked. With
    ``editing`` (a rule an edit turned TRUE) types whose ``on_edit`` is False are
    listed as not carried out, with the reason."""
    run = Run(blueprint, result, language, now, calendar)
    known = behaviours()
    for action in actions:
        behaviour = known.get(action["type"])
        if behaviour is None:
            result.not_carried_out.append(action)
        elif editing and not behaviour.on_edit:
            result.not_carried_out.append({**action, "reason": NOT_ON_EDIT})
        else:
            behaviour.in_transaction(action, run)


def carry_out(session: Session, actor_name: str, order: Any, blueprint: Blueprint,
              actions: list[dict[str, Any]]) -> dict[str, Any]:
    """Each action's step on the stored order, in order; answers what they did, for the
    timeline. Raises OrderError (OutOfStock, a refund beyond what was paid): the
    caller's transaction is then rolled back, nothing is held."""
    stored = Stored(session, actor_name, order, blueprint, {})
    known = behaviours()
    for action in actions:
        known[action["type"]].once_stored(action, stored)
    return stored.done


def standing_notes(session: Session, orders: Sequence[Any]) -> dict[int, list[StandingNote]]:
    """What actions left standing on each of ``orders``, by order id."""
    notes: dict[int, list[StandingNote]] = {}
    for behaviour in _leaving_notes():
        for order_id, note in behaviour.standing(session, orders).items():
            notes.setdefault(order_id, []).append(note)
    return notes


def holding_automatic_moves(session: Session, order: Any) -> StandingNote | None:
    """The note that holds ``order``'s automatic moves back, if one does."""
    for behaviour in _leaving_notes():
        note = behaviour.standing(session, [order]).get(order.id)
        if note is not None and note.holds_automatic_moves:
            return note
    return None


def hold_automatic_moves(done: list[dict[str, Any]]) -> bool:
    """Whether actions that were carried out (``ActionResult.done``) hold the order's
    automatic moves back once it arrives: a dry run's ``holding_automatic_moves``."""
    known = behaviours()
    return any(known[a["type"]].holds_automatic_moves for a in done if a.get("type") in known)


@functools.cache
def _leaving_notes() -> list[Behaviour]:
    # Asked on every state entered: types that never leave a note cost nothing.
    return [b for b in behaviours().values() if type(b).standing is not Behaviour.standing]
