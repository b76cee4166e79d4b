"""Validation of an order type definition: first its structure (the JSON Schema),
then its meaning. Every problem is reported at once, each at its JSON Pointer.

Meaning checks run only on a structurally valid definition: on a broken one
they would mostly repeat the schema's complaints in a more confusing way.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from jinja2 import TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment

from orderloom import dsl
from orderloom.designer import actions, numbers, schemas, state_categories, type_access
from orderloom.designer.dependencies import computed_cycle
from orderloom.designer.form import (
    COMPARABLE_TYPES,
    LINE_MEANINGS,
    ORDER_ATTRIBUTES,
    ORDER_MEANINGS,
    formula_type,
    line_fields,
    order_fields,
    walk_fields,
    with_meaning,
)
from orderloom.designer.problems import DefinitionProblem, formula_problem, pointer
from orderloom.designer.template_reasons import template_reason
from orderloom.designer.workflow import graph_problems

BUILTIN_ROLES = frozenset({"admin", "designer", "staff", "viewer"})
_TEMPLATES = SandboxedEnvironment(autoescape=True)


@dataclass(frozen=True)
class Context:
    """What exists outside the definition: roles, and warehouses and users when known
    (None means "not known here", so warehouse codes or approvers' names are not
    checked)."""

    roles: frozenset[str] = BUILTIN_ROLES
    warehouses: frozenset[str] | None = None
    users: frozenset[str] | None = None
    # The roles each known user holds (None: not known here), so that a person named
    # under access.act is judged by everything that lets them see the type.
    roles_of_users: Mapping[str, frozenset[str]] | None = None
    # The permissions of whoever will publish (None: not known here, as in
    # `orderloom check`); actions and money rights beyond them are problems.
    publisher: frozenset[str] | None = None


@dataclass
class _Checker:
    definition: dict[str, Any]
    context: Context
    base: tuple
    problems: list[DefinitionProblem] = field(default_factory=list)
    _schemas: dict[int, tuple[dict[str, Any], Any]] = field(default_factory=dict)

    def report(self, path: Iterable[object], message: str, code: str | None = None,
               **values: object) -> None:
        self.problems.append(DefinitionProblem(pointer(*self.base, *path), message,
                                               code=code, values=values))

    def formula(self, path: tuple, source: str, fields: dict[str, Any],
                expected: Any = None) -> None:
        for problem in dsl.check(source, self.schema(fields), expected):
            self.problems.append(formula_problem(pointer(*self.base, *path), problem))

    def schema(self, fields: dict[str, Any]) -> dsl.RecordType:
        # A form's fields are converted once and reused for all its formulas; the
        # dict is kept with its schema so its id cannot be reused by another one.
        cached = self._schemas.get(id(fields))
        if cached is None or cached[0] is not fields:
            cached = self._schemas[id(fields)] = (fields, dsl.schema(fields))
        return cached[1]

    def condition(self, path: tuple, source: str | None, fields: dict[str, Any]) -> None:
        if source is not None:
            self.formula(path, source, fields, "boolean")

    # What action types check with (designer/actions/__init__.py, Checker).

    def missing(self, path: tuple, what: str, name: str, known: Iterable[str]) -> None:
        self.report(path, f"there is no {what} {name!r}{_did_you_mean(name, known)}",
                    f"definition.no_{what.replace(' ', '_')}", name=repr(name),
                    suggestion=_closest(name, known))

    def roles(self, path: tuple, roles: list[str]) -> None:
        _roles(self, path, roles)

    def warehouse(self, path: tuple, code: str) -> None:
        _warehouse(self, path, code)

    def template(self, path: tuple, source: str) -> None:
        _template(self, path, source)


def validate_order_type(
    definition: Any, context: Context | None = None, base: tuple = ()
) -> list[DefinitionProblem]:
    """Every problem of an order type definition; an empty list means it can be published."""
    structure = schemas.structure_problems("order-type", definition, base)
    if structure:
        return structure
    checker = _Checker(definition, context or Context(), base)
    _check_keys(checker)
    _check_lookup_tables(checker)
    _check_fields(checker)
    _check_labels(checker)
    _check_layout(checker)
    _check_workflow(checker)
    _check_rules(checker)
    _check_routing(checker)
    _check_templates(checker)
    _check_total_field(checker)
    _check_tracking(checker)
    _check_money(checker)
    _check_type_access(checker)
    _check_workflow_against_access(checker)
    return checker.problems


def formula_problems_despite_structure(definition: dict[str, Any],
                                       context: Context) -> list[DefinitionProblem]:
    """The formula problems of a definition whose structure is broken somewhere: the
    meaning checks that hold formulas are run section by section, and a section too
    broken to walk only stops itself. An editor shows these while the draft is being
    typed, so a half-filled box in one place does not hide a formula mistake in
    another."""
    problems: list[DefinitionProblem] = []
    for check in (_check_fields, _check_workflow, _check_rules, _check_routing):
        checker = _Checker(definition, context, ())
        try:
            check(checker)
        except Exception:  # noqa: BLE001 - a broken part only stops its own section
            pass
        problems.extend(p for p in checker.problems if p.line is not None)
    return problems


def validate_package(package: Any, context: Context | None = None) -> list[DefinitionProblem]:
    """Every problem of a template package or workspace export."""
    structure = schemas.structure_problems("template-package", package)
    if structure:
        return structure
    context = context or Context()
    roles = context.roles | {r["name"] for r in package.get("roles", [])}
    warehouses = context.warehouses
    listed = package.get("master_data", {}).get("warehouses")
    if listed is not None:
        warehouses = (warehouses or frozenset()) | {w["code"] for w in listed}
    inner = Context(roles=frozenset(roles), warehouses=warehouses,
                    publisher=context.publisher)
    problems: list[DefinitionProblem] = []
    seen: dict[str, int] = {}
    for index, order_type in enumerate(package["order_types"]):
        if order_type["key"] in seen:
            problems.append(DefinitionProblem(
                pointer("order_types", index, "key"),
                f"order type {order_type['key']!r} appears twice "
                f"(first at /order_types/{seen[order_type['key']]})",
                code="definition.type_twice", values={
                    "key": repr(order_type["key"]),
                    "first": pointer("order_types", seen[order_type["key"]])}))
        seen.setdefault(order_type["key"], index)
        problems.extend(validate_order_type(order_type, inner, ("order_types", index)))
    return problems


# --- keys --------------------------------------------------------------------------------------

def _unique(checker: _Checker, items: list[dict], path: tuple, what: str) -> None:
    first: dict[str, int] = {}
    for index, item in enumerate(items):
        key = item["key"]
        if key in first:
            checker.report((*path, index, "key"),
                           f"{what} key {key!r} is used twice (first at "
                           f"{pointer(*checker.base, *path, first[key])})",
                           "definition.key_twice", key=repr(key),
                           first=pointer(*checker.base, *path, first[key]))
        else:
            first[key] = index


def _check_keys(checker: _Checker) -> None:
    d = checker.definition
    _unique(checker, d["form"]["fields"], ("form", "fields"), "field")
    for index, f in enumerate(d["form"]["fields"]):
        if f["type"] == "line_items":
            _unique(checker, f["fields"], ("form", "fields", index, "fields"), "column")
    wf = d["workflow"]
    for name, what in (("states", "state"), ("transitions", "transition"),
                       ("approvals", "approval"), ("automatic", "automatic transition")):
        _unique(checker, wf.get(name, []), ("workflow", name), what)
    _unique(checker, d.get("rules", []), ("rules",), "rule")
    _unique(checker, d.get("decision_tables", []), ("decision_tables",), "decision table")
    _unique(checker, d.get("print_templates", []), ("print_templates",), "print template")
    _unique(checker, d.get("lookup_tables", []), ("lookup_tables",), "look-up table")
    for index, table in enumerate(d.get("lookup_tables", [])):
        _unique(checker, table["columns"], ("lookup_tables", index, "columns"), "column")


# --- look-up tables ----------------------------------------------------------------------------

def _check_lookup_tables(checker: _Checker) -> None:
    """A table's key must not be a name formulas already read (a field, a column of
    line items, an order attribute), and each cell must hold a value of its column's
    type, so a formula never meets a value it cannot read."""
    d = checker.definition
    taken = set(ORDER_ATTRIBUTES)
    for _path, f, _holder in walk_fields(d):
        taken.add(f["key"])
    for index, table in enumerate(d.get("lookup_tables", [])):
        if table["key"] in taken:
            checker.report(("lookup_tables", index, "key"),
                           f"look-up table key {table['key']!r} is already the name of a field; "
                           "formulas could not tell them apart", "definition.table_key_taken",
                           key=repr(table["key"]))
        columns = {c["key"]: c["type"] for c in table["columns"]}
        for row_index, row in enumerate(table["rows"]):
            for key, value in row.items():
                where = ("lookup_tables", index, "rows", row_index, key)
                if key not in columns:
                    checker.missing(where, "column", key, columns)
                    continue
                problem = _cell_problem(columns[key], value, d.get("currency"))
                if problem:
                    message, code, values = problem
                    checker.report(where, message, code, **values)


def _cell_problem(kind: str, value: Any, currency: str | None
                  ) -> tuple[str, str, dict[str, Any]] | None:
    """Why a look-up table's cell cannot hold ``value``: its English, code and values."""
    if value is None:
        return None
    if kind in ("money", "number", "integer"):
        # The bounds every entered number has (designer/numbers.py), money in the
        # definition's currency.
        if isinstance(value, bool):
            return "must be a number, not TRUE or FALSE", "definition.cell_type", {"type": kind}
        try:
            numbers.checked(kind, value, currency)
        except numbers.OutOfBounds as exc:
            return str(exc), f"value.{exc.code}", exc.values
        return None
    why = dsl.value_problem(kind, value)
    return (why, "definition.cell_type", {"type": kind}) if why else None


