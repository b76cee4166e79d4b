"""Every workflow state says what it means for the business (its category), in the
drafts and in the published versions.

Until this revision sales, customer value, finance and reconciliation matched
states by their English names; from now on they read each state's category. So
that stored order types keep their figures, the names those modules matched (and
the built-in templates' states) are frozen here and turned into categories; any
other state gets its kind's default. Published versions are otherwise immutable:
this writes down, once, the meaning the code used to guess for them.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

# A frozen copy of the name rules as they were at revision 0016 (reports/dashboards.py
# NOT_SOLD, customers/records.py NOT_COUNTED_STATES, payments/reconciliation.py
# SHIPPED_STATES), with the built-in templates' other state names: a migration must
# not change when those modules do.
BY_NAME = {
    **dict.fromkeys(("cancelled", "canceled", "rejected", "expired", "quote_expired",
                     "void", "voided"), "cancelled"),
    # Money or goods came back; "replaced" ends the returns template's return requests.
    **dict.fromkeys(("refunded", "returned", "replaced"), "returned"),
    **dict.fromkeys(("shipped", "in_transit", "out_for_delivery", "partially_shipped",
                     "invoiced"), "shipped"),
    **dict.fromkeys(("delivered", "completed", "fulfilled", "closed", "return_requested",
                     "return_approved", "return_received"), "fulfilled"),
}
DEFAULT_FOR_KIND = {"start": "open", "normal": "open", "terminal": "fulfilled"}
REFUSED_FOR_KIND = {"start": ("cancelled", "returned"), "terminal": ("open", "shipped")}

order_types = sa.table("order_types", sa.column("id", sa.Integer),
                       sa.column("draft", JSON))
definition_versions = sa.table("definition_versions", sa.column("id", sa.Integer),
                               sa.column("definition", JSON))


def category_for(state: dict[str, Any]) -> str:
    kind = state.get("kind")
    found = BY_NAME.get(state.get("key"), DEFAULT_FOR_KIND.get(kind, "open"))
    if found in REFUSED_FOR_KIND.get(kind, ()):
        return DEFAULT_FOR_KIND[kind]
    return found


def _states(definition: Any) -> list[dict[str, Any]]:
    # Drafts are stored as they were typed, valid or not: only a list of states is
    # touched, and only states that are objects.
    workflow = definition.get("workflow") if isinstance(definition, dict) else None
    states = workflow.get("states") if isinstance(workflow, dict) else None
    return [s for s in states if isinstance(s, dict)] if isinstance(states, list) else []


def with_categories(definition: Any) -> bool:
    """Give every state of ``definition`` without a category one; True if any changed."""
    changed = False
    for state in _states(definition):
        if "category" not in state:
            state["category"] = category_for(state)
            changed = True
    return changed


def without_categories(definition: Any) -> bool:
    changed = False
    for state in _states(definition):
        if state.pop("category", None) is not None:
            changed = True
    return changed


def _rewrite(change) -> None:
    bind = op.get_bind()
    for table, column in ((order_types, order_types.c.draft),
                          (definition_versions, definition_versions.c.definition)):
        for row_id, document in bind.execute(sa.select(table.c.id, column)).all():
            if change(document):
                bind.execute(table.update().where(table.c.id == row_id)
                             .values({column.name: document}))


def upgrade() -> None:
    _rewrite(with_categories)


def downgrade() -> None:
    # The schema of revision 0016 allows no category on a state.
    _rewrite(without_categories)
