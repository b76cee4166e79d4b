"""A published definition compiled for execution: every formula checked and compiled
once, computed fields in the order they depend on each other.

A Blueprint is immutable and keeps no per-order state; it is handed the order's
data and answers: the computed values, the problems of the entered values, the
rules that match, the transitions open to a role.
"""
from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from orderloom import dsl
from orderloom.designer import numbers
from orderloom.designer.canonical import dumps
from orderloom.designer.dependencies import computed_order
from orderloom.designer.form import formula_type, line_fields, order_fields
from orderloom.designer.problems import DefinitionError, DefinitionProblem, pointer
from orderloom.designer.validation import Context, validate_order_type
from orderloom.dsl.workdays import Calendar

# Kept here for the many callers that read them beside the blueprint.
money_places = numbers.money_places
money_unit = numbers.money_unit



def total_key_of(definition: dict[str, Any]) -> str | None:
    """The field that holds an order's total: ``total_field`` when the definition names
    one, else a money field keyed ``total``, else none."""
    named = definition.get("total_field")
    if named:
        return named
    for f in definition.get("form", {}).get("fields", []):
        if f["key"] == "total" and formula_type(f) == "money":
            return "total"
    return None

@dataclass(frozen=True)
class BoundsFault(dsl.FormulaFault):
    """A computed number beyond what its result type may hold (designer/numbers.py):
    stored as a fault, never as the number, and refused where values are entered.
    ``refused`` keeps the refusal's code and values, for a page that words it."""

    refused: numbers.OutOfBounds | None = None

    def problem(self, where: str) -> DefinitionProblem:
        refused = self.refused
        return DefinitionProblem(where, self.message,
                                 code=f"value.{refused.code}" if refused else None,
                                 values=refused.values if refused else {})


@dataclass(frozen=True)
class Check:
    """A condition an entered value must meet, with the message shown when it fails."""

    field: str
    formula: Any
    message: dict[str, str]


@dataclass(frozen=True)
class TransitionSpec:
    key: str
    sources: frozenset[str]
    target: str
    roles: frozenset[str]
    condition: Any | None
    required_fields: tuple[str, ...]
    actions: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class DecisionTable:
    """A compiled decision table: the input formulas, and per row one condition per
    input (None for an empty cell, which matches anything) with the row's actions."""

    key: str
    hit: str
    inputs: tuple[Any, ...]
    rows: tuple[tuple[tuple[Any | None, ...], tuple[dict[str, Any], ...]], ...]


@dataclass(frozen=True)
class TableOutcome:
    key: str
    inputs: tuple[Any, ...]
    matched_rows: tuple[int, ...]
    actions: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class RuleOutcome:
    key: str
    matched: bool
    actions: tuple[dict[str, Any], ...]
    fault: str | None = None
    # The fault itself, for a caller that words it in its reader's language.
    failure: dsl.FormulaFault | None = None