# --- form --------------------------------------------------------------------------------------

def _check_fields(checker: _Checker) -> None:
    d = checker.definition
    top = order_fields(d)
    for path, f, holder in walk_fields(d):
        fields = line_fields(d, holder) if holder is not None else top
        kind = f["type"]
        if kind == "line_items" and holder is not None:
            checker.report((*path, "type"), "line items cannot hold line items",
                           "definition.lines_in_lines")
        if kind == "computed":
            checker.formula((*path, "formula"), f["formula"], fields, f["result_type"])
            if f.get("required"):
                checker.report((*path, "required"), "a computed field is never entered, so it "
                                                    "cannot be required",
                               "definition.computed_required")
        elif "formula" in f or "result_type" in f:
            checker.report((*path, "formula" if "formula" in f else "result_type"),
                           f"only computed fields have a formula; this field is {kind}",
                           "definition.formula_not_computed", kind=kind)
        if "options" in f and kind not in ("choice", "multi_choice"):
            checker.report((*path, "options"), f"only choice fields have options; this field "
                                               f"is {kind}", "definition.options_not_choice",
                           kind=kind)
        if "fields" in f and kind != "line_items":
            checker.report((*path, "fields"), f"only line items have columns; this field is {kind}",
                           "definition.columns_not_lines", kind=kind)
        if "currency" in f and kind != "money":
            checker.report((*path, "currency"), f"only money fields have a currency; this field "
                                                f"is {kind}", "definition.currency_not_money",
                           kind=kind)
        _check_options(checker, path, f)
        _check_bounds(checker, path, f)
        _check_meaning(checker, path, f, holder)
        if "validation" in f:
            checker.condition((*path, "validation", "formula"), f["validation"]["formula"],
                              fields)
        checker.condition((*path, "visible_when"), f.get("visible_when"), fields)
        checker.condition((*path, "readonly_when"), f.get("readonly_when"), fields)
        _check_access(checker, path, f)
    cycle = computed_cycle(d)
    if cycle:
        index, names = cycle
        checker.report(("form", "fields", index, "formula"),
                       "computed fields depend on each other in a circle: "
                       + " -> ".join(names), "definition.computed_circle",
                       names=" -> ".join(names))


