"""A readable difference between two versions of an order type: which fields,
states, transitions, approvals and rules were added, removed or changed."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# (what, where the keyed list lives in the definition)
SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("field", ("form", "fields")),
    ("state", ("workflow", "states")),
    ("transition", ("workflow", "transitions")),
    ("approval", ("workflow", "approvals")),
    ("automatic transition", ("workflow", "automatic")),
    ("rule", ("rules",)),
    ("decision table", ("decision_tables",)),
    ("look-up table", ("lookup_tables",)),
    ("print template", ("print_templates",)),
)
# Whole members compared as one unit.
SETTINGS = ("name", "description", "number_prefix", "currency", "routing")


@dataclass(frozen=True)
class Change:
    what: str  # "field", "state", ..., or "setting"
    key: str
    change: str  # "added", "removed", "changed"
    members: tuple[str, ...] = ()  # for "changed": which members differ

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"what": self.what, "key": self.key, "change": self.change}
        if self.members:
            data["members"] = list(self.members)
        return data

    def __str__(self) -> str:
        text = f"{self.what} {self.key!r} {self.change}"
        if self.members:
            text += f" ({', '.join(self.members)})"
        return text


def _get(document: dict[str, Any], path: tuple[str, ...]) -> list[dict[str, Any]]:
    node: Any = document
    for part in path:
        node = node.get(part, {}) if isinstance(node, dict) else {}
    return node if isinstance(node, list) else []


def _flatten_fields(fields: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # Line-item columns are listed as items.qty, so a changed column is named.
    flat = []
    for field in fields:
        flat.append({k: v for k, v in field.items() if k != "fields"})
        for sub in field.get("fields", []):
            flat.append({**sub, "key": f"{field['key']}.{sub['key']}"})
    return flat


def diff(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    changes: list[Change] = []
    for name in SETTINGS:
        if old.get(name) != new.get(name):
            change = "added" if name not in old else "removed" if name not in new else "changed"
            changes.append(Change("setting", name, change))
    if old.get("form", {}).get("layout") != new.get("form", {}).get("layout"):
        changes.append(Change("setting", "layout", "changed"))
    for what, path in SECTIONS:
        before, after = _get(old, path), _get(new, path)
        if what == "field":
            before, after = _flatten_fields(before), _flatten_fields(after)
        old_items = {item["key"]: item for item in before}
        new_items = {item["key"]: item for item in after}
        for key in old_items.keys() - new_items.keys():
            changes.append(Change(what, key, "removed"))
        for key in new_items.keys() - old_items.keys():
            changes.append(Change(what, key, "added"))
        for key in old_items.keys() & new_items.keys():
            a, b = old_items[key], new_items[key]
            if a != b:
                members = tuple(sorted(m for m in a.keys() | b.keys() if a.get(m) != b.get(m)))
                changes.append(Change(what, key, "changed", members))
    order = {what: i for i, (what, _path) in enumerate(SECTIONS)}
    return sorted(changes, key=lambda c: (order.get(c.what, -1), c.key, c.change))
