"""Drafts and published versions of order types.

Functions take a session and never commit; the caller owns the unit of work
(and records the audit trail in it).
"""
from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from orderloom.db import utcnow
from orderloom.designer.canonical import normalise
from orderloom.designer.models import DefinitionVersion, OrderType
from orderloom.designer.problems import DefinitionError, DefinitionProblem
from orderloom.designer.validation import Context, validate_order_type

KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


class VersionConflict(Exception):
    """The request clashes with what is stored (a key taken, nothing to publish)."""


def find(session: Session, key: str) -> OrderType | None:
    return session.scalar(select(OrderType).where(OrderType.key == key))


def _key_of(definition: Any) -> str:
    key = definition.get("key") if isinstance(definition, dict) else None
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        raise DefinitionError([DefinitionProblem(
            "/key", "an order type needs a key of lower-case letters, digits and _, "
            "starting with a letter", code="definition.type_key_form")
            if isinstance(definition, dict) else
            DefinitionProblem("", "a definition is a JSON object",
                              code="definition.not_an_object")])
    return key


def create(session: Session, author: str, definition: Any,
           context: Context) -> tuple[OrderType, list[DefinitionProblem]]:
    """A new order type whose draft is ``definition``; returns it and the draft's problems."""
    key = _key_of(definition)
    if find(session, key) is not None:
        raise VersionConflict(f"an order type with the key {key!r} exists already")
    order_type = OrderType(key=key, draft=normalise(definition), draft_saved_by=author)
    session.add(order_type)
    session.flush()
    return order_type, validate_order_type(definition, context)


def save_draft(session: Session, author: str, order_type: OrderType, definition: Any,
               context: Context) -> list[DefinitionProblem]:
    """Store the draft as it is, even with problems, and return the problems."""
    key = _key_of(definition)
    if key != order_type.key:
        raise DefinitionError([DefinitionProblem(
            "/key", f"the key of an order type cannot change (it is {order_type.key!r}); "
                    "export and import it under a new key instead",
            code="definition.key_fixed", values={"key": repr(order_type.key)})])
    order_type.draft = normalise(definition)
    order_type.draft_saved_at = utcnow()
    order_type.draft_saved_by = author
    session.flush()
    return validate_order_type(definition, context)


def publish(session: Session, author: str, order_type: OrderType, context: Context,
            note: str = "") -> DefinitionVersion:
    """Freeze the draft as the next version; refuses a draft with any problem."""
    problems = validate_order_type(order_type.draft, context)
    if problems:
        raise DefinitionError(problems)
    latest = order_type.latest
    if latest is not None and latest.definition == order_type.draft:
        raise VersionConflict(f"the draft is the same as version {latest.number}; "
                              "there is nothing to publish")
    version = DefinitionVersion(
        order_type=order_type,
        number=(latest.number + 1) if latest else 1,
        definition=normalise(order_type.draft),
        published_by=author,
        note=note,
    )
    session.add(version)
    session.flush()
    return version


def version(order_type: OrderType, number: int) -> DefinitionVersion | None:
    for candidate in order_type.versions:
        if candidate.number == number:
            return candidate
    return None