def _check_access(checker: _Checker, path: tuple, f: dict[str, Any]) -> None:
    access = f.get("access")
    if not access:
        return
    for which in ("see", "edit"):
        _roles(checker, (*path, "access", which), access.get(which, []))
    if "see" in access and "edit" in access:
        # Changing a value one cannot read would be writing blind.
        for index, role in enumerate(access["edit"]):
            if role not in access["see"]:
                checker.report((*path, "access", "edit", index),
                               f"role {role!r} may change this field but not see it; "
                               "add it to who may see it too", "definition.edit_unseen",
                               role=repr(role))


def _check_labels(checker: _Checker) -> None:
    # Two fields with one label look like one on the order form, in lists and exports
    # (a hidden field of the template and a new one both "Gift message"): staff could
    # not tell which they fill in, so the later one is asked for another label.
    d = checker.definition
    siblings = [(("form", "fields"), d["form"]["fields"])]
    siblings += [(("form", "fields", index, "fields"), f["fields"])
                 for index, f in enumerate(d["form"]["fields"]) if f["type"] == "line_items"]
    for path, items in siblings:
        seen: dict[tuple[str, str], str] = {}
        for index, f in enumerate(items):
            for language, text in sorted((f.get("label") or {}).items()):
                name = " ".join(text.split()).casefold()
                if not name:
                    continue
                first = seen.setdefault((language, name), f["key"])
                if first != f["key"]:
                    checker.report((*path, index, "label"),
                                   f"field {first!r} already has the label {text.strip()!r}; "
                                   "give this one a label staff can tell apart",
                                   "definition.label_twice", first=repr(first),
                                   label=repr(text.strip()))
                    break


