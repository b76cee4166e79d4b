"""Samples that exercise a draft: for each rule and each approval, a sample order on
which it fires, or the reason none was found. Nothing is stored.

A sample generated from the form alone rarely reaches a threshold such as
``total > 5000``, so the designer would publish approvals never seen to fire. The
conditions are solved instead: the comparison constants of the condition (and of
the computed fields it reads, down to the values a person enters) give the values
to try on the firing side of each comparison; a bounded search over the entered
values those conditions depend on follows when one value at a time is not enough.
"""
from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

from orderloom import dsl
from orderloom.designer.blueprint import Blueprint, compile_blueprint, money_places
from orderloom.designer.dependencies import field_names, nodes, paths
from orderloom.designer.validation import Context
from orderloom.dsl.nodes import Call, Literal
from orderloom.dsl.workdays import Calendar

# Conditions tried per rule or approval: enough for two or three entered values
# combined, small enough that a designer waits well under a second per target.
MAX_TRIES = 1500
# Values of one entered field combined with those of others in the pairwise step.
PAIR_WIDTH = 12
NUMBER_STEPS = (0, 1, 10, 100, 1000, 10000, 100000)
DAY_STEPS = (-365, -30, -7, -1, 0, 1, 7, 30, 365)
RECORD_TYPES = ("customer", "address")
# A place in the order data a person enters: (field,), (line items, column) or
# (record field, its part).
Slot = tuple[str, ...]


@dataclass(frozen=True)
class Target:
    kind: str  # "rule" or "approval"
    key: str
    label: str
    condition: str | None
    fires: Callable[[dict[str, Any]], bool]
    slots: tuple[Slot, ...]
    switched_off: bool = False


def cover(definition: dict[str, Any], base: dict[str, Any], *,
          context: Context | None = None, now: datetime | None = None,
          language: str = "en", calendar: Calendar | None = None,
          channels: tuple[str, ...] = ("manual",)) -> dict[str, Any]:
    """Samples that make each rule and approval of ``definition`` fire, starting from
    ``base`` (the form's generated sample). ``channels``: those orders of the type
    come in through, tried in turn by an approval whose condition reads the channel.
    Raises DefinitionError when the definition itself has problems."""
    blueprint = compile_blueprint(definition, context)
    now = now or datetime.now(UTC)
    solver = Solver(blueprint, now, calendar, channels)
    targets = solver.targets(language)
    samples: list[dict[str, Any]] = [base]
    found: dict[str, int] = {}
    reasons: dict[str, dict[str, Any]] = {}
    for target in targets:
        name = f"{target.kind}:{target.key}"
        if target.switched_off:
            reasons[name] = {"code": "switched_off",
                             "why": "it is switched off, so it never runs"}
            continue
        index = next((i for i, s in enumerate(samples) if solver.holds(target, s)), None)
        if index is None:
            sample, why = solver.solve(target, base)
            if sample is None:
                reasons[name] = why
                continue
            samples.append(sample)
            index = len(samples) - 1
        found[name] = index
    used = sorted(set(found.values()))
    renumber = {old: new for new, old in enumerate(used)}
    return {
        "samples": [{"data": samples[i],
                     "fires": [n for n, j in found.items() if j == i],
                     "problems": [p.as_json() for p in blueprint.problems(
                         blueprint.compute(samples[i], now, calendar), now, language,
                         calendar)]}
                    for i in used],
        "targets": [{"kind": t.kind, "key": t.key, "label": t.label,
                     **({"condition": t.condition} if t.condition else {}),
                     **({"fired": True, "sample": renumber[found[n]],
                         **({"channel": solver.channel_of[n]} if n in solver.channel_of
                            else {})} if n in found
                        else {"fired": False, **reasons[n]})}
                    for t in targets for n in [f"{t.kind}:{t.key}"]],
    }


