"""The syntax tree of a formula: small frozen dataclasses with 1-based positions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, eq=False)
class Node:
    line: int
    column: int
    # Height of the subtree, so the nesting limit is checked while parsing
    # without walking the tree again.
    depth: int


@dataclass(frozen=True, eq=False)
class Literal(Node):
    # Python value: int, Decimal, str, bool or None.
    value: Any


@dataclass(frozen=True, eq=False)
class ListLiteral(Node):
    items: tuple[Node, ...]


@dataclass(frozen=True, eq=False)
class Path(Node):
    names: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class Unary(Node):
    # "-", "+" or "NOT"
    op: str
    operand: Node


@dataclass(frozen=True, eq=False)
class Binary(Node):
    # Arithmetic "+ - * / %", "&", comparisons, "IN", "NOT IN", "AND", "OR".
    # The position is the operator's, which is where type errors point.
    op: str
    left: Node
    right: Node


@dataclass(frozen=True, eq=False)
class Call(Node):
    # `name` is upper-cased; function names are case-insensitive.
    name: str
    args: tuple[Node, ...]


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
