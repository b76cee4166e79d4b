"""Set a field by a formula; add a tag. Both change the values being built."""
from __future__ import annotations

from typing import Any

from orderloom import dsl
from orderloom.designer import numbers
from orderloom.designer.actions import fields as spec
from orderloom.designer.blueprint import NUMBER_KINDS, money_places, to_json
from orderloom.designer.form import formula_type
from orderloom.runtime.engine.actions import Behaviour, Run
from orderloom.runtime.errors import OrderError


class SetField(spec.SetField, Behaviour):
    def in_transaction(self, action: dict[str, Any], run: Run) -> None:
        target = next(f for f in run.blueprint.definition["form"]["fields"]
                      if f["key"] == action["field"])
        wanted = formula_type(target)
        formula = dsl.compile(action["value"], run.blueprint.fields,
                              wanted if isinstance(wanted, str) else None,
                              money_places=money_places(run.blueprint.currency))
        value = formula(run.result.data, run.now, run.calendar)
        if isinstance(value, dsl.FormulaFault):
            raise OrderError(f"the formula that sets {action['field']!r} failed: "
                             f"{value.message}", code="action.set_failed",
                             field=repr(action["field"]), why=value.message,
                             **value.described)
        beyond = numbers.result_problem(wanted, value) if wanted in NUMBER_KINDS else None
        if beyond:
            raise OrderError(f"the formula that sets {action['field']!r} failed: {beyond}")
        run.result.data[action["field"]] = to_json(value)
        run.result.done.append(action)


class AddTag(spec.AddTag, Behaviour):
    def in_transaction(self, action: dict[str, Any], run: Run) -> None:
        if action["tag"] not in run.result.tags:
            run.result.tags.append(action["tag"])
        run.result.done.append(action)