class Solver:
    def __init__(self, blueprint: Blueprint, now: datetime, calendar: Calendar | None,
                 channels: tuple[str, ...] = ("manual",)):
        self.blueprint = blueprint
        self.channels = channels or ("manual",)
        # The channel an approval that reads it fired under, when not the first.
        self.channel_of: dict[str, str] = {}
        self.now = now
        self.calendar = calendar
        definition = blueprint.definition
        self.fields = {f["key"]: f for f in definition["form"]["fields"]}
        self.faults: dict[str, str] = {}

    # --- what is to fire ---------------------------------------------------------------

    def targets(self, language: str) -> list[Target]:
        definition = self.blueprint.definition
        compiled = {key: formula for key, formula, _actions in self.blueprint.rules}
        found = []
        for rule in definition.get("rules", []):
            label = _label(rule.get("name"), language) or rule["key"]
            formula = compiled.get(rule["key"])
            found.append(Target(
                "rule", rule["key"], label, rule["when"],
                self.condition_check(f"rule:{rule['key']}", formula) if formula else _never,
                self.slots_of(rule["when"]), switched_off=formula is None))
        for approval in definition["workflow"].get("approvals", []):
            found.append(self.approval_target(approval, language))
        return found

    def approval_target(self, approval: dict[str, Any], language: str) -> Target:
        """An approval fires when its condition is TRUE (or it has none) or when a
        rule that matched asks for it with a require_approval action."""
        key = approval["key"]
        asking = [(rule_key, formula) for rule_key, formula, actions in self.blueprint.rules
                  if any(a.get("type") == "require_approval" and a.get("approval") == key
                         for a in actions)]
        source = approval.get("when")
        formula = None if source is None else dsl.compile(
            source, self.blueprint.fields, "boolean",
            money_places=_places(self.blueprint))
        state = approval["state"]
        channels = self.channels if source and "channel" in field_names(source) \
            else self.channels[:1]

        def fires(data: dict[str, Any]) -> bool:
            self.channel_of.pop(f"approval:{key}", None)
            if formula is None:
                return True
            if any(self.outcome(f"rule:{k}", f, data) for k, f in asking):
                return True
            # As entering the state decides: on the values and tags after the rules'
            # and decision tables' actions, and a condition that fails needs people
            # too (a broken condition never waves an order through).
            after, tags = self.after_actions(data)
            for channel in channels:
                values = {"state": state, "channel": channel, "tags": tags,
                          "payment_status": "unpaid", "created_at": self.now.isoformat(),
                          **after}
                result = formula(values, self.now, self.calendar)
                if result is True or isinstance(result, dsl.FormulaFault):
                    if channel != self.channels[0]:
                        self.channel_of[f"approval:{key}"] = channel
                    return True
            return False

        slots = self.slots_of(source) if source else ()
        for rule_key, _formula in asking:
            rule = next(r for r in self.blueprint.definition.get("rules", [])
                        if r["key"] == rule_key)
            slots += tuple(s for s in self.slots_of(rule["when"]) if s not in slots)
        return Target("approval", key, _label(approval.get("label"), language) or key,
                      source, fires, slots)

    def after_actions(self, data: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
        """``data`` (computed) and the order's tags after the set_field and add_tag
        actions of the rules and decision table rows that match it, in the order
        creating an order runs them."""
        blueprint = self.blueprint
        actions = [a for o in blueprint.evaluate_rules(data, self.now, self.calendar)
                   if o.matched for a in o.actions]
        actions += [a for t in blueprint.evaluate_decision_tables(data, self.now, self.calendar)
                    for a in t.actions]
        values, tags = dict(data), []
        for action in actions:
            if action.get("type") == "add_tag" and action["tag"] not in tags:
                tags.append(action["tag"])
            elif action.get("type") == "set_field":
                value = dsl.compile(action["value"], blueprint.fields,
                                    money_places=_places(blueprint))(values, self.now,
                                                                     self.calendar)
                if not isinstance(value, dsl.FormulaFault):
                    values[action["field"]] = value
        if any(a.get("type") == "set_field" for a in actions):
            values = blueprint.compute(values, self.now, self.calendar)
        return values, tags

    def condition_check(self, name: str, formula: Any) -> Callable[[dict[str, Any]], bool]:
        return lambda data: self.outcome(name, formula, data)

    def outcome(self, name: str, formula: Any, data: dict[str, Any]) -> bool:
        result = formula(data, self.now, self.calendar)
        if isinstance(result, dsl.FormulaFault):
            self.faults[name] = result.message
        return result is True

    def holds(self, target: Target, sample: dict[str, Any]) -> bool:
        return target.fires(self.blueprint.compute(sample, self.now, self.calendar))

    # --- solving -----------------------------------------------------------------------

    def solve(self, target: Target, base: dict[str, Any]
              ) -> tuple[dict | None, dict[str, Any]]:
        """A sample on which ``target`` fires, or None and why none was found: the
        English ``why``, and a ``code`` (with the values it names) for other languages."""
        name = f"{target.kind}:{target.key}"
        if not target.slots:
            return None, {"code": "reads_nothing",
                          "why": "its condition reads no value a person enters, and it is "
                                 "not TRUE for the sample"}
        constants = self.constants_of(target)
        choices = {slot: list(self.values_for(slot, constants, base)) for slot in target.slots}
        tried = 0
        for sample in self.candidates(base, choices, target.key):
            tried += 1
            if self.holds(target, sample):
                return sample, {}
            if tried >= MAX_TRIES:
                break
        fault = self.faults.get(name)
        if fault:
            return None, {"code": "fails", "fault": fault,
                          "why": f"its condition failed on the samples tried: {fault}"}
        varied = ", ".join(".".join(slot) for slot in target.slots)
        return None, {"code": "never_true", "tried": tried, "varied": varied,
                      "why": f"none of the {tried} samples tried made its condition TRUE "
                             f"(values tried for {varied}); check that the condition can "
                             "be met"}

    def candidates(self, base: dict[str, Any], choices: dict[Slot, list[Any]],
                   seed: str) -> Iterator[dict[str, Any]]:
        """One entered value at a time first (the smallest change that fires), then
        pairs, then random combinations of all of them."""
        slots = list(choices)
        for slot in slots:
            for value in choices[slot]:
                yield with_value(base, slot, value)
        for first, second in itertools.combinations(slots, 2):
            for a in choices[first][:PAIR_WIDTH]:
                for b in choices[second][:PAIR_WIDTH]:
                    yield with_value(with_value(base, first, a), second, b)
        # A slot with nothing to try (a choice without options) keeps the base's value.
        varied = [slot for slot in slots if choices[slot]]
        if len(varied) > 2:
            chance = random.Random(seed)  # the same draft gives the same samples
            while True:
                sample = base
                for slot in varied:
                    sample = with_value(sample, slot, chance.choice(choices[slot]))
                yield sample

    def slots_of(self, source: str, lines: str | None = None,
                 seen: frozenset[str] = frozenset()) -> tuple[Slot, ...]:
        """The entered values ``source`` depends on, through computed fields too."""
        found: list[Slot] = []
        for path in paths(source):
            for slot in self.path_slots(path.names, lines, seen):
                if slot not in found:
                    found.append(slot)
        return tuple(found)

    def path_slots(self, names: tuple[str, ...], lines: str | None,
                   seen: frozenset[str]) -> list[Slot]:
        if lines is not None:
            column = _column(self.fields[lines], names[0])
            if column is not None:
                if column["type"] == "computed":
                    return self.expand(f"{lines}.{names[0]}", column["formula"], lines, seen)
                return [(lines, names[0])]
        field = self.fields.get(names[0])
        if field is None:
            return []  # an order attribute (state, tags ...) or a look-up table
        kind = field["type"]
        if kind == "computed":
            return self.expand(names[0], field["formula"], None, seen)
        if kind == "line_items":
            column = _column(field, names[1]) if len(names) > 1 else None
            if column is None:
                return []
            if column["type"] == "computed":
                return self.expand(f"{names[0]}.{names[1]}", column["formula"], names[0], seen)
            return [(names[0], names[1])]
        if kind in RECORD_TYPES:
            return [(names[0], names[1])] if len(names) > 1 else []
        if kind == "attachment":
            return []
        return [(names[0],)]

    def expand(self, name: str, source: str, lines: str | None,
               seen: frozenset[str]) -> list[Slot]:
        if name in seen:
            return []
        return list(self.slots_of(source, lines, seen | {name}))

    def constants_of(self, target: Target) -> list[Any]:
        """The literals of the condition and of the computed fields it reads."""
        sources = [target.condition] if target.condition else []
        for rule in self.blueprint.definition.get("rules", []):
            if target.kind == "approval" and any(
                    a.get("type") == "require_approval" and a.get("approval") == target.key
                    for a in rule["then"]):
                sources.append(rule["when"])
        for field in self.fields.values():
            if field["type"] == "computed":
                sources.append(field["formula"])
            for column in field.get("fields", []) if field["type"] == "line_items" else []:
                if column["type"] == "computed":
                    sources.append(column["formula"])
        found = []
        for source in sources:
            for value in _literals(source):
                if value not in found:
                    found.append(value)
        return found

    def values_for(self, slot: Slot, constants: list[Any], base: dict[str, Any]
                   ) -> Iterator[Any]:
        """Values of the slot's type to try, the comparison constants' neighbours first."""
        field = self.slot_field(slot)
        kind = field["type"] if field else "text"
        if kind == "boolean":
            yield from (True, False)
        elif kind == "choice":
            yield from (o["value"] for o in field.get("options", []))
        elif kind == "multi_choice":
            yield from ([o["value"]] for o in field.get("options", []))
        elif kind in ("number", "integer", "money"):
            yield from (self.number_value(field, n) for n in _numbers(field, constants))
        elif kind in ("date", "datetime"):
            yield from _days(kind, constants, self.now)
        else:
            texts = [c for c in constants if isinstance(c, str)]
            yield from texts or [f"{slot[-1]} 1"]

    def slot_field(self, slot: Slot) -> dict[str, Any] | None:
        field = self.fields.get(slot[0])
        if field is not None and field["type"] == "line_items" and len(slot) > 1:
            return _column(field, slot[1])
        return field if len(slot) == 1 else None

    def number_value(self, field: dict[str, Any], number: Decimal) -> Any:
        if field["type"] == "integer":
            return int(number)
        if field["type"] == "money":
            places = Decimal(1).scaleb(-_places(self.blueprint))
            return format(number.quantize(places), "f")
        return format(number, "f")


def _numbers(field: dict[str, Any], constants: list[Any]) -> list[Decimal]:
    near = []
    for c in constants:
        if isinstance(c, int | Decimal) and not isinstance(c, bool):
            c = Decimal(c)
            near += [c - 1, c, c + 1, (c / 2).to_integral_value(ROUND_CEILING) + 1, c * 2]
    values = [Decimal(n) for n in NUMBER_STEPS] + near + [-n for n in near if n > 0]
    if field["type"] == "integer":
        values = [v.to_integral_value(ROUND_CEILING) for v in values]
    low = Decimal(str(field["min"])) if "min" in field else None
    high = Decimal(str(field["max"])) if "max" in field else None
    # The bounds themselves, so that a range every step and constant misses (min 2.5,
    # max 2.9) still has a value to try.
    whole = field["type"] == "integer"
    if low is not None:
        values.append(low.to_integral_value(ROUND_CEILING) if whole else low)
    if high is not None:
        values.append(high.to_integral_value(ROUND_FLOOR) if whole else high)
    kept = sorted({v for v in values
                   if (low is None or v >= low) and (high is None or v <= high)},
                  key=lambda v: (v < 0, abs(v)))
    return kept


def _days(kind: str, constants: list[Any], now: datetime) -> Iterator[str]:
    for c in constants:
        if isinstance(c, date):
            day = c
        elif isinstance(c, str):
            try:
                day = date.fromisoformat(c[:10])
            except ValueError:
                continue
        else:
            continue
        for shift in (1, 0, -1):
            yield _day_text(kind, day + timedelta(days=shift))
    for shift in DAY_STEPS:
        yield _day_text(kind, now.date() + timedelta(days=shift))


def _day_text(kind: str, day: date) -> str:
    if kind == "date":
        return day.isoformat()
    return datetime(day.year, day.month, day.day, 9, tzinfo=UTC).isoformat()


def with_value(sample: dict[str, Any], slot: Slot, value: Any) -> dict[str, Any]:
    """A copy of ``sample`` with ``value`` at ``slot`` (every line, for a column)."""
    copy = dict(sample)
    head = slot[0]
    if len(slot) == 1:
        copy[head] = value
    elif isinstance(sample.get(head), list):
        lines = sample[head] or [{}]
        copy[head] = [{**line, slot[1]: value} if isinstance(line, dict) else line
                      for line in lines]
    elif isinstance(sample.get(head), dict) or sample.get(head) is None:
        copy[head] = {**(sample.get(head) or {}), slot[1]: value}
    return copy


def _column(field: dict[str, Any], key: str) -> dict[str, Any] | None:
    if field.get("type") != "line_items":
        return None
    return next((c for c in field.get("fields", []) if c["key"] == key), None)


def _literals(source: str) -> list[Any]:
    """Numbers, texts, and the days DATE(year, month, day) names."""
    found: list[Any] = []
    for node in nodes(source):
        if isinstance(node, Literal) and node.value is not None \
                and not isinstance(node.value, bool):
            found.append(node.value)
        elif isinstance(node, Call) and node.name == "DATE" and len(node.args) == 3 \
                and all(isinstance(a, Literal) and type(a.value) is int for a in node.args):
            try:
                found.append(date(*(a.value for a in node.args)))
            except ValueError:
                pass  # no such day: the condition cannot be met through it
    return found


def _label(label: Any, language: str) -> str | None:
    if isinstance(label, dict):
        return label.get(language) or label.get("en") or next(iter(label.values()), None)
    return label if isinstance(label, str) else None


def _places(blueprint: Blueprint) -> int:
    return money_places(blueprint.currency)


def _never(_data: dict[str, Any]) -> bool:
    return False
