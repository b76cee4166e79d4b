"""Actions that change the order's own values: set a field by a formula, add a tag."""
from __future__ import annotations

from typing import Any

from orderloom.designer.actions import ActionType, Checker, fields_of
from orderloom.designer.form import formula_type


class SetField(ActionType):
    name = "set_field"
    position = 20
    labels = ("Set a field", "设置字段")
    members = {"field": {"$ref": "#/$defs/key"}, "value": {"$ref": "#/$defs/formula"}}
    required = ("field", "value")
    starting = {"field": "", "value": ""}

    def check(self, checker: Checker, path: tuple, action: dict[str, Any]) -> None:
        by_key = {f["key"]: f for f in checker.definition["form"]["fields"]}
        target = by_key.get(action["field"])
        if target is None:
            checker.missing((*path, "field"), "field", action["field"], by_key)
        elif target["type"] == "computed":
            checker.report((*path, "field"), f"{action['field']!r} is computed; its formula "
                                             "sets it", "definition.computed_set",
                           field=repr(action["field"]))
        else:
            wanted = formula_type(target)
            checker.formula((*path, "value"), action["value"], fields_of(checker),
                            wanted if isinstance(wanted, str) else None)


class AddTag(ActionType):
    name = "add_tag"
    position = 10
    labels = ("Add a tag", "添加标签")
    members = {"tag": {"type": "string", "minLength": 1, "maxLength": 50}}
    required = ("tag",)
    starting = {"tag": "tag"}
