"""A checked formula as JSON, for evaluating it in the browser (static/formula.js).

The browser does not parse formulas: the server sends each one already parsed and
checked, with every field path resolved to the scope it is read from and the type
each step is read as, so the browser applies the same conversions and rules as
the compiled Python function. The server stays authoritative: it recomputes on save.

    to_ast_json(source, fields, expected=None, money_places=2) -> dict

The result is plain JSON (numbers as text, so no digit is lost):

    {"formula": source, "type": "money", "money_places": 2 | null, "ast": node}

and each node is one of

    {"k": "lit", "v": null | true | "text" | {"int": "12"} | {"dec": "1.50"}}
    {"k": "list", "items": [node, ...]}
    {"k": "path", "level": 0, "steps": [{"name": "items", "lines": false, "type": T}, ...]}
        (a path into a look-up table also has "table": {name: [row, ...]}, the rows as
        stored, which the path is read from instead of the data)
    {"k": "unary", "op": "-" | "+" | "NOT", "x": node}
    {"k": "bin", "op": "+" | "=" | "IN" | "NOT IN" | "AND" | ..., "l": node, "r": node}
    {"k": "call", "name": "SUM", "args": [node, ...]}

each with "at": [line, column]. A type T is a scalar name ("money", "date" ...),
"record", or ["list", T].
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from .checker import Checked, check_tree
from .errors import FormulaError
from .nodes import Binary, Call, ListLiteral, Literal, Node, Path, Unary
from .parser import parse
from .types import (
    MONEY,
    ListType,
    LookupTable,
    RecordType,
    Type,
    parse_type,
    schema_from_fields,
)

__all__ = ["to_ast_json", "type_json"]


def type_json(t: Type) -> Any:
    if isinstance(t, RecordType):
        return "record"
    if isinstance(t, ListType):
        return ["list", type_json(t.element)]
    return t.name


def _literal(value: Any) -> Any:
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return {"int": str(value)}
    if isinstance(value, Decimal):
        return {"dec": str(value)}
    raise TypeError(f"a formula literal of an unknown kind: {value!r}")


def _node(node: Node, checked: Checked) -> dict[str, Any]:
    at = [node.line, node.column]
    if isinstance(node, Literal):
        return {"k": "lit", "v": _literal(node.value), "at": at}
    if isinstance(node, ListLiteral):
        return {"k": "list", "items": [_node(i, checked) for i in node.items], "at": at}
    if isinstance(node, Path):
        level, steps = checked.paths[id(node)]
        out = {"k": "path", "level": level, "at": at,
               "steps": [{"name": s.name, "lines": s.from_lines, "type": type_json(s.type)}
                         for s in steps]}
        first = steps[0].type
        if isinstance(first, LookupTable):
            # The rows travel with the formula: the browser reads the path from them.
            out["table"] = {steps[0].name: first.records()}
        return out
    if isinstance(node, Unary):
        return {"k": "unary", "op": node.op, "x": _node(node.operand, checked), "at": at}
    if isinstance(node, Binary):
        return {"k": "bin", "op": node.op, "l": _node(node.left, checked),
                "r": _node(node.right, checked), "at": at}
    if isinstance(node, Call):
        return {"k": "call", "name": node.name,
                "args": [_node(a, checked) for a in node.args], "at": at}
    raise TypeError(f"a formula node of an unknown kind: {node!r}")


def to_ast_json(source: str, fields: Mapping[str, Any] | RecordType | None,
                expected: str | Type | None = None, *, money_places: int = 2
                ) -> dict[str, Any]:
    """The checked formula as JSON; raises FormulaError as `compile` does."""
    tree = parse(source)
    schema = fields if isinstance(fields, RecordType) else schema_from_fields(fields or {})
    want = parse_type(expected, "expected") if expected is not None else None
    checked = check_tree(tree, source, schema, want)
    if checked.problems:
        raise FormulaError(checked.problems, source)
    money = checked.result == MONEY or want == MONEY
    return {"formula": source, "type": type_json(MONEY if money else checked.result),
            "money_places": money_places if money else None,
            "ast": _node(checked.root, checked)}
