"""Orders by what their state means for the business (sold, goods left, ...).

An order's state is a key of the workflow of the definition version it was created
with, and that version's workflow says the state's category
(orderloom/designer/state_categories.py). These helpers turn a set of categories
into the (version, state) pairs that have them, and into a SQL condition on orders,
so that every figure reads the meaning and none the states' names.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import and_, false, not_, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from orderloom.designer.models import DefinitionVersion
from orderloom.designer.state_categories import NOT_SOLD, Category, category_in, category_of
from orderloom.runtime.orders.models import Order


def version_states(session: Session) -> Iterator[tuple[int, list[dict[str, Any]]]]:
    """Each definition version's workflow states: a handful of small rows, not the
    (large) definitions."""
    states = DefinitionVersion.definition["workflow"]["states"]
    for version_id, found in session.execute(select(DefinitionVersion.id, states)):
        # A read path never fails on one odd stored row: it just has no states.
        if not isinstance(found, list):
            found = []
        yield version_id, [s for s in found
                           if isinstance(s, dict) and isinstance(s.get("key"), str)]


def pairs_in(session: Session, categories: Iterable[Category]) -> set[tuple[int, str]]:
    """(version id, state key) of every state whose category is one of ``categories``."""
    wanted = frozenset(categories)
    return {(version_id, s["key"]) for version_id, states in version_states(session)
            for s in states if category_of(s) in wanted}


def in_categories(session: Session, categories: Iterable[Category]) -> ColumnElement[bool]:
    """A condition on ``Order``: its state is in one of ``categories``.

    Versions of one order type mostly share their states, so the versions with the
    same states in the categories share one ``version IN (...) AND state IN (...)``
    term: a few terms however many versions there are."""
    per_version: dict[int, set[str]] = defaultdict(set)
    for version_id, state in pairs_in(session, categories):
        per_version[version_id].add(state)
    versions_of: dict[frozenset[str], list[int]] = defaultdict(list)
    for version_id, states in sorted(per_version.items()):
        versions_of[frozenset(states)].append(version_id)
    if not versions_of:
        return false()
    return or_(*(and_(Order.version_id.in_(ids), Order.state.in_(sorted(states)))
                 for states, ids in versions_of.items()))


def sold(session: Session) -> ColumnElement[bool]:
    """A condition on ``Order``: it counts as a sale. The one rule sales figures, top
    products, customer value and what is still owed all follow. Written as "not in a
    category that is not a sale", so an order whose state its version does not list
    (a row stored oddly) still counts, as it always did."""
    return not_(in_categories(session, NOT_SOLD))


def is_sale(definition: dict[str, Any], state: str) -> bool:
    """``sold`` for one order whose definition is at hand: its ``state`` counts as a
    sale in that ``definition``."""
    return category_in(definition, state) not in NOT_SOLD
