"""Which fields a formula reads, and whether computed fields depend on each other
in a circle (which would make their values undefined)."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from orderloom.dsl import FormulaError
from orderloom.dsl.nodes import Node, Path, children
from orderloom.dsl.parser import parse


def nodes(source: str) -> Iterator[Node]:
    """Every node of ``source``'s tree; none when the formula does not parse (the
    checker reports that)."""
    try:
        stack: list[Node] = [parse(source)]
    except FormulaError:
        return
    while stack:
        node = stack.pop()
        yield node
        stack.extend(children(node))


def paths(source: str) -> list[Path]:
    """Every path ``source`` reads (``customer.tier``, ``items.qty``)."""
    return [n for n in nodes(source) if isinstance(n, Path)]


def field_names(source: str) -> set[str]:
    """The first name of every path in ``source`` (``customer.tier`` reads ``customer``);
    empty when the formula does not parse."""
    return {path.names[0] for path in paths(source)}


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
