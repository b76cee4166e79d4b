"""The catalogue of action types: what a rule, a decision table row or a transition
may ask for, and what each request must look like.

Each action type is one class, in a module of this package, registered by being
defined there: it holds its schema fragment, its checks beyond the schema, its labels
and what the designer puts in a new action of its type. The JSON Schema's ``action``
definition and the designer's list of actions are assembled from ``TYPES``, so they
always list every type. What a type *does* needs the runtime, which this layer may not
import: it lives in ``orderloom/runtime/engine/actions/`` in a module of the same name,
as a subclass of the class here (see docs/architecture.md, "Where a new action goes").
"""
from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable
from typing import Any, ClassVar, Protocol

from orderloom.designer.form import order_fields


class Checker(Protocol):
    """What an action type's ``check`` may use of the definition being validated
    (``designer/validation.py`` hands it over)."""

    definition: dict[str, Any]

    def report(self, path: Iterable[object], message: str, code: str | None = None,
               **values: object) -> None: ...

    def formula(self, path: tuple, source: str, fields: dict[str, Any],
                expected: Any = None) -> None: ...

    def missing(self, path: tuple, what: str, name: str, known: Iterable[str]) -> None:
        """Report that there is no ``what`` called ``name``, with a did-you-mean."""

    def roles(self, path: tuple, roles: list[str]) -> None: ...

    def warehouse(self, path: tuple, code: str) -> None: ...

    def template(self, path: tuple, source: str) -> None: ...


class ActionType:
    """One kind of action. Subclasses set the class attributes; instances keep no
    state, the action itself (a dict from the definition) is handed to each method."""

    name: ClassVar[str]
    # Where it sits in the designer's list and the schema's enum.
    position: ClassVar[int]
    # As the designer shows it: (English, Chinese).
    labels: ClassVar[tuple[str, str]]
    # JSON Schema of each member besides ``type``; ``$ref``s point into the order
    # type schema's ``$defs`` (key, formula, label, role).
    members: ClassVar[dict[str, Any]] = {}
    required: ClassVar[tuple[str, ...]] = ()
    # What the designer puts in a new action of this type, besides its type.
    starting: ClassVar[dict[str, Any]] = {}
    # Permissions whoever publishes a definition with this action must hold: a
    # configured action never does more than its publisher may.
    needs: ClassVar[frozenset[str]] = frozenset()
    # The money it moves ("payment" or "refund"): a role that may take a transition
    # with this action may also record that money by hand in the transition's states.
    moves_money: ClassVar[str | None] = None

    def check(self, checker: Checker, path: tuple, action: dict[str, Any]) -> None:
        """Report what the schema cannot see (references to fields, approvals, roles;
        formulas), each problem at its place under ``path``."""

    def schema(self) -> dict[str, Any]:
        then: dict[str, Any] = {"properties": {"type": True, **self.members},
                                "additionalProperties": False}
        if self.required:
            then = {"required": list(self.required), **then}
        return {"if": {"properties": {"type": {"const": self.name}}}, "then": then}


def fields_of(checker: Checker) -> dict[str, Any]:
    """The order's fields as formulas see them."""
    return order_fields(checker.definition)


def _discover() -> dict[str, ActionType]:
    found: list[ActionType] = []
    for module in pkgutil.iter_modules(__path__):
        loaded = importlib.import_module(f"{__name__}.{module.name}")
        found.extend(kind() for kind in vars(loaded).values()
                     if isinstance(kind, type) and issubclass(kind, ActionType)
                     and kind.__module__ == loaded.__name__ and "name" in vars(kind))
    found.sort(key=lambda kind: kind.position)
    return {kind.name: kind for kind in found}


TYPES: dict[str, ActionType] = _discover()


def schema() -> dict[str, Any]:
    """The order type schema's ``action`` definition: every registered type."""
    return {"type": "object", "required": ["type"],
            "properties": {"type": {"enum": list(TYPES)}},
            "allOf": [kind.schema() for kind in TYPES.values()]}


def check(checker: Checker, path: tuple, actions: list[dict[str, Any]]) -> None:
    for index, action in enumerate(actions):
        # An unknown type is the schema's to report; an editor checks formulas even
        # in a draft that has one.
        kind = TYPES.get(action.get("type")) if isinstance(action, dict) else None
        if kind is not None:
            kind.check(checker, (*path, index), action)


def designer_list(language: str) -> list[dict[str, Any]]:
    """The designer's choice of actions, in its language: each type's name, label, the
    schema of its members (the editor draws an input for those it has no special editor
    for) and what a new one starts as."""
    index = 1 if language == "zh" else 0
    return [{"type": kind.name, "label": kind.labels[index],
             # [name, schema, required] in the order the type lists them
             "members": [[name, member, name in kind.required]
                         for name, member in kind.members.items()],
             "starting": {"type": kind.name, **kind.starting}}
            for kind in TYPES.values()]