def _check_meaning(checker: _Checker, path: tuple, f: dict[str, Any],
                   holder: dict[str, Any] | None) -> None:
    meaning = f.get("meaning")
    if meaning is None:
        return
    meanings = LINE_MEANINGS if holder is not None else ORDER_MEANINGS
    where = "a column of a line" if holder is not None else "a field of the order"
    if meaning not in meanings:
        checker.report((*path, "meaning"), f"{meaning!r} is not a meaning {where} can "
                                           f"have; it can be {', '.join(meanings)}",
                       "definition.no_meaning", meaning=repr(meaning),
                       meanings=", ".join(meanings))
        return
    if f["type"] not in meanings[meaning]:
        # Filled from outside, so entered: never computed.
        checker.report((*path, "meaning"), f"a field that means {meaning} is "
                                           f"{' or '.join(meanings[meaning])}; this one is "
                                           f"{f['type']}", "definition.meaning_type",
                       meaning=meaning, kinds=", ".join(meanings[meaning]), kind=f["type"])
        return
    siblings = holder["fields"] if holder is not None else checker.definition["form"]["fields"]
    first = with_meaning(siblings, meaning)
    if first is not f:
        checker.report((*path, "meaning"), f"{first['key']!r} already means {meaning}; "
                                           "one field per meaning", "definition.meaning_twice",
                       first=repr(first["key"]), meaning=meaning)


def _check_options(checker: _Checker, path: tuple, f: dict[str, Any]) -> None:
    options = f.get("options")
    if not options:
        return
    seen: set[str] = set()
    for index, option in enumerate(options):
        if option["value"] in seen:
            checker.report((*path, "options", index, "value"),
                           f"option {option['value']!r} is listed twice",
                           "definition.option_twice", value=repr(option["value"]))
        seen.add(option["value"])
    default = f.get("default")
    defaults = default if isinstance(default, list) else [default] if default is not None else []
    for value in defaults:
        # A list or object as a default cannot be an option (and cannot be looked up).
        if not isinstance(value, str | int | float) or value not in seen:
            checker.report((*path, "default"), f"the default {value!r} is not one of the options",
                           "definition.default_not_an_option", value=repr(value))


def _check_bounds(checker: _Checker, path: tuple, f: dict[str, Any]) -> None:
    kind = f["type"]
    for bound in ("min", "max"):
        if bound in f and kind not in COMPARABLE_TYPES and kind not in (
                "text", "long_text", "line_items"):
            checker.report((*path, bound), f"a {kind} field has no {bound}",
                           "definition.no_bound", kind=kind, bound=bound)
    low, high = f.get("min"), f.get("max")
    if isinstance(low, int | float) and isinstance(high, int | float) and low > high:
        checker.report((*path, "min"), f"min ({low}) is greater than max ({high})",
                       "definition.min_above_max", low=low, high=high)
    if "pattern" in f:
        if kind not in ("text", "long_text", "email", "phone"):
            checker.report((*path, "pattern"), f"a {kind} field has no pattern",
                           "definition.no_pattern", kind=kind)
        try:
            re.compile(f["pattern"])
        except re.error as exc:
            checker.report((*path, "pattern"), f"not a valid pattern: {exc}",
                           "definition.bad_pattern", why=str(exc))


def _check_layout(checker: _Checker) -> None:
    d = checker.definition
    keys = {f["key"] for f in d["form"]["fields"]}
    placed: dict[str, str] = {}
    for s_index, section in enumerate(d["form"].get("layout", [])):
        for f_index, key in enumerate(section["fields"]):
            path = ("form", "layout", s_index, "fields", f_index)
            if key not in keys:
                checker.report(path, f"there is no field {key!r}{_did_you_mean(key, keys)}",
                               "definition.no_field", name=repr(key),
                               suggestion=_closest(key, keys))
            elif key in placed:
                checker.report(path, f"field {key!r} is placed twice (also at {placed[key]})",
                               "definition.placed_twice", key=repr(key), first=placed[key])
            else:
                placed[key] = pointer(*checker.base, *path)


def _closest(name: str, candidates: Iterable[str]) -> str:
    """The quoted candidate closest to ``name``, "" when none is close."""
    import difflib

    close = difflib.get_close_matches(name, sorted(candidates), n=1)
    return repr(close[0]) if close else ""


