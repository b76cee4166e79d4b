"""Every kind of definition mistake is found, at its JSON Pointer, with a clear message."""
from __future__ import annotations

from orderloom.designer.validation import Context, validate_order_type, validate_package
from tests.designer.samples import retail

WAREHOUSES = Context(warehouses=frozenset({"SH", "HZ"}))


def problems_of(definition, context=WAREHOUSES) -> dict[str, str]:
    return {p.pointer: p.message for p in validate_order_type(definition, context)}


def test_the_sample_is_valid():
    assert validate_order_type(retail(), WAREHOUSES) == []


def test_structure_errors_point_at_the_member():
    d = retail()
    del d["workflow"]["states"][1]["kind"]
    d["form"]["fields"][0]["type"] = "colour"
    d["form"]["fields"][1]["colour"] = "red"
    found = problems_of(d)
    assert found["/workflow/states/1"] == "'kind' is required"
    assert found["/form/fields/0/type"].startswith('must be one of "text", "long_text"')
    assert found["/form/fields/1"] == "unknown member ('colour' was unexpected)"


def test_a_choice_without_options_is_reported():
    d = retail()
    del d["form"]["fields"][2]["options"]
    del d["form"]["fields"][2]["default"]
    assert problems_of(d) == {"/form/fields/2": "'options' is required"}


def test_a_formula_with_an_unknown_field_has_line_column_and_did_you_mean():
    d = retail()
    d["rules"][0]["when"] = 'priorty = "rush"'
    (problem,) = validate_order_type(d, WAREHOUSES)
    assert problem.pointer == "/rules/0/when"
    assert (problem.line, problem.column) == (1, 1)
    assert problem.message == "unknown field 'priorty'; did you mean 'priority'?"
    assert problem.excerpt.splitlines() == ['priorty = "rush"', "^"]


def test_a_condition_that_is_not_boolean_is_reported():
    d = retail()
    d["workflow"]["transitions"][3]["condition"] = "total * 2"
    found = problems_of(d)
    assert list(found) == ["/workflow/transitions/3/condition"]
    assert "boolean" in found["/workflow/transitions/3/condition"]


def test_a_computed_formula_must_fit_its_type():
    d = retail()
    d["form"]["fields"][4]["formula"] = 'customer.name & "!"'
    found = problems_of(d)
    assert list(found) == ["/form/fields/4/formula"]
    assert "text" in found["/form/fields/4/formula"]
    assert "money" in found["/form/fields/4/formula"]


def test_line_formulas_see_the_line_columns():
    d = retail()
    d["form"]["fields"][3]["fields"][1]["validation"]["formula"] = "qtty <= 1000"
    found = problems_of(d)
    assert found == {"/form/fields/3/fields/1/validation/formula":
                     "unknown field 'qtty'; did you mean 'qty'?"}


def test_duplicate_keys_are_reported_at_the_second():
    d = retail()
    d["form"]["fields"][6]["key"] = "priority"
    d["workflow"]["states"][2]["key"] = "review"
    found = problems_of(d)
    assert found["/form/fields/6/key"] == ("field key 'priority' is used twice "
                                           "(first at /form/fields/2)")
    assert found["/workflow/states/2/key"].startswith("state key 'review' is used twice")


def test_unknown_states_fields_roles_and_approvals_are_named():
    d = retail()
    d["workflow"]["transitions"][0]["to"] = "reviw"
    d["workflow"]["transitions"][0]["roles"] = ["staf"]
    d["workflow"]["transitions"][0]["required_fields"] = ["custmer"]
    d["rules"][1]["then"][0]["approval"] = "manager"
    found = problems_of(d)
    assert found["/workflow/transitions/0/to"] == "there is no state 'reviw'; did you mean " \
                                                  "'review'?"
    assert found["/workflow/transitions/0/roles/0"].startswith(
        "there is no role 'staf'; did you mean 'staff'?")
    assert found["/workflow/transitions/0/required_fields/0"] == \
        "there is no field 'custmer'; did you mean 'customer'?"
    assert found["/rules/1/then/0/approval"] == \
        "there is no approval 'manager'; did you mean 'manager_review'?"


def test_custom_roles_from_the_context_are_accepted():
    d = retail()
    d["workflow"]["transitions"][0]["roles"] = ["finance"]
    assert "/workflow/transitions/0/roles/0" in problems_of(d)
    context = Context(roles=WAREHOUSES.roles | {"finance"}, warehouses=WAREHOUSES.warehouses)
    assert problems_of(d, context) == {}


