"""Field access in a definition: checked at save, and read as one answer per person."""
from __future__ import annotations

from orderloom.designer.field_access import field_access
from orderloom.designer.validation import Context, validate_order_type
from tests.designer.samples import retail


def _problems(definition) -> dict[str, str]:
    return {p.pointer: p.message
            for p in validate_order_type(definition, Context())}


def _with_access(field_access_rule, column_rule=None):
    d = retail()
    fields = d["form"]["fields"]
    next(f for f in fields if f["key"] == "priority")["access"] = field_access_rule
    if column_rule is not None:
        items = next(f for f in fields if f["key"] == "items")
        next(c for c in items["fields"] if c["key"] == "price")["access"] = column_rule
    return d


def test_a_field_limited_to_known_roles_is_valid():
    assert _problems(_with_access({"see": ["admin", "staff"], "edit": ["admin"]},
                                  {"see": ["admin"]})) == {}


def test_an_unknown_role_is_named_at_its_pointer():
    found = _problems(_with_access({"see": ["admin", "finanse"]}, {"edit": ["stafff"]}))
    assert found["/form/fields/2/access/see/1"].startswith(
        "there is no role 'finanse'")
    assert "did you mean 'staff'?" in found["/form/fields/3/fields/2/access/edit/0"]


def test_a_role_that_may_edit_but_not_see_is_a_problem():
    found = _problems(_with_access({"see": ["admin"], "edit": ["admin", "staff"]}))
    assert found == {"/form/fields/2/access/edit/1":
                     "role 'staff' may change this field but not see it; add it to who "
                     "may see it too"}


def test_an_access_rule_with_an_unknown_member_is_refused_by_the_schema():
    found = _problems(_with_access({"see": ["admin"], "hide": ["staff"]}))
    assert list(found) == ["/form/fields/2/access"]


def test_who_sees_and_changes_what():
    d = _with_access({"see": ["admin", "staff"], "edit": ["admin"]}, {"see": ["admin"]})
    viewer = field_access(d, ["viewer"])
    staff = field_access(d, ["staff"])
    both = field_access(d, ["viewer", "admin"])
    assert viewer.hidden == {"priority"} and viewer.hidden_columns == {"items": {"price"}}
    assert staff.hidden == set() and staff.read_only == {"priority"}
    assert not both.restricts
    lines = [{"sku": "A", "qty": 1, "price": "9.00", "amount": "9.00"}]
    assert viewer.visible({"priority": "rush", "items": lines, "note": "x"}) == {
        "items": [{"sku": "A", "qty": 1, "amount": "9.00"}], "note": "x"}
    assert field_access(retail(), ["viewer"]).visible({"priority": "rush"}) == {
        "priority": "rush"}


def test_writing_a_field_or_column_one_may_not_change_is_named_by_its_path():
    d = _with_access({"see": ["admin", "staff"], "edit": ["admin"]}, {"edit": ["admin"]})
    staff = field_access(d, ["staff"])
    before = {"priority": "normal", "items": [{"sku": "A", "qty": 1, "price": "9.00"}]}
    assert staff.unwritable(before, before) == []  # sending back what was read is fine
    changed = {"priority": "rush", "items": [{"sku": "A", "qty": 2, "price": "1.00"}]}
    assert staff.unwritable(changed, before) == [
        (("priority",), "you may not change this field"),
        (("items", "0", "price"), "you may not change this column")]
    assert field_access(d, ["admin"]).unwritable(changed, before) == []


def test_hidden_line_values_follow_their_line_not_its_place():
    # Once they were merged by place: deleting line A gave line B the price of A.
    viewer = field_access(_with_access({}, {"see": ["admin"]}), ["viewer"])
    before = {"items": [{"sku": "A", "qty": 1, "price": "5.00"},
                        {"sku": "B", "qty": 1, "price": "9.00"}]}
    assert viewer.with_hidden_kept({"items": [{"sku": "B", "qty": 2}]}, before) == {
        "items": [{"sku": "B", "qty": 2, "price": "9.00"}]}
    reordered = {"items": [{"sku": "C", "qty": 1}, {"sku": "B", "qty": 1},
                           {"sku": "A", "qty": 1}]}
    assert viewer.with_hidden_kept(reordered, before) == {
        "items": [{"sku": "C", "qty": 1}, {"sku": "B", "qty": 1, "price": "9.00"},
                  {"sku": "A", "qty": 1, "price": "5.00"}]}
    # Two lines of one product are told apart by which of them they are.
    twice = {"items": [{"sku": "A", "qty": 1, "price": "5.00"},
                       {"sku": "A", "qty": 3, "price": "4.00"}]}
    assert viewer.with_hidden_kept({"items": [{"sku": "A", "qty": 1}]}, twice) == {
        "items": [{"sku": "A", "qty": 1, "price": "5.00"}]}


def test_deleting_a_line_that_is_not_the_last_is_no_change_of_a_read_only_column():
    staff = field_access(_with_access({}, {"edit": ["admin"]}), ["staff"])
    before = {"items": [{"sku": "A", "qty": 1, "price": "5.00"},
                        {"sku": "B", "qty": 1, "price": "9.00"}]}
    assert staff.unwritable({"items": [{"sku": "B", "qty": 1, "price": "9.00"}]},
                            before) == []
    # Moving a price onto another line is still refused at that line.
    assert staff.unwritable({"items": [{"sku": "B", "qty": 1, "price": "5.00"}]},
                            before) == [(("items", "0", "price"),
                                         "you may not change this column")]
