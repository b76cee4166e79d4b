"""Which fields a formula reads, and whether computed fields depend on each other
in a circle (which would make their values undefined)."""
from __future__ import annotations

from typing import Any

from orderloom.dsl import FormulaError
from orderloom.dsl.nodes import Binary, Call, ListLiteral, Node, Path, Unary
from orderloom.dsl.parser import parse


def field_names(source: str) -> set[str]:
    """The first name of every path in ``source`` (``customer.tier`` reads ``customer``);
    empty when the formula does not parse (the checker reports that)."""
    try:
        tree = parse(source)
    except FormulaError:
        return set()
    names: set[str] = set()
    stack: list[Node] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, Path):
            names.add(node.names[0])
        elif isinstance(node, Binary):
            stack.extend((node.left, node.right))
        elif isinstance(node, Unary):
            stack.append(node.operand)
        elif isinstance(node, Call):
            stack.extend(node.args)
        elif isinstance(node, ListLiteral):
            stack.extend(node.items)
    return names


def computed_order(definition: dict[str, Any]) -> list[str] | None:
    """Computed field keys in an order where each comes after those it reads, or
    None when there is a circle."""
    return _topological(definition)[0]


def computed_cycle(definition: dict[str, Any]) -> tuple[int, list[str]] | None:
    """The first circle among computed fields as (index of a field in it, the names
    around the circle), or None."""
    return _topological(definition)[1]


def _topological(definition: dict[str, Any]):
    fields = definition.get("form", {}).get("fields", [])
    computed = {f["key"]: i for i, f in enumerate(fields) if f.get("type") == "computed"}
    reads = {key: field_names(fields[i]["formula"]) & computed.keys()
             for key, i in computed.items()}
    order: list[str] = []
    state: dict[str, int] = {}  # 1 = being visited, 2 = done

    def visit(key: str, trail: list[str]) -> list[str] | None:
        if state.get(key) == 2:
            return None
        if state.get(key) == 1:
            return trail[trail.index(key):] + [key]
        state[key] = 1
        for dependency in sorted(reads[key]):
            circle = visit(dependency, trail + [key])
            if circle:
                return circle
        state[key] = 2
        order.append(key)
        return None

    for key in computed:
        circle = visit(key, [])
        if circle:
            return None, (computed[circle[0]], circle)
    return order, None
