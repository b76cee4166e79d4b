"""The designer's checks of an order type's ``access`` (designer/type_access.py): each
rule that cannot mean what was written is a problem at its pointer."""
from __future__ import annotations

from orderloom.designer.validation import Context, validate_order_type
from tests.designer.samples import retail

ROLES = frozenset({"admin", "staff", "viewer", "hr", "finance"})


def problems(access: dict, **context) -> dict[str, str]:
    definition = {**retail(), "access": access}
    return {p.pointer: p.message
            for p in validate_order_type(definition, Context(roles=ROLES, **context))}


def test_an_empty_rule_is_a_problem_at_it_rather_than_locking_everyone_out():
    for empty in ({}, {"roles": []}, {"roles": [], "users": []}):
        found = problems({"see": empty})
        assert list(found) == ["/access/see"], empty
        assert "nobody at all could see these orders" in found["/access/see"]
    found = problems({"see": {"roles": ["hr"]}, "act": {"users": []}})
    assert list(found) == ["/access/act"]
    assert "nobody at all could act on these orders" in found["/access/act"]
    assert problems({"see": {"roles": ["hr"]}, "act": {"roles": ["hr"]}}) == {}