def test_unknown_warehouses_are_named_when_warehouses_are_known():
    d = retail()
    d["routing"]["rules"][0]["warehouse"] = "SZ"
    d["routing"]["regions"]["Zhejiang"] = ["HZ", "BJ"]
    found = problems_of(d)
    assert found["/routing/rules/0/warehouse"].startswith("there is no warehouse 'SZ'")
    assert found["/routing/regions/Zhejiang/1"].startswith("there is no warehouse 'BJ'")
    assert problems_of(d, Context()) == {}  # warehouses unknown: not checked


def test_unknown_approvers_are_named_when_users_are_known():
    # Once a mistyped approver ("manger1") showed "No problems".
    d = retail()
    d["workflow"]["approvals"][0]["approvers"] = {"users": ["manager1", "manger1", "staff"]}
    context = Context(warehouses=WAREHOUSES.warehouses, users=frozenset({"manager1"}))
    found = problems_of(d, context)
    assert found == {
        "/workflow/approvals/0/approvers/users/1":
            "there is no user 'manger1'; did you mean 'manager1'?",
        "/workflow/approvals/0/approvers/users/2":
            "'staff' is a role, not a user: tick it under approver roles instead"}
    assert problems_of(d) == {}  # users unknown: not checked


def test_two_fields_with_one_label_are_reported_at_the_later_one():
    d = retail()
    first = d["form"]["fields"][0]
    d["form"]["fields"].append({"key": "gift_note", "type": "text",
                                "label": {"en": f" {first['label']['en'].upper()} ",
                                          "zh": "别的"}})
    d["form"]["layout"][0]["fields"].append("gift_note")
    at = f"/form/fields/{len(d['form']['fields']) - 1}/label"
    assert problems_of(d) == {at: f"field {first['key']!r} already has the label "
                                  f"{first['label']['en'].upper()!r}; give this one a "
                                  "label staff can tell apart"}


def test_empty_boxes_a_new_rule_or_approval_starts_with_ask_to_be_filled():
    d = retail()
    d["rules"][0]["when"] = ""
    d["workflow"]["approvals"][0]["approved"] = ""
    found = problems_of(d)
    assert found["/rules/0/when"] == "is empty; fill it in"
    assert found["/workflow/approvals/0/approved"] == "is empty; fill it in"


def test_a_state_that_cannot_be_reached_is_reported():
    d = retail()
    d["workflow"]["states"].append({"key": "limbo", "label": {"en": "Limbo"}, "kind": "normal"})
    assert problems_of(d) == {"/workflow/states/6": "state 'limbo' cannot be reached from the "
                                                    "start state 'draft'"}


def test_a_state_from_which_no_terminal_state_can_be_reached_is_reported():
    d = retail()
    d["workflow"]["states"].append({"key": "stuck", "label": {"en": "Stuck"}, "kind": "normal"})
    d["workflow"]["transitions"].append({"key": "park", "from": ["shipped"], "to": "stuck",
                                         "label": {"en": "Park"}})
    assert problems_of(d) == {"/workflow/states/6": "from state 'stuck' no terminal state can "
                                                    "be reached; orders would be stuck there"}


def test_nothing_may_leave_a_terminal_state():
    d = retail()
    d["workflow"]["transitions"].append({"key": "revive", "from": ["cancelled"], "to": "draft",
                                         "label": {"en": "Revive"}})
    assert problems_of(d) == {"/workflow/transitions/4/from/0":
                              "'cancelled' is a terminal state; nothing may leave it"}


def test_exactly_one_start_state():
    d = retail()
    d["workflow"]["states"][1]["kind"] = "start"
    assert problems_of(d)["/workflow/states"] == ("there must be exactly one start state; "
                                                   "found 2 (draft, review)")


def test_computed_fields_in_a_circle_are_reported():
    d = retail()
    d["form"]["fields"][4]["formula"] = "discount + SUM(items.amount)"
    found = problems_of(d)
    assert found == {"/form/fields/4/formula": "computed fields depend on each other in a "
                                               "circle: total -> discount -> total"}


def test_layout_must_name_existing_fields_once():
    d = retail()
    d["form"]["layout"][1]["fields"][0] = "priorit"
    d["form"]["layout"][1]["fields"].append("customer")
    found = problems_of(d)
    assert found["/form/layout/1/fields/0"] == "there is no field 'priorit'; did you mean " \
                                               "'priority'?"
    assert found["/form/layout/1/fields/5"] == ("field 'customer' is placed twice (also at "
                                                "/form/layout/0/fields/0)")


def test_a_default_must_be_an_option_and_min_not_above_max():
    d = retail()
    d["form"]["fields"][2]["default"] = "slow"
    d["form"]["fields"][3]["fields"][1]["max"] = 0
    found = problems_of(d)
    assert found["/form/fields/2/default"] == "the default 'slow' is not one of the options"
    assert found["/form/fields/3/fields/1/min"] == "min (1) is greater than max (0)"


