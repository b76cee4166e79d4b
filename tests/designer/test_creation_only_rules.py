"""A rule's ``creation_only`` flag: validated, exported and imported, diffed."""
from __future__ import annotations

from orderloom.designer.diff import diff
from orderloom.designer.validation import Context, validate_order_type
from tests.designer.samples import retail
from tests.platform.test_api_tokens import assert_problem

WAREHOUSES = Context(warehouses=frozenset({"SH", "HZ"}))


def test_the_flag_is_a_boolean_and_anything_else_is_named():
    d = retail()
    d["rules"][1]["creation_only"] = True
    assert validate_order_type(d, WAREHOUSES) == []
    d["rules"][1]["creation_only"] = "yes"
    problems = {p.pointer: p.message for p in validate_order_type(d, WAREHOUSES)}
    assert problems == {"/rules/1/creation_only": "'yes' is not of type 'boolean'"}


def test_the_diff_names_the_rule_whose_flag_changed():
    before, after = retail(), retail()
    after["rules"][1]["creation_only"] = True
    assert [c.as_json() for c in diff(before, after)] == [
        {"what": "rule", "key": "big_order", "change": "changed",
         "members": ["creation_only"]}]


def test_export_and_import_keep_the_flag(client, published):
    d = retail()
    d["rules"][1]["creation_only"] = True
    saved = client.put("/api/v1/order-types/retail_order/draft", json=d, headers=published)
    assert saved.status_code == 200, saved.get_json()
    assert client.post("/api/v1/order-types/retail_order/publish",
                       headers=published).status_code == 201
    package = client.get("/api/v1/order-types/retail_order/export",
                         headers=published).get_json()
    assert package["order_types"][0]["rules"][1]["creation_only"] is True
    package["order_types"][0]["rules"][1]["creation_only"] = 1
    body = assert_problem(client.post("/api/v1/import?on_conflict=replace", json=package,
                                      headers=published), 422)
    assert body["errors"][0]["pointer"] == "/order_types/0/rules/1/creation_only"
    package["order_types"][0]["rules"][1]["creation_only"] = True
    package["order_types"][0]["key"] = "retail_copy"
    assert client.post("/api/v1/import", json=package, headers=published).status_code == 201
    copy = client.get("/api/v1/order-types/retail_copy/versions/1", headers=published)
    assert copy.get_json()["definition"]["rules"][1]["creation_only"] is True
