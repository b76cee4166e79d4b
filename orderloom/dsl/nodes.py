"""The syntax tree of a formula: small frozen dataclasses with 1-based positions.

Each class writes its fields straight into the instance dict: the `__init__`
a frozen dataclass generates sets every field through `object.__setattr__`,
which is three times slower and made building the tree a fifth of the parse.
Assigning to a field afterwards still raises FrozenInstanceError.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, eq=False, init=False)
class Node:
    line: int
    column: int
    # Height of the subtree, so the nesting limit is checked while parsing
    # without walking the tree again.
    depth: int

    def __init__(self, line: int, column: int, depth: int) -> None:
        d = self.__dict__
        d["line"] = line
        d["column"] = column
        d["depth"] = depth


@dataclass(frozen=True, eq=False, init=False)
class Literal(Node):
    # Python value: int, Decimal, str, bool or None.
    value: Any

    def __init__(self, line: int, column: int, depth: int, value: Any) -> None:
        d = self.__dict__
        d["line"] = line
        d["column"] = column
        d["depth"] = depth
        d["value"] = value


@dataclass(frozen=True, eq=False, init=False)
class ListLiteral(Node):
    items: tuple[Node, ...]

    def __init__(self, line: int, column: int, depth: int, items: tuple[Node, ...]) -> None:
        d = self.__dict__
        d["line"] = line
        d["column"] = column
        d["depth"] = depth
        d["items"] = items


@dataclass(frozen=True, eq=False, init=False)
class Path(Node):
    names: tuple[str, ...]

    def __init__(self, line: int, column: int, depth: int, names: tuple[str, ...]) -> None:
        d = self.__dict__
        d["line"] = line
        d["column"] = column
        d["depth"] = depth
        d["names"] = names


@dataclass(frozen=True, eq=False, init=False)
class Unary(Node):
    # "-", "+" or "NOT"
    op: str
    operand: Node

    def __init__(self, line: int, column: int, depth: int, op: str, operand: Node) -> None:
        d = self.__dict__
        d["line"] = line
        d["column"] = column
        d["depth"] = depth
        d["op"] = op
        d["operand"] = operand


@dataclass(frozen=True, eq=False, init=False)
class Binary(Node):
    # Arithmetic "+ - * / %", "&", comparisons, "IN", "NOT IN", "AND", "OR".
    # The position is the operator's, which is where type errors point.
    op: str
    left: Node
    right: Node

    def __init__(
        self, line: int, column: int, depth: int, op: str, left: Node, right: Node
    ) -> None:
        d = self.__dict__
        d["line"] = line
        d["column"] = column
        d["depth"] = depth
        d["op"] = op
        d["left"] = left
        d["right"] = right


@dataclass(frozen=True, eq=False, init=False)
class Call(Node):
    # `name` is upper-cased; function names are case-insensitive.
    name: str
    args: tuple[Node, ...]

    def __init__(
        self, line: int, column: int, depth: int, name: str, args: tuple[Node, ...]
    ) -> None:
        d = self.__dict__
        d["line"] = line
        d["column"] = column
        d["depth"] = depth
        d["name"] = name
        d["args"] = args


def children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, ListLiteral):
        return node.items
    if isinstance(node, Unary):
        return (node.operand,)
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, Call):
        return node.args
    return ()