def test_set_field_must_target_an_entered_field_with_a_fitting_value():
    d = retail()
    d["rules"][0]["then"] = [{"type": "set_field", "field": "total", "value": "1"},
                             {"type": "set_field", "field": "note", "value": "total > 1"}]
    found = problems_of(d)
    assert found["/rules/0/then/0/field"] == "'total' is computed; its formula sets it"
    assert "boolean" in found["/rules/0/then/1/value"]


def test_templates_with_syntax_errors_are_reported():
    d = retail()
    d["print_templates"][0]["template"] = "{% for line in order.items %}"
    found = problems_of(d)
    assert found["/print_templates/0/template"].startswith("template error on line 1:")


def test_decision_table_cells_use_the_input_type():
    d = retail()
    table = d["decision_tables"][0]
    table["rows"][0]["conditions"] = ["value > \"big\"", "value IN [\"Zhejiang\"]", "x"]
    found = problems_of(d)
    assert "/decision_tables/0/rows/0/conditions/0" in found
    assert found["/decision_tables/0/rows/0/conditions"] == (
        "the row has 3 condition cells but the table has 2 inputs")


def test_escalation_needs_both_members_and_automatic_needs_one_trigger():
    d = retail()
    del d["workflow"]["approvals"][0]["escalate_to"]
    d["workflow"]["automatic"][0]["when"] = "total > 1"
    found = problems_of(d)
    assert found["/workflow/approvals/0/escalate_to"] == ("escalation needs both "
                                                          "escalate_after_hours and escalate_to")
    assert found["/workflow/automatic/0"].startswith("an automatic transition needs exactly one")


def test_every_error_is_reported_at_once():
    d = retail()
    d["rules"][0]["when"] = "nope"
    d["workflow"]["transitions"][0]["to"] = "nowhere"
    d["form"]["layout"][0]["fields"][0] = "ghost"
    assert len(validate_order_type(d, WAREHOUSES)) >= 3


def test_a_package_checks_each_order_type_under_its_pointer():
    bad = retail()
    bad["rules"][0]["when"] = "nope"
    package = {"format": "orderloom-package/1", "roles": [{"name": "finance"}],
               "master_data": {"warehouses": [{"code": "SH", "name": "Shanghai"},
                                              {"code": "HZ", "name": "Hangzhou"}]},
               "order_types": [retail(), bad, retail()]}
    found = {p.pointer: p.message for p in validate_package(package)}
    assert "/order_types/1/rules/0/when" in found
    assert found["/order_types/2/key"] == ("order type 'retail_order' appears twice "
                                           "(first at /order_types/0)")


def test_a_state_category_must_fit_the_kind_of_state():
    d = retail()
    d["workflow"]["states"][0]["category"] = "cancelled"   # draft, the start state
    d["workflow"]["states"][4]["category"] = "open"        # delivered, terminal
    d["workflow"]["states"][5]["category"] = "shipped"     # cancelled, terminal
    found = problems_of(d)
    assert found == {
        "/workflow/states/0/category": "a start state cannot be cancelled: an order cannot "
        "begin cancelled or returned; choose one of open, shipped, fulfilled",
        "/workflow/states/4/category": "a terminal state cannot be open: a terminal state "
        "ends the order, so it is neither open work nor on its way; choose one of fulfilled, "
        "cancelled, returned",
        "/workflow/states/5/category": "a terminal state cannot be shipped: a terminal state "
        "ends the order, so it is neither open work nor on its way; choose one of fulfilled, "
        "cancelled, returned"}


def test_a_category_that_does_not_exist_is_named_with_the_ones_that_do():
    d = retail()
    d["workflow"]["states"][3]["category"] = "sold"
    assert problems_of(d)["/workflow/states/3/category"] == (
        'must be one of "open", "shipped", "fulfilled", "cancelled", "returned"')


def test_a_definition_without_categories_is_still_valid():
    # Definitions saved before categories existed, and clients that do not send them:
    # each state then means what its kind usually means (docs/designer.md).
    d = retail()
    for state in d["workflow"]["states"]:
        del state["category"]
    assert validate_order_type(d, WAREHOUSES) == []


def test_the_served_schema_offers_exactly_the_categories_the_figures_read():
    from orderloom.designer import schemas
    from orderloom.designer.state_categories import CATEGORIES

    state = schemas.load("order-type")["$defs"]["state"]["properties"]["category"]
    assert tuple(state["enum"]) == CATEGORIES