@dataclass
class Blueprint:
    definition: dict[str, Any]
    fields: dict[str, Any] = field(repr=False)
    line_computed: list[tuple[str, str, Any]] = field(repr=False)
    computed: list[tuple[str, Any]] = field(repr=False)
    checks: list[Check] = field(repr=False)
    line_checks: list[tuple[str, Check]] = field(repr=False)
    visibility: dict[str, Any] = field(repr=False)
    rules: list[tuple[str, Any, tuple[dict[str, Any], ...]]] = field(repr=False)
    transitions: dict[str, TransitionSpec] = field(repr=False)
    routing_rules: list[tuple[Any, str]] = field(repr=False)
    decision_tables: list[DecisionTable] = field(default_factory=list, repr=False)

    # --- values --------------------------------------------------------------------------

    @functools.cached_property
    def action_types(self) -> frozenset[str]:
        """The action types any rule, decision table row, transition or automatic move
        of the definition runs: what the runtime asks before looking for their work."""
        definition = self.definition
        workflow = definition["workflow"]
        lists = [rule["then"] for rule in definition.get("rules", [])]
        lists += [row["then"] for table in definition.get("decision_tables", [])
                  for row in table["rows"]]
        lists += [t.get("actions", []) for t in workflow["transitions"]]
        lists += [a.get("actions", []) for a in workflow.get("automatic", [])]
        return frozenset(action["type"] for actions in lists for action in actions)

    @functools.cached_property
    def total_key(self) -> str | None:
        """The field that holds the order's total (total_key_of)."""
        return total_key_of(self.definition)

    @property
    def currency(self) -> str | None:
        return self.definition.get("currency")

    def total_of(self, data: dict[str, Any]) -> Decimal | None:
        """The order's total as a Decimal, or None when the type has none or it is blank."""
        if self.total_key is None:
            return None
        total = numbers.stored(data.get(self.total_key))
        # A total beyond a money amount's bounds (a row written around the checks) has no
        # place in the money column: the order is shown without one.
        return total if total is not None and abs(total) <= numbers.MONEY.largest else None

    def compute(self, data: dict[str, Any], now: datetime | None = None,
                calendar: Calendar | None = None) -> dict[str, Any]:
        """``data`` with every computed field (re)calculated; values a client sent for
        computed fields are ignored."""
        result = dict(data)
        kinds = self.result_kinds
        for lines_key, key, formula in self.line_computed:
            lines = result.get(lines_key)
            kind = kinds.get((lines_key, key))
            if isinstance(lines, list):
                result[lines_key] = [
                    {**line, key: _bounded(formula, kind,
                                           formula({**result, **line}, now, calendar))}
                    if isinstance(line, dict) else line
                    for line in lines
                ]
        for key, formula in self.computed:
            result[key] = _bounded(formula, kinds.get((None, key)), formula(result, now, calendar))
        return result

    @functools.cached_property
    def result_kinds(self) -> dict[tuple[str | None, str], str]:
        """The result type of each computed field, by (its line items field, its key)."""
        found: dict[tuple[str | None, str], str] = {}
        for f in self.definition["form"]["fields"]:
            if f["type"] == "computed":
                found[(None, f["key"])] = f["result_type"]
            for sub in f.get("fields", []) if f["type"] == "line_items" else []:
                if sub["type"] == "computed":
                    found[(f["key"], sub["key"])] = sub["result_type"]
        return found

    def problems(self, data: dict[str, Any], now: datetime | None = None,
                 language: str = "en", calendar: Calendar | None = None
                 ) -> list[DefinitionProblem]:
        """What is wrong with the entered values: required fields that are empty
        (hidden fields excepted), choices not offered, failed validation formulas."""
        found: list[DefinitionProblem] = []
        visible = {key: bool(formula(data, now, calendar))
                   for key, formula in self.visibility.items()}
        for f in self.definition["form"]["fields"]:
            key = f["key"]
            value = data.get(key)
            if isinstance(value, BoundsFault):
                found.append(value.problem(pointer(key)))
                continue
            if not visible.get(key, True) or f["type"] == "computed":
                continue
            if f.get("required") and _blank(value):
                found.append(DefinitionProblem(pointer(key), "is required",
                                                code="value.required"))
                continue
            if not _blank(value):
                found.extend(_value_problems(f, value, pointer(key), self.currency))
            if f["type"] == "line_items" and isinstance(value, list):
                for index, line in enumerate(value):
                    for sub in f["fields"]:
                        sub_value = line.get(sub["key"]) if isinstance(line, dict) else None
                        where = pointer(key, index, sub["key"])
                        if isinstance(sub_value, BoundsFault):
                            found.append(sub_value.problem(where))
                        if sub["type"] == "computed":
                            continue
                        if sub.get("required") and _blank(sub_value):
                            found.append(DefinitionProblem(where, "is required",
                                                        code="value.required"))
                        elif not _blank(sub_value):
                            found.extend(_value_problems(sub, sub_value, where,
                                                         self.currency))
        # A value already refused (a quantity in full-width digits, half a unit) is not
        # also put to its validation formula, which would only fail on its type.
        refused = {problem.pointer for problem in found}
        for check in self.checks:
            if visible.get(check.field, True) and not _blank(data.get(check.field)) \
                    and pointer(check.field) not in refused:
                found.extend(_failed(check, data, now, pointer(check.field), language, calendar))
        for lines_key, check in self.line_checks:
            for index, line in enumerate(data.get(lines_key) or []):
                if isinstance(line, dict) and not _blank(line.get(check.field)) \
                        and pointer(lines_key, index, check.field) not in refused:
                    found.extend(_failed(check, {**data, **line}, now,
                                         pointer(lines_key, index, check.field), language,
                                         calendar))
        return found

    # --- rules and workflow --------------------------------------------------------------

    def evaluate_rules(self, data: dict[str, Any], now: datetime | None = None,
                       calendar: Calendar | None = None) -> list[RuleOutcome]:
        outcomes = []
        for key, formula, actions in self.rules:
            result = formula(data, now, calendar)
            failure = result if isinstance(result, dsl.FormulaFault) else None
            outcomes.append(RuleOutcome(key, result is True, actions,
                                        str(failure) if failure is not None else None, failure))
        return outcomes

    def evaluate_decision_tables(self, data: dict[str, Any], now: datetime | None = None,
                                 calendar: Calendar | None = None) -> list[TableOutcome]:
        """Each table's input values and the rows that match them (the first only,
        for hit "first"), with the actions of those rows in row order."""
        outcomes = []
        for table in self.decision_tables:
            values = tuple(formula(data, now, calendar) for formula in table.inputs)
            matched: list[int] = []
            actions: list[dict[str, Any]] = []
            for index, (cells, row_actions) in enumerate(table.rows):
                if all(cell is None or cell({**data, "value": value}, now, calendar) is True
                       for cell, value in zip(cells, values, strict=False)):
                    matched.append(index)
                    actions.extend(row_actions)
                    if table.hit == "first":
                        break
            outcomes.append(TableOutcome(table.key, values, tuple(matched), tuple(actions)))
        return outcomes

    def start_state(self) -> str:
        return next(s["key"] for s in self.definition["workflow"]["states"]
                    if s["kind"] == "start")

    def open_transitions(self, state: str, data: dict[str, Any], roles: set[str] | frozenset,
                         now: datetime | None = None, calendar: Calendar | None = None,
                         *, whole_workflow: bool = False
                         ) -> list[tuple[TransitionSpec, str | None]]:
        """Transitions from ``state`` this person's roles allow (every one with
        ``whole_workflow``), each with the reason it cannot be taken right now (None
        when it can)."""
        result = []
        for spec in self.transitions.values():
            if state not in spec.sources:
                continue
            if spec.roles and not (spec.roles & set(roles)) and not whole_workflow:
                continue
            reason = None
            missing = [k for k in spec.required_fields if _blank(data.get(k))]
            if missing:
                reason = "fill in " + ", ".join(missing)
            elif spec.condition is not None and spec.condition(data, now, calendar) is not True:
                reason = f"its condition is not met: {spec.condition.source}"
            result.append((spec, reason))
        return result

    def route(self, data: dict[str, Any], now: datetime | None = None,
              calendar: Calendar | None = None) -> dict[str, Any]:
        """The warehouse the definition's own rules and region table choose; strategies
        that need stock levels are decided by inventory at run time."""
        routing = self.definition.get("routing") or {}
        for index, (formula, warehouse) in enumerate(self.routing_rules):
            if formula(data, now, calendar) is True:
                return {"warehouse": warehouse, "by": f"routing rule {index + 1}"}
        strategy = routing.get("strategy")
        if strategy == "region":
            ship_to = data.get("ship_to") if isinstance(data.get("ship_to"), dict) else {}
            for place in (ship_to.get("province"), ship_to.get("country")):
                if place and place in routing.get("regions", {}):
                    return {"warehouse": routing["regions"][place][0],
                            "candidates": routing["regions"][place],
                            "by": f"region table ({place})"}
            return {"warehouse": None, "by": "region table: no entry for this address"}
        if strategy:
            return {"warehouse": None,
                    "by": f"strategy {strategy!r}, decided from stock levels when the order "
                          "is routed"}
        return {"warehouse": None, "by": "no routing configured"}


