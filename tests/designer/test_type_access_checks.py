"""The designer's checks of an order type's ``access`` (designer/type_access.py): each
rule that cannot mean what was written is a problem at its pointer."""
from __future__ import annotations

from orderloom.designer.validation import Context, validate_order_type
from tests.designer.samples import retail

ROLES = frozenset({"admin", "staff", "viewer", "hr", "finance"})


def problems(access: dict, **context) -> dict[str, str]:
    """The problems at the type's access itself."""
    definition = {**retail(), "access": access}
    return {p.pointer: p.message
            for p in validate_order_type(definition, Context(roles=ROLES, **context))
            if p.pointer.startswith("/access")}


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


def with_approval(access: dict) -> dict:
    definition = {**retail(), "access": access}
    approval = definition["workflow"]["approvals"][0]
    approval["approvers"] = {"roles": ["finance"], "users": ["zhao.lei"]}
    approval["escalate_to"] = "viewer"
    return definition


def test_transition_roles_and_approvers_that_access_act_refuses_are_problems_at_them():
    definition = with_approval({"see": {"roles": ["hr", "staff"]},
                                "act": {"roles": ["hr"]}})
    transitions = definition["workflow"]["transitions"]
    context = Context(roles=ROLES, users=frozenset({"zhao.lei"}),
                      roles_of_users={"zhao.lei": frozenset({"staff"})})
    found = {p.pointer: p.message for p in validate_order_type(definition, context)}
    expected = {f"/workflow/transitions/{i}/roles/{j}"
                for i, t in enumerate(transitions) for j, role in enumerate(t.get("roles", []))
                if role != "hr"}
    expected |= {"/workflow/approvals/0/approvers/roles/0",
                 "/workflow/approvals/0/approvers/users/0", "/workflow/approvals/0/escalate_to"}
    assert expected and set(found) == expected
    assert "access.act" in found["/workflow/approvals/0/escalate_to"]
    # Named under act by their username, a person of the role makes it one that can act.
    definition = with_approval({"see": {"roles": ["hr", "staff", "finance", "viewer"]},
                                "act": {"roles": ["hr", "finance", "viewer"],
                                        "users": ["zhao.lei"]}})
    found = {p.pointer for p in validate_order_type(definition, context)}
    assert not {p for p in found if "transitions" in p or "approvals" in p}, found