def _did_you_mean(name: str, candidates: Iterable[str]) -> str:
    close = _closest(name, candidates)
    return f"; did you mean {close}?" if close else ""


# --- workflow ----------------------------------------------------------------------------------

def _check_workflow(checker: _Checker) -> None:
    d = checker.definition
    wf = d["workflow"]
    states = {s["key"] for s in wf["states"]}
    fields = order_fields(d)
    field_keys = {f["key"] for f in d["form"]["fields"]}

    def state_ref(path: tuple, key: str) -> None:
        if key not in states:
            checker.report(path, f"there is no state {key!r}{_did_you_mean(key, states)}",
                           "definition.no_state", name=repr(key),
                           suggestion=_closest(key, states))

    for index, state in enumerate(wf["states"]):
        mismatch = state_categories.problem_of(state)
        if mismatch:
            message, code, values = mismatch
            checker.report(("workflow", "states", index, "category"), message, code, **values)
        _timer_counts(checker, ("workflow", "states", index), state, ("sla_hours",))
    for index, t in enumerate(wf["transitions"]):
        path = ("workflow", "transitions", index)
        for f_index, source in enumerate(t["from"]):
            state_ref((*path, "from", f_index), source)
        state_ref((*path, "to"), t["to"])
        _roles(checker, (*path, "roles"), t.get("roles", []))
        checker.condition((*path, "condition"), t.get("condition"), fields)
        for r_index, key in enumerate(t.get("required_fields", [])):
            if key not in field_keys:
                checker.report((*path, "required_fields", r_index),
                               f"there is no field {key!r}{_did_you_mean(key, field_keys)}",
                               "definition.no_field", name=repr(key),
                               suggestion=_closest(key, field_keys))
        _actions(checker, (*path, "actions"), t.get("actions", []))
    for index, a in enumerate(wf.get("approvals", [])):
        path = ("workflow", "approvals", index)
        for member in ("state", "approved", "rejected"):
            state_ref((*path, member), a[member])
        _roles(checker, (*path, "approvers", "roles"), a["approvers"].get("roles", []))
        _approver_users(checker, (*path, "approvers", "users"), a["approvers"].get("users", []))
        if "formula" in a["approvers"]:
            checker.formula((*path, "approvers", "formula"), a["approvers"]["formula"], fields)
        checker.condition((*path, "when"), a.get("when"), fields)
        if "escalate_to" in a:
            _roles(checker, (*path,), [a["escalate_to"]], member="escalate_to")
        if ("escalate_after_hours" in a) != ("escalate_to" in a):
            checker.report((*path, "escalate_to" if "escalate_after_hours" in a
                            else "escalate_after_hours"),
                           "escalation needs both escalate_after_hours and escalate_to",
                           "definition.escalation_half")
        _timer_counts(checker, path, a, ("remind_after_hours", "escalate_after_hours"))
    for index, auto in enumerate(wf.get("automatic", [])):
        path = ("workflow", "automatic", index)
        state_ref((*path, "from"), auto["from"])
        state_ref((*path, "to"), auto["to"])
        if ("when" in auto) == ("after_hours" in auto):
            checker.report(path, "an automatic transition needs exactly one of when "
                                 "(a condition) and after_hours (a timer)",
                           "definition.when_or_timer")
        checker.condition((*path, "when"), auto.get("when"), fields)
        _timer_counts(checker, path, auto, ("after_hours",))
        _actions(checker, (*path, "actions"), auto.get("actions", []))
    for problem_path, message, code, values in graph_problems(wf):
        checker.report(problem_path, message, code, **values)


def _timer_counts(checker: _Checker, path: tuple, spec: dict[str, Any],
                  numbers: tuple[str, ...]) -> None:
    """Timers counted in business days wait whole working days; a timer count given
    where there is no timer would silently do nothing."""
    _timer_lengths(checker, path, spec, numbers)
    counts = spec.get("time_counts")
    if counts is None:
        return
    given = [n for n in numbers if n in spec]
    if not given:
        checker.report((*path, "time_counts"),
                       f"time_counts needs a timer to count: {' or '.join(numbers)}",
                       "definition.nothing_to_count", timers=", ".join(numbers))
    for number in given:
        if counts == "business_days" and spec[number] != int(spec[number]):
            checker.report((*path, number), f"{spec[number]:g} is not a whole number of "
                                            "business days (time_counts is business_days)",
                           "definition.whole_business_days", value=f"{spec[number]:g}")


