"""What the designer needs from the platform: the context definitions are checked
in (roles that exist), and translation of designer errors into HTTP problems."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from orderloom.designer.problems import DefinitionError
from orderloom.designer.validation import Context
from orderloom.platform.models import Role
from orderloom.platform.problems import Problem
from orderloom.runtime.stock.catalog import Warehouse


def design_context(session: Session) -> Context:
    roles = frozenset(session.scalars(select(Role.name)))
    # Before any warehouse is set up, designs may name the ones to come.
    warehouses = frozenset(session.scalars(select(Warehouse.code))) or None
    return Context(roles=roles, warehouses=warehouses)


def definition_problem(error: DefinitionError, status: int = 422) -> Problem:
    problems = error.problems
    summary = "; ".join(str(p) for p in problems[:3])
    if len(problems) > 3:
        summary += f"; and {len(problems) - 3} more"
    return Problem(status, summary or "invalid definition",
                   errors=[p.as_json() for p in problems])
