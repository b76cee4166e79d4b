"""Look-up tables a designer keeps in an order type, and formulas that read them (and
ADDRESSPART, which splits a Chinese address):
checked when the draft is saved, refused at publish with the message at the formula,
used by rules and computed fields on real orders, exported with the order type."""
from __future__ import annotations

import json

import pytest

from orderloom.designer.validation import validate_order_type
from tests.designer.samples import retail
from tests.platform.test_api_tokens import assert_problem, bearer
from tests.runtime.support import SAMPLE, create

FREIGHT = {
    "key": "freight",
    "label": {"en": "Freight rates", "zh": "运费表"},
    "columns": [{"key": "province", "label": {"en": "Province", "zh": "省份"}, "type": "text"},
                {"key": "rate", "label": {"en": "Rate", "zh": "运费"}, "type": "money"},
                {"key": "remote", "label": {"en": "Remote", "zh": "偏远"}, "type": "boolean"}],
    "rows": [{"province": "Zhejiang", "rate": "8.00", "remote": False},
             {"province": "Xinjiang", "rate": "25.50", "remote": True},
             {"province": "Guangdong", "rate": 12}],
}


def with_freight(**rule) -> dict:
    """The sample order type with the freight table, a computed freight fee read from
    it and a rule that tags orders going somewhere remote."""
    d = retail()
    d["lookup_tables"] = [json.loads(json.dumps(FREIGHT))]
    d["form"]["fields"].append({
        "key": "freight_fee", "type": "computed", "label": {"en": "Freight"},
        "formula": "XLOOKUP(ship_to.province, freight.province, freight.rate, 30)",
        "result_type": "money"})
    d["rules"].append({"key": "remote_area", "when": rule.get(
        "when", "XLOOKUP(ship_to.province, freight.province, freight.remote, FALSE)"),
        "then": [{"type": "add_tag", "tag": "remote"}]})
    return d


def problems(d: dict) -> list[tuple[str, str]]:
    return [(p.pointer, p.message) for p in validate_order_type(d)]


def test_a_formula_reading_a_table_is_valid():
    assert problems(with_freight()) == []


def test_a_wrong_column_is_a_problem_at_the_formula_with_a_did_you_mean():
    d = with_freight(when="XLOOKUP(ship_to.province, freight.province, freight.remot, FALSE)")
    [problem] = validate_order_type(d)
    assert problem.pointer == "/rules/2/when"
    assert problem.message == "freight has no field 'remot'; did you mean 'remote'?"
    assert (problem.line, problem.column) == (1, 53)  # at "remot"


def test_an_unknown_table_is_a_problem_at_the_formula():
    d = with_freight(when="XLOOKUP(ship_to.province, fright.province, fright.remote, FALSE)")
    # Both places that name it, each at its own column.
    assert [(p.column, p.message) for p in validate_order_type(d)] == [
        (27, "unknown field 'fright'; did you mean 'freight'?"),
        (44, "unknown field 'fright'; did you mean 'freight'?")]


def test_looking_a_number_up_in_a_text_column_is_a_problem():
    d = with_freight(when="XLOOKUP(total, freight.province, freight.remote, FALSE)")
    assert problems(d) == [("/rules/2/when", "XLOOKUP cannot look for money in a list of text")]


def test_the_result_has_the_type_of_the_column():
    d = with_freight(when="XLOOKUP(ship_to.province, freight.province, freight.rate, 0)")
    assert problems(d) == [("/rules/2/when", "the condition must be boolean, got money")]


def test_a_table_may_not_take_the_name_of_a_field():
    d = with_freight()
    d["lookup_tables"][0]["key"] = "priority"
    assert ("/lookup_tables/0/key", "look-up table key 'priority' is already the name of a "
            "field; formulas could not tell them apart") in problems(d)


@pytest.mark.parametrize(("column", "value", "message"), [
    ("rate", "cheap", "must be a number"),
    ("rate", "1.005", "CNY has 2 decimal places; 1.005 has more"),
    ("rate", True, "must be a number, not TRUE or FALSE"),
    ("remote", "perhaps", "the value should be TRUE or FALSE, got text"),
    ("provnce", "Tibet", "there is no column 'provnce'; did you mean 'province'?"),
])
def test_a_cell_that_does_not_fit_its_column_is_a_problem_at_the_cell(column, value, message):
    d = with_freight()
    d["lookup_tables"][0]["rows"][1][column] = value
    assert problems(d) == [(f"/lookup_tables/0/rows/1/{column}", message)]


def test_two_columns_with_one_key_are_a_problem():
    d = with_freight()
    d["lookup_tables"][0]["columns"].append(
        {"key": "rate", "label": {"en": "Rate again"}, "type": "number"})
    assert ("/lookup_tables/0/columns/3/key", "column key 'rate' is used twice (first at "
            "/lookup_tables/0/columns/1)") in problems(d)


# --- over HTTP: the designer's draft, publish, orders -----------------------------------------

