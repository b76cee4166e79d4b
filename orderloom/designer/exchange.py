"""Export and import of order systems as one JSON file (a template package).

An export is canonical JSON, so export -> import -> export gives the same bytes.
Import resolves a clash of keys as the caller chooses: fail, rename the
incoming order type, or replace the stored one with a new version.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from orderloom.designer import versions
from orderloom.designer.canonical import normalise
from orderloom.designer.models import OrderType
from orderloom.designer.problems import DefinitionError, DefinitionProblem, pointer
from orderloom.designer.validation import Context, validate_package

FORMAT = "orderloom-package/1"
Conflict = Literal["fail", "rename", "replace"]


def package(order_types: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return normalise({"format": FORMAT, **extra, "order_types": order_types})


def export_order_types(session: Session, keys: list[str] | None = None,
                       use_draft: bool = False) -> dict[str, Any]:
    """The latest published version (or the draft) of each order type, as a package.
    Order types never published are exported as their draft."""
    query = select(OrderType).order_by(OrderType.key)
    if keys is not None:
        query = query.where(OrderType.key.in_(keys))
    definitions = []
    for order_type in session.scalars(query):
        latest = order_type.latest
        definitions.append(order_type.draft if use_draft or latest is None
                           else latest.definition)
    return package(definitions)


class ImportConflict(DefinitionError):
    """An order type of the package exists already and on_conflict is ``fail``."""

    def __init__(self, problems: list[DefinitionProblem], keys: list[str]) -> None:
        super().__init__(problems)
        self.keys = keys


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    renamed: dict[str, str] = field(default_factory=dict)
    published: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"created": self.created, "replaced": self.replaced, "renamed": self.renamed,
                "published": self.published}


def _free_key(session: Session, key: str, taken: set[str]) -> str:
    number = 2
    while True:
        candidate = f"{key[:58]}_{number}"
        if candidate not in taken and versions.find(session, candidate) is None:
            return candidate
        number += 1


def import_package(session: Session, author: str, document: Any, context: Context,
                   on_conflict: Conflict = "fail") -> ImportReport:
    """Store every order type of ``document`` and publish it. All or nothing: any
    problem raises DefinitionError (or VersionConflict) before anything is kept,
    as long as the caller rolls back."""
    problems = validate_package(document, context)
    if problems:
        raise DefinitionError(problems)
    report = ImportReport()
    clashes = [(i, d["key"]) for i, d in enumerate(document["order_types"])
               if versions.find(session, d["key"]) is not None]
    if clashes and on_conflict == "fail":
        raise ImportConflict([
            DefinitionProblem(pointer("order_types", i, "key"),
                              f"an order type {key!r} exists already; import with "
                              "on_conflict=rename or on_conflict=replace",
                              code="definition.type_exists", values={"key": repr(key)})
            for i, key in clashes], [key for _, key in clashes])
    taken: set[str] = set()
    for definition in document["order_types"]:
        definition = normalise(definition)
        key = definition["key"]
        existing = versions.find(session, key)
        if existing is not None and on_conflict == "rename":
            new_key = _free_key(session, key, taken)
            definition["key"] = new_key
            report.renamed[key] = new_key
            existing = None
            key = new_key
        taken.add(key)
        if existing is None:
            order_type, _problems = versions.create(session, author, definition, context)
            report.created.append(key)
        else:
            order_type = existing
            versions.save_draft(session, author, order_type, definition, context)
            report.replaced.append(key)
        latest = order_type.latest
        if latest is None or latest.definition != order_type.draft:
            version = versions.publish(session, author, order_type, context,
                                       note="imported")
            report.published[key] = version.number
    return report
