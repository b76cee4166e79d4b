"""What a workflow state means for the business: its category.

A business user names the states of their workflow as they like ("已发货",
"with_courier", "closed"); the figures that add orders up (sales, customer value,
what is still owed, what has shipped) read the state's category instead, so they
stay right whatever the states are called. docs/designer.md explains each
category to the people who choose them.
"""
from __future__ import annotations

from enum import StrEnum
from typing import Any


class Category(StrEnum):
    OPEN = "open"
    """Being worked on and not shipped yet: entered, in review, approved, being made,
    picked or packed. A sale, and still work to do."""

    SHIPPED = "shipped"
    """The goods (all or some) have left, and the order is not finished: in transit,
    partly shipped, invoiced after shipping. A sale."""

    FULFILLED = "fulfilled"
    """The customer has what they ordered: delivered, completed, closed. A sale."""

    CANCELLED = "cancelled"
    """Ended, or ending, without a sale: cancelled, rejected, expired. Nobody owes
    anything for it."""

    RETURNED = "returned"
    """Sold, then the goods or the money came back: returned, refunded. No longer a
    sale, and nobody owes anything for it."""


CATEGORIES: tuple[str, ...] = tuple(c.value for c in Category)

# Orders in these categories are sales: sales figures, top products, customer value and
# what customers still owe count them.
SOLD = frozenset({Category.OPEN, Category.SHIPPED, Category.FULFILLED})
NOT_SOLD = frozenset(Category) - SOLD
# The goods have left the warehouse: an order in one of these is not "paid, not shipped".
GOODS_LEFT = frozenset({Category.SHIPPED, Category.FULFILLED})

# A state that declares no category (a definition saved before categories existed, or
# by a client that does not send one) means what most states of its kind mean.
DEFAULT_FOR_KIND: dict[str, Category] = {
    "start": Category.OPEN, "normal": Category.OPEN, "terminal": Category.FULFILLED}

# Categories a state of each kind cannot have, and why (the designer's message).
REFUSED_FOR_KIND: dict[str, tuple[frozenset[Category], str]] = {
    "start": (frozenset({Category.CANCELLED, Category.RETURNED}),
              "an order cannot begin cancelled or returned"),
    "terminal": (frozenset({Category.OPEN, Category.SHIPPED}),
                 "a terminal state ends the order, so it is neither open work nor on its "
                 "way"),
}


def category_of(state: dict[str, Any]) -> Category:
    """The category a workflow state declares, else its kind's default. A value that is
    not a category (only possible in a row stored oddly) reads as the default too."""
    declared = state.get("category")
    if declared in CATEGORIES:
        return Category(declared)
    return DEFAULT_FOR_KIND.get(state.get("kind"), Category.OPEN)


def category_in(definition: dict[str, Any], key: str) -> Category | None:
    """The category of the state ``key`` in a definition's workflow, or None when the
    workflow has no such state."""
    for state in definition.get("workflow", {}).get("states", []):
        if isinstance(state, dict) and state.get("key") == key:
            return category_of(state)
    return None


# The code of each kind's refusal (designer/problems.py), whose words say its reason.
REFUSAL_CODES = {"start": "definition.start_category",
                 "terminal": "definition.terminal_category"}


def problem_of(state: dict[str, Any]) -> tuple[str, str, dict[str, str]] | None:
    """Why a state's declared category does not fit its kind (English, code and the
    placeholders' values), or None when it does."""
    declared = state.get("category")
    refused, why = REFUSED_FOR_KIND.get(state.get("kind"), (frozenset(), ""))
    if declared in refused:
        allowed = ", ".join(c for c in CATEGORIES if c not in refused)
        return (f"a {state['kind']} state cannot be {declared}: {why}; choose one of {allowed}",
                REFUSAL_CODES[state["kind"]], {"category": str(declared), "allowed": allowed})
    return None


def for_editor() -> dict[str, Any]:
    """The categories and their rules as the designer's editor reads them."""
    return {"categories": list(CATEGORIES),
            "default_for_kind": {kind: c.value for kind, c in DEFAULT_FOR_KIND.items()},
            "refused_for_kind": {kind: sorted(c.value for c in refused)
                                 for kind, (refused, _why) in REFUSED_FOR_KIND.items()}}