@pytest.fixture
def designer(client, token_for):
    return bearer(token_for("designer"))


@pytest.fixture
def staff(token_for):
    return bearer(token_for("staff"))


def test_publish_is_refused_on_a_wrong_column_and_the_look_up_works_once_fixed(
        client, designer, staff):
    wrong = with_freight(when="XLOOKUP(ship_to.province, freight.province, freight.far, FALSE)")
    saved = client.post("/api/v1/order-types", json=wrong, headers=designer)
    assert saved.status_code == 201
    assert saved.get_json()["errors"] == [{
        "pointer": "/rules/2/when", "detail": "freight has no field 'far'", "line": 1,
        "column": 53}]
    body = assert_problem(client.post("/api/v1/order-types/retail_order/publish",
                                      headers=designer), 422)
    assert body["errors"][0]["pointer"] == "/rules/2/when"

    client.put("/api/v1/order-types/retail_order/draft", json=with_freight(), headers=designer)
    published = client.post("/api/v1/order-types/retail_order/publish", headers=designer)
    assert published.status_code == 201, published.get_json()

    remote = create(client, staff, {**SAMPLE, "ship_to": {"country": "CN",
                                                          "province": "Xinjiang"}})
    assert remote.status_code == 201, remote.get_json()
    assert remote.get_json()["data"]["freight_fee"] == "25.50"
    assert "remote" in remote.get_json()["tags"]
    near = create(client, staff).get_json()  # Zhejiang
    assert near["data"]["freight_fee"] == "8.00"
    assert "remote" not in near["tags"]
    elsewhere = create(client, staff, {**SAMPLE, "ship_to": {"country": "CN",
                                                             "province": "Tibet"}}).get_json()
    assert elsewhere["data"]["freight_fee"] == "30.00"


def test_a_changed_row_is_listed_in_the_publish_diff_and_changes_new_orders_only(
        client, designer, staff):
    client.post("/api/v1/order-types", json=with_freight(), headers=designer)
    client.post("/api/v1/order-types/retail_order/publish", headers=designer)
    before = create(client, staff).get_json()
    d = with_freight()
    d["lookup_tables"][0]["rows"][0]["rate"] = "9.50"
    client.put("/api/v1/order-types/retail_order/draft", json=d, headers=designer)
    second = client.post("/api/v1/order-types/retail_order/publish", headers=designer)
    assert second.status_code == 201
    assert {(c["what"], c["key"], c["change"]) for c in second.get_json()["changes"]} == {
        ("look-up table", "freight", "changed")}
    after = create(client, staff).get_json()
    assert (before["data"]["freight_fee"], after["data"]["freight_fee"]) == ("8.00", "9.50")


def test_a_table_is_exported_and_imported_with_its_order_type(client, designer):
    response = client.post("/api/v1/import", headers=designer, json={
        "format": "orderloom-package/1", "order_types": [with_freight()]})
    assert response.status_code == 201, response.get_json()
    exported = json.loads(client.get("/api/v1/export", headers=designer).get_data())
    assert exported["order_types"][0]["lookup_tables"] == [FREIGHT]


def test_a_half_made_table_does_not_hide_the_drafts_formula_problems():
    # While a column is being added its type is not chosen yet: the draft breaks the
    # schema, and a formula mistake elsewhere is still shown as it is typed.
    from orderloom.designer.validation import Context, formula_problems_despite_structure

    d = with_freight(when="XLOOKUP(ship_to.province, freight.province, freight.remot, FALSE)")
    d["lookup_tables"][0]["columns"].append({"key": "zone"})
    found = formula_problems_despite_structure(d, Context())
    assert [(p.pointer, p.message) for p in found] == [
        ("/rules/2/when", "freight has no field 'remot'; did you mean 'remote'?")]


def test_a_rule_splits_an_address_typed_as_one_string_on_a_real_order(
        client, designer, staff):
    d = retail()
    d["form"]["fields"].append({"key": "raw_address", "type": "text",
                                "label": {"en": "Address as given", "zh": "原始地址"}})
    d["form"]["fields"].append({
        "key": "raw_city", "type": "computed", "label": {"en": "City"},
        "formula": 'ADDRESSPART(raw_address, "city")', "result_type": "text"})
    d["rules"].append({"key": "guangdong", "when": 'ADDRESSPART(raw_address, "province") = '
                       '"广东省"', "then": [{"type": "add_tag", "tag": "south"}]})
    assert client.post("/api/v1/order-types", json=d, headers=designer).get_json()["errors"] == []
    assert client.post("/api/v1/order-types/retail_order/publish",
                       headers=designer).status_code == 201
    order = create(client, staff, {**SAMPLE, "raw_address": "广州市天河区华夏路10号"}).get_json()
    assert order["data"]["raw_city"] == "广州市"
    assert "south" in order["tags"]
    other = create(client, staff, {**SAMPLE, "raw_address": "浙江省杭州市西湖区"}).get_json()
    assert other["data"]["raw_city"] == "杭州市"
    assert "south" not in other["tags"]
