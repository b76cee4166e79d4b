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


def test_a_person_under_act_is_judged_by_every_way_see_lets_them_through():
    access = {"see": {"roles": ["hr"]}, "act": {"users": ["li.na"]}}
    # Li Na holds hr, which see names: she sees, so she may act.
    assert problems(access, users=frozenset({"li.na"}),
                    roles_of_users={"li.na": frozenset({"hr"})}) == {}
    # Who holds which role is not known (a package on its own): nothing is said.
    assert problems(access) == {}
    # Holding only staff, nothing lets her see: said at her name.
    found = problems(access, users=frozenset({"li.na"}),
                     roles_of_users={"li.na": frozenset({"staff"})})
    assert list(found) == ["/access/act/users/0"]
    assert "add them to see too" in found["/access/act/users/0"]
    # A role is still compared with see's roles.
    found = problems({"see": {"roles": ["hr"]}, "edit": {"roles": ["staff"]}})
    assert list(found) == ["/access/edit/roles/0"]
