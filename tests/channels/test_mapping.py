"""Mappings: paths, checking with pointers, trying on a sample, and the presets."""
from __future__ import annotations

import pytest

from orderloom.runtime.channels.mapping import MISSING, PathError, parse_path, resolve
from orderloom.runtime.channels.models import InboundOrder
from orderloom.runtime.channels.presets import PRESETS
from tests.channels.support import (
    MARKETPLACE_ROWS,
    SHOPIFY_ORDER,
    SIMPLE_MAPPING,
    SIMPLE_ORDER,
    WOOCOMMERCE_ORDER,
    count,
)
from tests.platform.test_api_tokens import assert_problem

DOCUMENT = {"a": {"b": [{"c": 1}, {"c": 2}]}, "列 名": "x"}


@pytest.mark.parametrize(("path", "value"), [
    ("$.a.b[1].c", 2), ("$.a.b[*].c", [1, 2]), ("$['列 名']", "x"), ("$.a.z", MISSING),
    ("$.a.b[5]", MISSING), ("$", DOCUMENT),
])
def test_paths_read_the_documented_subset(path, value):
    assert resolve(parse_path(path), DOCUMENT) == value


@pytest.mark.parametrize(("path", "column"), [
    ("a.b", 1), ("$.a[", 4), ("$.a[x]", 5), ("$..a", 3), ("$.a b", 4)])
def test_a_path_outside_the_subset_is_refused_with_its_column(path, column):
    with pytest.raises(PathError) as refused:
        parse_path(path)
    assert refused.value.column == column


def test_mapping_problems_point_at_their_place_with_a_suggestion(client, admin):
    mapping = {
        "external_id": "$.id",
        "fields": {"custmer.name": "$.buyer", "ship_to.provnce": "$.p", "total": "$.t",
                   "priority": {"path": "$.a[*]", "formula": "IF(value = , 1)"}},
        "lines": {"items": {"from": "$.lines[", "fields": {"sku": "$.sku", "qtty": "$.n"}}},
    }
    response = client.post("/api/v1/channels", headers=admin, json={
        "key": "shop", "name": "Shop", "kind": "webhook", "order_type": "retail_order",
        "mapping": mapping})
    errors = {e["pointer"]: e for e in assert_problem(response, 422)["errors"]}
    assert "did you mean 'customer'" in errors["/mapping/fields/custmer.name"]["detail"]
    assert "did you mean 'province'" in errors["/mapping/fields/ship_to.provnce"]["detail"]
    assert "computed" in errors["/mapping/fields/total"]["detail"]
    assert "lines.from" in errors["/mapping/fields/priority/path"]["detail"]
    formula = errors["/mapping/fields/priority/formula"]
    assert (formula["line"], formula["column"]) == (1, 12)
    assert errors["/mapping/lines/items/from"]["column"] == 8
    assert "did you mean 'qty'" in errors["/mapping/lines/items/fields/qtty"]["detail"]


def test_a_channel_mapping_needs_an_external_id(client, admin):
    mapping = {k: v for k, v in SIMPLE_MAPPING.items() if k != "external_id"}
    response = client.post("/api/v1/channels", headers=admin, json={
        "key": "shop", "name": "Shop", "kind": "rest", "order_type": "retail_order",
        "mapping": mapping})
    assert assert_problem(response, 422)["errors"][0]["pointer"] == "/mapping/external_id"


def test_a_mapping_is_tried_on_a_sample_and_nothing_is_stored(client, db, admin):
    tried = client.post("/api/v1/channel-mappings/test", headers=admin, json={
        "order_type": "retail_order", "mapping": SIMPLE_MAPPING, "sample": SIMPLE_ORDER})
    assert tried.status_code == 200, tried.get_json()
    answer = tried.get_json()
    assert answer["external_id"] == "A-1001" and answer["problems"] == []
    assert answer["data"]["total"] == "21.00" and answer["data"]["priority"] == "normal"
    broken = client.post("/api/v1/channel-mappings/test", headers=admin, json={
        "order_type": "retail_order", "mapping": SIMPLE_MAPPING,
        "sample": {**SIMPLE_ORDER, "buyer": None}}).get_json()
    assert {"pointer": "/order/customer", "detail": "is required"} in broken["problems"]
    assert count(db, InboundOrder) == 0


SAMPLES = {"shopify": SHOPIFY_ORDER, "woocommerce": WOOCOMMERCE_ORDER,
           "marketplace_export": MARKETPLACE_ROWS}


# The marketplace export presets map onto the retail template's form, and are tried on
# it in test_marketplace_exports.py.
SAMPLED = [p for p in PRESETS if p["key"] in SAMPLES]


@pytest.mark.parametrize("preset", SAMPLED, ids=[p["key"] for p in SAMPLED])
def test_each_preset_maps_its_sample_into_a_valid_retail_order(client, admin, preset):
    presets = client.get("/api/v1/channel-presets", headers=admin).get_json()
    assert preset["key"] in [p["key"] for p in presets]
    answer = client.post("/api/v1/channel-mappings/test", headers=admin, json={
        "order_type": "retail_order", "mapping": preset["mapping"],
        "sample": SAMPLES[preset["key"]]}).get_json()
    orders = answer.get("orders", [answer])
    assert orders and all(o["problems"] == [] for o in orders), answer
    first = orders[0]["data"]
    assert first["customer"]["name"] and first["ship_to"]["province"]
    assert all(line["sku"] and line["qty"] >= 1 for line in first["items"])
    if preset["key"] == "shopify":
        assert first["customer"]["name"] == "Wei Li"
        assert first["ship_to"]["street"] == "文三路 90 号 3 楼"
        assert first["total"] == "2570.90"
    if preset["key"] == "marketplace_export":
        assert [o["rows"] for o in orders] == [[2, 3], [4]]
        assert [line["qty"] for line in first["items"]] == [1, 4]


def test_a_mappings_formulas_count_business_days_with_the_instances_calendar(client, admin):
    national_day = {"holidays": [{"date": f"2024-10-0{d}", "name": "国庆节"}
                                 for d in range(1, 8)],
                    "workdays": [{"date": "2024-09-29", "name": "国庆节调休"}]}
    assert client.put("/api/v1/business-calendar", headers=admin,
                      json=national_day).status_code == 200
    mapping = {**SIMPLE_MAPPING, "fields": {
        **SIMPLE_MAPPING["fields"],
        "note": {"path": "$.paid", "formula": '"ship by " & WORKDAY(DATEVALUE(value), 1)'}}}
    tried = client.post("/api/v1/channel-mappings/test", headers=admin, json={
        "order_type": "retail_order", "mapping": mapping,
        "sample": {**SIMPLE_ORDER, "paid": "2024-09-30"}}).get_json()
    assert tried["problems"] == []
    assert tried["data"]["note"] == "ship by 2024-10-08"  # after the National Day week
    friday = client.post("/api/v1/channel-mappings/test", headers=admin, json={
        "order_type": "retail_order", "mapping": mapping,
        "sample": {**SIMPLE_ORDER, "paid": "2024-09-27"}}).get_json()
    assert friday["data"]["note"] == "ship by 2024-09-29"  # the make-up Sunday
