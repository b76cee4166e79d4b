"""Who may see and who may change each field of an order form.

A field (or a column of line items) may declare
``access: {see: [roles], edit: [roles]}``. Without ``see`` everyone sees it; without
``edit`` everyone who sees it may change it. A role that may edit must also be one
that may see (validation says so at the field). A person holds several roles: any
one of them that may is enough.

This module is the one place that answers the question; every representation of an
order (API answers, pages, exports, webhook payloads, print documents, timeline
entries, search) asks it with the acting person's roles and removes what it says is
hidden. Formulas and rules are not affected: they run on the server with every value.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from orderloom.designer.blueprint import total_key_of
from orderloom.designer.dependencies import paths
from orderloom.designer.form import formula_type
from orderloom.designer.problems import DefinitionProblem, pointer
from orderloom.designer.validation import formulas


def _may(rule: dict[str, Any] | None, which: str, roles: frozenset[str]) -> bool:
    allowed = (rule or {}).get(which)
    return allowed is None or not roles.isdisjoint(allowed)


@dataclass(frozen=True)
class FieldAccess:
    """What one person may not see or change on one version of a form: keys of the
    order's fields, and per line-items field the keys of its columns."""

    hidden: frozenset[str] = frozenset()
    read_only: frozenset[str] = frozenset()
    hidden_columns: dict[str, frozenset[str]] = field(default_factory=dict)
    read_only_columns: dict[str, frozenset[str]] = field(default_factory=dict)
    # Per line-items field, the key of its product column: what tells its lines apart.
    line_products: dict[str, str] = field(default_factory=dict)

    @property
    def restricts(self) -> bool:
        return bool(self.hidden or self.read_only or self.hidden_columns
                    or self.read_only_columns)

    def hides_any_of(self, definition: dict[str, Any], field_type: str) -> bool:
        """Whether a hidden field of the form is of ``field_type`` (a page that shows
        the order's customer record hides it when the customer field is hidden)."""
        return any(f["key"] in self.hidden and f.get("type") == field_type
                   for f in definition.get("form", {}).get("fields", []))

    def hides_line_money(self, definition: dict[str, Any]) -> bool:
        """Whether a money column of the form's lines is hidden, or a line-items field
        with one (a chart must not add up line amounts this person cannot see)."""
        for f in definition.get("form", {}).get("fields", []):
            if f.get("type") != "line_items":
                continue
            unseen = ({c["key"] for c in f.get("fields", [])} if f["key"] in self.hidden
                      else self.hidden_columns.get(f["key"], frozenset()))
            if any(c["key"] in unseen and formula_type(c) == "money"
                   for c in f.get("fields", [])):
                return True
        return False

    def hides_total(self, definition: dict[str, Any]) -> bool:
        """Whether the field holding the order's total is hidden (an edit's difference
        quotes the total and what is owed)."""
        key = total_key_of(definition)
        return key is not None and key in self.hidden

    def hides_line_products(self, definition: dict[str, Any]) -> bool:
        """Whether a line-items field, or its product column, is hidden: the stock an
        order holds or moves names its lines' products and units."""
        for f in definition.get("form", {}).get("fields", []):
            if f.get("type") != "line_items":
                continue
            if f["key"] in self.hidden:
                return True
            product = self.line_products.get(f["key"])
            if product is not None and product in self.hidden_columns.get(f["key"], ()):
                return True
        return False

    def without_hidden(self, definition: dict[str, Any]) -> dict[str, Any]:
        """``definition`` with a form of only the fields and columns this person sees
        (what a file export or a column chooser offers them)."""
        if not (self.hidden or self.hidden_columns):
            return definition
        fields = []
        for f in definition.get("form", {}).get("fields", []):
            if f["key"] in self.hidden:
                continue
            columns = self.hidden_columns.get(f["key"])
            if columns:
                f = {**f, "fields": [c for c in f["fields"] if c["key"] not in columns]}
            fields.append(f)
        return {**definition, "form": {**definition.get("form", {}), "fields": fields}}

    def hidden_reads(self, definition: dict[str, Any]) -> list[tuple[str, str]]:
        """Where ``definition``'s formulas read a field or line column this person may
        not see, each as (pointer to the formula, what it reads): what a formula computes
        from a hidden value would show it to them."""
        fields = definition["form"]["fields"]
        found: list[tuple[str, str]] = []
        for where, source in formulas(definition):
            parts = where.split("/")
            # A column's own formula reads its line's columns by their bare names.
            holder = (fields[int(parts[3])]["key"]
                      if parts[1:3] == ["form", "fields"] and parts[4:5] == ["fields"]
                      else None)
            for path in paths(source):
                name, rest = path.names[0], path.names[1:]
                if name in self.hidden:
                    found.append((where, name))
                elif holder is not None and name in self.hidden_columns.get(holder, ()):
                    found.append((where, f"{holder}.{name}"))
                elif rest and rest[0] in self.hidden_columns.get(name, ()):
                    found.append((where, f"{name}.{rest[0]}"))
        return found

    def visible(self, data: Any) -> Any:
        """``data`` (an order's values) without the hidden fields and columns; anything
        that is not a dict of values is returned as it is."""
        if not isinstance(data, dict) or not (self.hidden or self.hidden_columns):
            return data
        shown = {k: v for k, v in data.items() if k not in self.hidden}
        for key, columns in self.hidden_columns.items():
            lines = shown.get(key)
            if isinstance(lines, list):
                shown[key] = [{c: v for c, v in line.items() if c not in columns}
                              if isinstance(line, dict) else line for line in lines]
        return shown

    def hides_any_path(self, paths: Any) -> bool:
        """Whether one of ``paths`` (``[key]`` for a field, ``[key, column]`` for a
        line column, as an exception records what it quotes) is hidden."""
        for path in paths if isinstance(paths, list) else []:
            if not isinstance(path, list) or not path:
                continue
            if path[0] in self.hidden or (len(path) > 1 and path[1] in
                                          self.hidden_columns.get(path[0], frozenset())):
                return True
        return False

    def in_details(self, details: Any, definition: dict[str, Any] | None = None,
                   kind: str | None = None) -> Any:
        """A timeline entry's details without the values of hidden fields: an edit or a
        transition quotes each changed field as [before, after]; an exception's message
        is left out when it quotes a hidden one (its ``reveals``). Given the order's
        ``definition``, a reader who may not see the lines' money gets the prices a
        flag of lines priced below the list quotes blanked too, an edit's total and what is
        owed left out when the total field is hidden, and the stock it moved left out when
        the lines (or their products) are hidden; one who may not see the total gets a
        promotion's (entry ``kind``) discount and totals blanked: the total before and
        after, or the amount and either, tell the total."""
        if isinstance(details, dict) and self.hides_any_path(details.get("reveals")):
            details = {**details, "message": {}}
        if kind == "promotion" and definition is not None and isinstance(details, dict) \
                and self.hides_total(definition):
            details = {**details, **{key: None for key in ("amount", "total_before", "total")
                                     if key in details}}
        if definition is not None and isinstance(details, dict) and \
                isinstance(details.get("lines"), list) and self.hides_line_money(definition):
            details = {**details, "lines": [
                {**line, "price": None, "list_price": None} if isinstance(line, dict)
                else line for line in details["lines"]]}
        if isinstance(details, dict) and isinstance(details.get("lines"), list) and \
                (self.hidden or self.hidden_columns):
            details = {**details, "lines": self._lines_seen(details["lines"])}
        if definition is not None and isinstance(details, dict) and kind != "promotion":
            if self.hides_total(definition):
                details = {k: v for k, v in details.items() if k not in ("total", "to_collect")}
            if "stock" in details and self.hides_line_products(definition):
                details = {k: v for k, v in details.items() if k != "stock"}
        changes = details.get("changes") if isinstance(details, dict) else None
        if not isinstance(changes, dict) or not (self.hidden or self.hidden_columns):
            return details
        shown = {}
        for key, change in changes.items():
            if key in self.hidden:
                continue
            if key in self.hidden_columns and isinstance(change, list):
                change = [self.visible({key: side}).get(key) for side in change]
            shown[key] = change
        return {**details, "changes": shown}

    def _lines_seen(self, lines: list[Any]) -> list[Any]:
        """An edit's changed lines (order_edits, each {field, line, before, after}) without
        the lines of hidden fields and the values of hidden columns."""
        seen = []
        for line in lines:
            if not isinstance(line, dict) or "field" not in line:
                seen.append(line)
                continue
            if line["field"] in self.hidden:
                continue
            columns = self.hidden_columns.get(line["field"], frozenset())
            seen.append({**line, **{side: {k: v for k, v in line[side].items()
                                           if k not in columns}
                                    for side in ("before", "after")
                                    if isinstance(line.get(side), dict)}})
        return seen

    def same_lines(self, key: str, given: list[Any], stored: list[Any]
                   ) -> list[dict[str, Any] | None]:
        """For each sent line of line-items field ``key``, the stored line it is, or
        None for a new line. A line is known by its product and which of the lines
        with that product it is (the second TEA-01 is the second TEA-01 whatever was
        deleted before it), so deleting or reordering lines never pairs a line with
        another's values. A form whose lines have no product column is matched by
        place."""
        product = self.line_products.get(key)

        def identities(lines: list[Any]) -> list[Any]:
            if product is None:
                return list(range(len(lines)))
            seen: dict[str, int] = {}
            found = []
            for line in lines:
                which = str(line.get(product)) if isinstance(line, dict) else ""
                seen[which] = seen.get(which, 0) + 1
                found.append((which, seen[which]))
            return found

        known = {identity: line
                 for identity, line in zip(identities(stored), stored, strict=True)
                 if isinstance(line, dict)}
        return [known.get(identity) for identity in identities(given)]

    def with_hidden_kept(self, given: dict[str, Any], before: dict[str, Any]
                         ) -> dict[str, Any]:
        """``given`` lines with the values of columns this person cannot see taken from
        the same stored line: they send back lines as they saw them. A new line gets
        no hidden value."""
        if not self.hidden_columns:
            return given
        kept = dict(given)
        for key, columns in self.hidden_columns.items():
            lines, old = kept.get(key), before.get(key)
            if not isinstance(lines, list) or not isinstance(old, list):
                continue
            kept[key] = [
                {**{c: stored[c] for c in columns if stored is not None and c in stored},
                 **line} if isinstance(line, dict) else line
                for line, stored in zip(lines, self.same_lines(key, lines, old),
                                        strict=True)]
        return kept

    def unwritable(self, given: dict[str, Any], before: dict[str, Any]
                   ) -> list[tuple[tuple[str, ...], str]]:
        """The members of ``given`` this person may not write, each as (path within
        the data, reason). A value equal to the stored one is not a change and passes,
        so a client may send back what it read."""
        refused: list[tuple[tuple[str, ...], str]] = []
        for key, value in given.items():
            if key in self.hidden or key in self.read_only:
                if value != before.get(key):
                    refused.append(((key,), "you may not change this field"))
                continue
            columns = self.hidden_columns.get(key, frozenset()) | \
                self.read_only_columns.get(key, frozenset())
            if not columns or not isinstance(value, list):
                continue
            old = before.get(key) if isinstance(before.get(key), list) else []
            pairs = zip(value, self.same_lines(key, value, old), strict=True)
            for index, (line, stored) in enumerate(pairs):
                if not isinstance(line, dict):
                    continue
                stored = stored or {}
                for column in sorted(columns & line.keys()):
                    if line[column] != stored.get(column):
                        refused.append(((key, str(index), column),
                                        "you may not change this column"))
        return refused

    def unwritable_problems(self, given: dict[str, Any], before: dict[str, Any],
                            base: str) -> list[DefinitionProblem]:
        """``unwritable`` as problems at their place under ``base``, coded so a page says
        them in the reader's language."""
        return [DefinitionProblem(f"{base}{pointer(*path)}", reason,
                                  code="value.not_yours" if len(path) == 1
                                  else "value.not_yours_column")
                for path, reason in self.unwritable(given, before)]