# The longest a timer may wait, per way of counting: the runtime looks ten years ahead
# for enough working time, and a timer longer than this is a typing slip, not a plan.
LONGEST_TIMER = {"all_hours": (87600, "hours (10 years)", "definition.timer_hours"),
                 "business_hours": (20000, "business hours", "definition.timer_business_hours"),
                 "business_days": (2000, "business days", "definition.timer_business_days")}


def _timer_lengths(checker: _Checker, path: tuple, spec: dict[str, Any],
                   numbers: tuple[str, ...]) -> None:
    longest, unit, code = LONGEST_TIMER[spec.get("time_counts") or "all_hours"]
    for number in numbers:
        value = spec.get(number)
        if isinstance(value, int | float) and not isinstance(value, bool) and value > longest:
            checker.report((*path, number), f"{value:g} is longer than a timer may wait: at "
                                            f"most {longest} {unit}", code,
                           value=f"{value:g}", most=longest)


def _roles(checker: _Checker, path: tuple, roles: list[str], member: str | None = None) -> None:
    for index, role in enumerate(roles):
        if role not in checker.context.roles:
            where = (*path, member) if member else (*path, index)
            checker.report(where, f"there is no role {role!r}"
                                  f"{_did_you_mean(role, checker.context.roles)}; create it "
                                  "(POST /api/v1/roles) or list it in the package's "
                                  "roles", "definition.no_role", name=repr(role),
                           suggestion=_closest(role, checker.context.roles))


def _approver_users(checker: _Checker, path: tuple, names: list[str],
                    roles_go: str = "tick it under approver roles") -> None:
    # A mistyped name ("manger1") would only be found when an order waits for it, and
    # its task would then go to the administrators: say so while designing.
    known = checker.context.users
    if known is None:
        return
    for index, name in enumerate(names):
        if name in known:
            continue
        if name in checker.context.roles:
            checker.report((*path, index), f"{name!r} is a role, not a user: {roles_go} "
                                           "instead", "definition.role_not_user",
                           name=repr(name))
        else:
            close = _closest(name, known)
            checker.report((*path, index), f"there is no user {name!r}"
                           + (_did_you_mean(name, known) or "; add the person under Users first"),
                           "definition.no_user", name=repr(name), suggestion=close,
                           advice=None if close else "add_user")


def _actions(checker: _Checker, path: tuple, items: list[dict]) -> None:
    # Each action type checks its own members (designer/actions/).
    actions.check(checker, path, items)
    for index, action in enumerate(items):
        kind = actions.TYPES.get(action.get("type")) if isinstance(action, dict) else None
        if kind is not None:
            _publisher_holds(checker, (*path, index), kind.needs, f"a {kind.name} action")


def _publisher_holds(checker: _Checker, path: tuple, needed: frozenset[str],
                     what: str) -> None:
    held = checker.context.publisher
    lacking = sorted(needed - held) if held is not None else []
    if lacking:
        checker.report(path, f"publishing {what} needs the permission "
                             f"{', '.join(lacking)}, which you do not hold; ask someone "
                             "who does to publish it", "definition.publisher_lacks",
                       permissions=", ".join(lacking))


# Declaring who may record money hands that right on, so the declarer must hold it.
MONEY_PERMISSION = frozenset({"payments.manage"})


def _check_money(checker: _Checker) -> None:
    money = checker.definition.get("money", {})
    for kind in ("payment", "refund"):
        if kind in money:
            _roles(checker, ("money", kind), money[kind])
            if money[kind]:
                _publisher_holds(checker, ("money", kind), MONEY_PERMISSION,
                                 f"who may record a {kind}")


_ACCESS_VERBS = {"see": "see", "create": "enter", "edit": "change", "act": "act on"}


