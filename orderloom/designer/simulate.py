"""A dry run of a definition on sample order data: nothing is stored.

Shows what staff and the system would see: computed fields, problems with the
entered values, rule and decision table outcomes, the routing decision, and
the transitions each role could take from the start state.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from orderloom.designer.blueprint import compile_blueprint, to_json
from orderloom.designer.problems import DefinitionProblem
from orderloom.designer.validation import Context
from orderloom.dsl.errors import FormulaFault
from orderloom.dsl.workdays import Calendar


def simulate(definition: dict[str, Any], sample: dict[str, Any], *,
             roles: list[str] | None = None, state: str | None = None,
             context: Context | None = None, now: datetime | None = None,
             language: str = "en", calendar: Calendar | None = None,
             say_fault: Callable[[FormulaFault], str] = str,
             say_problem: Callable[[DefinitionProblem], dict[str, object]] =
             DefinitionProblem.as_json) -> dict[str, Any]:
    """Raises DefinitionError when the definition itself has problems. ``calendar``:
    the instance's business calendar, so that a dry run counts business days as
    orders will. ``say_fault`` and ``say_problem`` word a rule's fault and a problem
    with the entered values (in English unless the caller words them otherwise)."""
    blueprint = compile_blueprint(definition, context)
    data = blueprint.compute(sample, now, calendar)
    state = state or blueprint.start_state()
    roles = roles or sorted((context or Context()).roles)
    return {
        "computed": {key: to_json(data.get(key)) for key, _formula in blueprint.computed},
        "lines": {lines_key: [to_json(line) for line in data.get(lines_key) or []]
                  for lines_key in {k for k, _s, _f in blueprint.line_computed}},
        "problems": [say_problem(p) for p in blueprint.problems(data, now, language, calendar)],
        "rules": [{"key": o.key, "matched": o.matched,
                   "actions": list(o.actions) if o.matched else [],
                   **({"fault": say_fault(o.failure)} if o.failure is not None else {})}
                  for o in blueprint.evaluate_rules(data, now, calendar)],
        "decision_tables": _decision_tables(blueprint, data, now, calendar),
        "route": blueprint.route(data, now, calendar),
        "state": state,
        "transitions": {
            role: [{"key": spec.key, "to": spec.target,
                    **({"blocked": reason} if reason else {})}
                   for spec, reason in blueprint.open_transitions(state, data, {role}, now,
                                                                  calendar)]
            for role in roles
        },
    }


def _decision_tables(blueprint, data, now, calendar) -> list[dict[str, Any]]:
    return [{"key": outcome.key, "inputs": [to_json(v) for v in outcome.inputs],
             "matched": [{"row": index, "actions": list(blueprint_row_actions(
                 blueprint, outcome.key, index))} for index in outcome.matched_rows]}
            for outcome in blueprint.evaluate_decision_tables(data, now, calendar)]


def blueprint_row_actions(blueprint, key: str, index: int):
    table = next(t for t in blueprint.decision_tables if t.key == key)
    return table.rows[index][1]
