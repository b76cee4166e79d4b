"""Which rules and decision table rows act when an open order is edited.

A rule acts on an edit when the edit turns its condition TRUE: it is TRUE with the new
values and was not with the values just before, both read at the same moment. A
decision table row acts on the same terms (a row that now matches and did not). So
an edit that makes an order look like one the rules refuse or send to review is
refused or sent to review as at its creation, while an edit of another field (a
note, a tracking number) makes no rule act again: a rule that added a charge,
asked for an approval or sent a message while its condition held does not do it
again on every edit. A value that goes back and forth (TRUE, not TRUE, TRUE again)
makes the rule act again, as the order became again what the rule is about.

A rule the definition marks ``creation_only`` runs only when the order is created.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from orderloom.designer.blueprint import Blueprint
from orderloom.dsl.workdays import Calendar


@dataclass(frozen=True)
class Acting:
    """A rule, or the rows of a decision table, that the edit made match."""

    kind: str  # "rule" or "decision_table"
    key: str
    actions: tuple[dict[str, Any], ...]
    rows: tuple[int, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, **({"rows": list(self.rows)} if self.kind != "rule" else {})}


def creation_only(definition: dict[str, Any]) -> set[str]:
    """The keys of the rules that run only when an order is created."""
    return {r["key"] for r in definition.get("rules", []) if r.get("creation_only")}


def acting_on_edit(blueprint: Blueprint, before: dict[str, Any], after: dict[str, Any],
                   now: datetime | None, calendar: Calendar | None = None) -> list[Acting]:
    """The rules (in the definition's order), then the decision tables, that the change
    from the computed values ``before`` to ``after`` turned TRUE."""
    skipped = creation_only(blueprint.definition)
    was = {o.key: o.matched for o in blueprint.evaluate_rules(before, now, calendar)}
    acting = [Acting("rule", o.key, o.actions)
              for o in blueprint.evaluate_rules(after, now, calendar)
              if o.matched and not was.get(o.key) and o.key not in skipped]
    old_rows = {t.key: set(t.matched_rows)
                for t in blueprint.evaluate_decision_tables(before, now, calendar)}
    for table, spec in zip(blueprint.evaluate_decision_tables(after, now, calendar),
                           blueprint.decision_tables, strict=True):
        rows = tuple(r for r in table.matched_rows if r not in old_rows.get(table.key, set()))
        if rows:
            actions = tuple(a for r in rows for a in spec.rows[r][1])
            acting.append(Acting("decision_table", table.key, actions, rows))
    return acting