def _check_type_access(checker: _Checker) -> None:
    access = checker.definition.get("access") or {}
    for kind in ("see", "create", "edit", "act"):
        rule = access.get(kind)
        if rule is None:
            continue
        if not rule.get("roles") and not rule.get("users"):
            # An empty rule lets nobody through, administrators included: the type
            # would vanish for everyone without a word.
            checker.report(("access", kind), f"access.{kind} names no role and no user, "
                                             "so nobody at all could "
                                             f"{_ACCESS_VERBS[kind]} these orders; name "
                                             "who may, or leave it out to let everyone "
                                             "whose permissions allow it",
                           "definition.access_nobody", rule=f"access.{kind}")
            continue
        _roles(checker, ("access", kind, "roles"), rule.get("roles", []))
        _approver_users(checker, ("access", kind, "users"), rule.get("users", []),
                        f"list it under access.{kind}.roles")
        if kind == "see" or not isinstance(access.get("see"), dict) or not (
                access["see"].get("roles") or access["see"].get("users")):
            continue
        # Entering, changing and acting need seeing too: a name here that see leaves
        # out would be let through by nothing, which is surely not what was meant.
        see = access["see"]
        for index, name in enumerate(rule.get("roles", [])):
            if name not in see.get("roles", []):
                checker.report(("access", kind, "roles", index),
                               f"{name!r} may not see orders of this type (access.see "
                               f"leaves it out), so it cannot {kind} them either; add it "
                               "to see too", "definition.role_unseen", name=repr(name),
                               rule=f"access.{kind}")
        # A person is let through see by their name or by any role they hold; where
        # who holds which role is not known (a package checked on its own), nothing is
        # said of them.
        people = checker.context.roles_of_users
        for index, name in enumerate(rule.get("users", []) if people is not None else []):
            held = people.get(name)
            if held is not None and not type_access.allows({"access": {"see": see}}, "see",
                                                           held, name):
                checker.report(("access", kind, "users", index),
                               f"{name!r} may not see orders of this type (access.see "
                               "names neither them nor any role they hold), so they "
                               f"cannot {kind} them either; add them to see too",
                               "definition.user_unseen", name=repr(name),
                               rule=f"access.{kind}")


def _check_workflow_against_access(checker: _Checker) -> None:
    # A transition's roles and an approval's approvers work on top of access.act: one
    # that act (or see) refuses could never take it or decide it, and its orders would
    # wait for nobody.
    d = checker.definition
    access = d.get("access") or {}
    rules = [access.get(kind) for kind in ("see", "act")]
    if all(rule is None for rule in rules) or any(
            isinstance(rule, dict) and not (rule.get("roles") or rule.get("users"))
            for rule in rules):
        return  # nothing narrowed, or an empty rule, which is reported on its own

    people = checker.context.roles_of_users
    named = {name for rule in rules if rule for name in rule.get("users", [])}

    def role_refused(path: tuple, role: str, what: str) -> None:
        # A person access.act names may hold the role: then it is not in vain. Where
        # who holds which role is not known, such a role is not judged.
        if named and (people is None or any(
                role in people.get(name, ()) and type_access.allows(d, "act", people[name],
                                                                     name)
                for name in named)):
            return
        if not type_access.allows(d, "act", [role]):
            checker.report(path, f"the role {role!r} {what}, but the type's access.act "
                                 "(or see) does not let it act on these orders; add it "
                                 "to access.act (and see) or take it out here",
                           "definition.role_cannot_act", name=repr(role))

    wf = d["workflow"]
    for index, t in enumerate(wf["transitions"]):
        for r_index, role in enumerate(t.get("roles", [])):
            role_refused(("workflow", "transitions", index, "roles", r_index), role,
                         "may take this transition")
    for index, a in enumerate(wf.get("approvals", [])):
        path = ("workflow", "approvals", index)
        for r_index, role in enumerate(a["approvers"].get("roles", [])):
            role_refused((*path, "approvers", "roles", r_index), role, "approves here")
        if "escalate_to" in a:
            role_refused((*path, "escalate_to"), a["escalate_to"], "is escalated to")
        for u_index, name in enumerate(a["approvers"].get("users", [])
                                       if people is not None else []):
            held = people.get(name)
            if held is not None and not type_access.allows(d, "act", held, name):
                checker.report((*path, "approvers", "users", u_index),
                               f"{name!r} approves here, but the type's access.act (or "
                               "see) names neither them nor any role they hold; add them "
                               "to access.act (and see) or take them out here",
                               "definition.approver_cannot_act", name=repr(name))


def _warehouse(checker: _Checker, path: tuple, code: str) -> None:
    known = checker.context.warehouses
    if known is not None and code not in known:
        checker.missing(path, "warehouse", code, known)


def _template(checker: _Checker, path: tuple, source: str) -> None:
    try:
        _TEMPLATES.parse(source)
    except TemplateSyntaxError as exc:
        # Jinja's own reason stays as it wrote it: the line is what a reader needs.
        checker.report(path, f"template error on line {exc.lineno}: {exc.message}",
                       "definition.template_error", line=exc.lineno, why=exc.message,
                       **template_reason(exc.message or ""))
    except RecursionError:  # deeper than Jinja's parser can follow: the designer's to fix
        checker.report(path, "template error: the template nests too deeply",
                       "definition.template_too_deep")