def _blank(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _bounded(formula: Any, kind: str | None, value: Any) -> Any:
    refused = numbers.result_refusal(kind, value) if kind in NUMBER_KINDS else None
    if refused is None:
        return value
    return BoundsFault(refused.message, 1, 1, formula.source, refused=refused)


NUMBER_KINDS = frozenset({"number", "integer", "money"})


def _failed(check: Check, data: dict[str, Any], now, where: str, language: str,
            calendar: Calendar | None = None):
    result = check.formula(data, now, calendar)
    if isinstance(result, dsl.FormulaFault):
        return [DefinitionProblem(where, f"the validation formula failed: {result.message}",
                                  code="value.check_failed",
                                  values={"why": result.message, **result.described})]
    if result is not True:
        # The designer's own message, in the reader's language when they gave it.
        text = check.message.get(language) or next(iter(check.message.values()))
        return [DefinitionProblem(where, text, code="value.designers_words",
                                  values={"message": text})]
    return []


def _value_problems(f: dict[str, Any], value: Any, where: str,
                    currency: str | None) -> list[DefinitionProblem]:
    kind = f["type"]
    problems = []
    if kind == "choice":
        allowed = [o["value"] for o in f["options"]]
        if value not in allowed:
            problems.append(DefinitionProblem(where, f"{value!r} is not one of the options "
                                                     f"({', '.join(allowed)})",
                                              code="value.not_an_option",
                                              values={"value": repr(value),
                                                      "options": ", ".join(allowed)}))
    elif kind == "multi_choice":
        allowed = [o["value"] for o in f["options"]]
        if not isinstance(value, list) or any(v not in allowed for v in value):
            problems.append(DefinitionProblem(where, f"choose from {', '.join(allowed)}",
                                              code="value.choose_from",
                                              values={"options": ", ".join(allowed)}))
    elif kind in NUMBER_KINDS:
        try:
            # A money field may name its own currency, and with it its places.
            number = numbers.checked(kind, value, f.get("currency") or currency)
        except numbers.OutOfBounds as refused:
            problems.append(DefinitionProblem(where, refused.message,
                                              code=f"value.{refused.code}",
                                              values=refused.values))
        else:
            if "min" in f and number < Decimal(str(f["min"])):
                problems.append(DefinitionProblem(where, f"must be at least {f['min']}",
                                                  code="value.at_least",
                                                  values={"bound": f["min"]}))
            if "max" in f and number > Decimal(str(f["max"])):
                problems.append(DefinitionProblem(where, f"must be at most {f['max']}",
                                                  code="value.at_most",
                                                  values={"bound": f["max"]}))
    elif kind in ("text", "long_text", "email", "phone"):
        if not isinstance(value, str):
            problems.append(DefinitionProblem(where, "must be text", code="value.text"))
        else:
            if "pattern" in f and not re.fullmatch(f["pattern"], value):
                problems.append(DefinitionProblem(where, "does not have the required form",
                                                  code="value.form"))
            if kind == "email" and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
                problems.append(DefinitionProblem(where, "is not an email address",
                                                  code="value.email"))
            if "max" in f and len(value) > int(f["max"]):
                problems.append(DefinitionProblem(where, f"must be at most {f['max']} "
                                                         "characters", code="value.longest",
                                                  values={"bound": f["max"]}))
    elif kind == "boolean" and not isinstance(value, bool):
        problems.append(DefinitionProblem(where, "must be true or false",
                                          code="value.boolean"))
    elif kind == "date" and not _parses(date.fromisoformat, value):
        problems.append(DefinitionProblem(where, "must be a date like 2026-11-25",
                                          code="value.date"))
    elif kind == "datetime" and not _parses(datetime.fromisoformat, value):
        problems.append(DefinitionProblem(where, "must be a date and time like "
                                                 "2026-11-25T09:30:00+08:00",
                                          code="value.datetime"))
    elif kind == "line_items" and not isinstance(value, list):
        problems.append(DefinitionProblem(where, "must be a list of lines",
                                          code="value.lines_list"))
    elif kind in ("address", "customer") and not isinstance(value, dict):
        problems.append(DefinitionProblem(where, "must be an object", code="value.object"))
    return problems


def _parses(parser, value: Any) -> bool:
    if isinstance(value, date):
        return True
    try:
        parser(value)
    except (TypeError, ValueError):
        return False
    return True


def compile_blueprint(definition: dict[str, Any], context: Context | None = None) -> Blueprint:
    """Check and compile ``definition``; raises DefinitionError with every problem."""
    problems = validate_order_type(definition, context)
    if problems:
        raise DefinitionError(problems)
    return _compile(dumps(definition))


def published_blueprint(definition: dict[str, Any]) -> Blueprint:
    """The blueprint of a definition that passed validation when it was published;
    it is not validated again (the roles it names may be custom ones)."""
    return _compile(dumps(definition))


@functools.lru_cache(maxsize=256)
def _compile(canonical: str) -> Blueprint:
    # Keyed by canonical text: a published version compiles once per process.
    definition = json.loads(canonical)
    places = money_places(definition.get("currency"))
    fields = order_fields(definition)

    def build(source: str, scope: dict[str, Any], expected: Any = None):
        return dsl.compile(source, scope, expected, money_places=places)

    by_key = {f["key"]: f for f in definition["form"]["fields"]}
    line_computed, checks, line_checks, visibility = [], [], [], {}
    for f in definition["form"]["fields"]:
        if "validation" in f:
            checks.append(Check(f["key"], build(f["validation"]["formula"], fields, "boolean"),
                                f["validation"]["message"]))
        if "visible_when" in f:
            visibility[f["key"]] = build(f["visible_when"], fields, "boolean")
        if f["type"] == "line_items":
            scope = line_fields(definition, f)
            for sub in f["fields"]:
                if sub["type"] == "computed":
                    line_computed.append((f["key"], sub["key"],
                                          build(sub["formula"], scope, sub["result_type"])))
                if "validation" in sub:
                    line_checks.append((f["key"], Check(
                        sub["key"], build(sub["validation"]["formula"], scope, "boolean"),
                        sub["validation"]["message"])))
    computed = [(key, build(by_key[key]["formula"], fields, by_key[key]["result_type"]))
                for key in computed_order(definition) or []]
    rules = [(r["key"], build(r["when"], fields, "boolean"), tuple(r["then"]))
             for r in definition.get("rules", []) if r.get("enabled", True)]
    transitions = {
        t["key"]: TransitionSpec(
            key=t["key"], sources=frozenset(t["from"]), target=t["to"],
            roles=frozenset(t.get("roles", [])),
            condition=build(t["condition"], fields, "boolean") if "condition" in t else None,
            required_fields=tuple(t.get("required_fields", [])),
            actions=tuple(t.get("actions", [])))
        for t in definition["workflow"]["transitions"]
    }
    routing_rules = [(build(r["when"], fields, "boolean"), r["warehouse"])
                     for r in (definition.get("routing") or {}).get("rules", [])]
    tables = []
    for table in definition.get("decision_tables", []):
        inputs = tuple(build(source, fields) for source in table["inputs"])
        rows = tuple(
            (tuple(build(cell, {**fields, "value": formula.result_type}, "boolean")
                   if cell.strip() else None
                   for cell, formula in zip(row["conditions"], inputs, strict=False)),
             tuple(row["then"]))
            for row in table["rows"])
        tables.append(DecisionTable(table["key"], table.get("hit", "first"), inputs, rows))
    return Blueprint(definition, fields, line_computed, computed, checks, line_checks,
                     visibility, rules, transitions, routing_rules, tables)


def to_json(value: Any) -> Any:
    """A computed value as JSON: money and numbers as exact decimal strings, dates
    in ISO form, a runtime fault as {"error": ...} with what ``described`` it and its
    place, so that a page can say it in its reader's language later."""
    if isinstance(value, BoundsFault) and value.refused is not None:
        return {"error": str(value), "refused": f"value.{value.refused.code}",
                "values": to_json(value.refused.values), "source": value.source,
                "line": value.line, "column": value.column}
    if isinstance(value, dsl.FormulaFault):
        return {"error": str(value), "described": to_json(value.described),
                "source": value.source, "line": value.line, "column": value.column}
    if isinstance(value, bool) or value is None or isinstance(value, int | str):
        return value
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    return str(value)