def field_access(definition: dict[str, Any], roles: Iterable[str]) -> FieldAccess:
    """What a person holding ``roles`` may not see or change on this form."""
    held = frozenset(roles)
    hidden: set[str] = set()
    read_only: set[str] = set()
    hidden_columns: dict[str, frozenset[str]] = {}
    read_only_columns: dict[str, frozenset[str]] = {}
    line_products: dict[str, str] = {}
    for f in definition.get("form", {}).get("fields", []):
        rule = f.get("access")
        if not _may(rule, "see", held):
            hidden.add(f["key"])
            continue
        if not _may(rule, "edit", held):
            read_only.add(f["key"])
        if f.get("type") == "line_items":
            unseen = {c["key"] for c in f.get("fields", [])
                      if not _may(c.get("access"), "see", held)}
            fixed = {c["key"] for c in f.get("fields", [])
                     if c["key"] not in unseen and not _may(c.get("access"), "edit", held)}
            if unseen:
                hidden_columns[f["key"]] = frozenset(unseen)
            if fixed:
                read_only_columns[f["key"]] = frozenset(fixed)
            product = next((c["key"] for c in f.get("fields", [])
                            if c.get("type") == "product"), None)
            if product is not None:
                line_products[f["key"]] = product
    return FieldAccess(frozenset(hidden), frozenset(read_only), hidden_columns,
                       read_only_columns, line_products)


def restricted(definition: dict[str, Any]) -> bool:
    """Whether any field or column of the form limits who sees or changes it."""
    for f in definition.get("form", {}).get("fields", []):
        if f.get("access") or any(c.get("access") for c in f.get("fields", [])):
            return True
    return False