# --- rules and routing -------------------------------------------------------------------------

def _check_rules(checker: _Checker) -> None:
    d = checker.definition
    fields = order_fields(d)
    for index, rule in enumerate(d.get("rules", [])):
        checker.condition(("rules", index, "when"), rule["when"], fields)
        _actions(checker, ("rules", index, "then"), rule["then"])
    for t_index, table in enumerate(d.get("decision_tables", [])):
        path = ("decision_tables", t_index)
        input_types: list[Any] = []
        for i_index, source in enumerate(table["inputs"]):
            try:
                input_types.append(dsl.compile(source, checker.schema(fields)).result_type)
            except dsl.FormulaError as exc:
                input_types.append(None)
                for problem in exc.errors:
                    checker.problems.append(formula_problem(
                        pointer(*checker.base, *path, "inputs", i_index), problem))
        scopes = [{**fields, "value": t} if t is not None else None for t in input_types]
        for r_index, row in enumerate(table["rows"]):
            row_path = (*path, "rows", r_index)
            if len(row["conditions"]) != len(table["inputs"]):
                checker.report((*row_path, "conditions"),
                               f"the row has {len(row['conditions'])} condition cells but the "
                               f"table has {len(table['inputs'])} inputs",
                               "definition.cells_and_inputs", cells=len(row["conditions"]),
                               inputs=len(table["inputs"]))
            for c_index, (cell, scope) in enumerate(zip(row["conditions"], scopes,
                                                        strict=False)):
                if cell.strip() and scope is not None:
                    checker.condition((*row_path, "conditions", c_index), cell, scope)
            _actions(checker, (*row_path, "then"), row["then"])


def _check_total_field(checker: _Checker) -> None:
    key = checker.definition.get("total_field")
    if key is None:
        return
    field = next((f for f in checker.definition["form"]["fields"] if f["key"] == key), None)
    if field is None:
        keys = [f["key"] for f in checker.definition["form"]["fields"]]
        checker.missing(("total_field",), "field", key, keys)
    elif formula_type(field) != "money":
        kind = field["type"] + (f" of {field['result_type']}"
                                if field["type"] == "computed" else "")
        checker.report(("total_field",), f"the total must be a money field; {key!r} is {kind}",
                       "definition.total_not_money", key=repr(key), kind=kind)


def _check_tracking(checker: _Checker) -> None:
    # A carrier event can only move the order along a transition that exists; whether it
    # is open in the order's state is decided when the event arrives.
    transitions = {t["key"] for t in checker.definition["workflow"]["transitions"]}
    for status, key in checker.definition.get("tracking", {}).items():
        if key not in transitions:
            checker.missing(("tracking", status), "transition", key, transitions)


def _check_routing(checker: _Checker) -> None:
    routing = checker.definition.get("routing")
    if not routing:
        return
    fields = order_fields(checker.definition)
    for index, rule in enumerate(routing.get("rules", [])):
        checker.condition(("routing", "rules", index, "when"), rule["when"], fields)
        _warehouse(checker, ("routing", "rules", index, "warehouse"), rule["warehouse"])
    for region, codes in routing.get("regions", {}).items():
        for index, code in enumerate(codes):
            _warehouse(checker, ("routing", "regions", region, index), code)
    if routing.get("strategy") == "region" and not routing.get("regions"):
        checker.report(("routing", "regions"), "the region strategy needs a regions table",
                       "definition.regions_needed")


def _check_templates(checker: _Checker) -> None:
    for index, template in enumerate(checker.definition.get("print_templates", [])):
        _template(checker, ("print_templates", index, "template"), template["template"])


def formulas(definition: dict[str, Any]) -> list[tuple[str, str]]:
    """Every formula of a valid ``definition`` with the pointer to it: computed fields,
    conditions, rules, decision tables, workflow and routing, as validation finds them
    (what the draft's replay checks for fields the person replaying may not see)."""
    found: list[tuple[str, str]] = []

    class Reader(_Checker):
        def formula(self, path: tuple, source: str, fields: dict[str, Any],
                    expected: Any = None) -> None:
            found.append((pointer(*path), source))

    reader = Reader(definition, Context(), ())
    for check in (_check_fields, _check_workflow, _check_rules, _check_routing):
        check(reader)
    for index, table in enumerate(definition.get("decision_tables", [])):
        found.extend((pointer("decision_tables", index, "inputs", i), source)
                     for i, source in enumerate(table["inputs"]))
    return found
