"""The built-in templates as files: each is a valid, complete, bilingual order system."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from orderloom.designer.validation import Context, validate_package
from orderloom.platform import templates
from orderloom.runtime.channels.stores import CARRIED, STORE_ORDER_MAPPING, fitted_mapping
from orderloom.runtime.notify.order_messages import render
from tests.templates.samples import TEMPLATE_KEYS


def _labels(node: Any, path: str = ""):
    """Every label ({"en": ..., "zh": ...}) in a document, with its path."""
    if isinstance(node, dict):
        if node and set(node) <= {"en", "zh"}:
            yield path, node
            return
        for key, value in node.items():
            yield from _labels(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _labels(value, f"{path}/{index}")


def test_the_list_has_the_five_templates_with_their_order_types():
    listed = {info.key: info for info in templates.available()}
    assert sorted(listed) == sorted(TEMPLATE_KEYS)
    assert listed["retail"].order_types == ("retail_order",)
    assert listed["wholesale"].name == {"en": "B2B wholesale", "zh": "B2B 批发"}
    assert all(info.description.get("en") and info.description.get("zh")
               for info in listed.values())


@pytest.mark.parametrize("key", TEMPLATE_KEYS)
def test_every_builtin_template_validates_with_no_problem(key):
    # Only the built-in roles exist: the package's own roles must cover the rest.
    problems = validate_package(templates.load(key), Context())
    assert [str(p) for p in problems] == []


@pytest.mark.parametrize("key", TEMPLATE_KEYS)
def test_everything_people_read_is_in_english_and_chinese(key):
    document = templates.load(key)
    labels = list(_labels(document))
    assert len(labels) > 50
    missing = [path for path, label in labels
               if not (label.get("en", "").strip() and label.get("zh", "").strip())]
    assert missing == []


@pytest.mark.parametrize("key", TEMPLATE_KEYS)
def test_every_template_has_the_parts_of_a_complete_order_system(key):
    document = templates.load(key)
    assert document["key"] == key
    for order_type in document["order_types"]:
        fields = {f["key"]: f for f in order_type["form"]["fields"]}
        columns = {c["key"]: c for c in fields["items"]["fields"]}
        assert fields["items"]["type"] == "line_items"
        assert columns["sku"]["type"] == "product"
        assert columns["qty"]["type"] == "integer"
        assert columns["amount"]["type"] == "computed"
        assert fields["total"]["type"] == "computed"
        assert len(order_type["form"]["layout"]) >= 3
        workflow = order_type["workflow"]
        assert any("escalate_after_hours" in a and "escalate_to" in a
                   for a in workflow["approvals"])
        assert any("when" in a for a in workflow["automatic"])
        assert any("after_hours" in a for a in workflow["automatic"])
        actions = [a["type"] for r in order_type["rules"] for a in r["then"]]
        assert {"add_tag", "block", "require_approval"} <= set(actions)
        assert order_type["decision_tables"]
        routing = order_type["routing"]
        assert routing["strategy"] == "region" and routing["rules"]
        assert "allow_split" in routing and "backorder" in routing
        documents = {t["document"] for t in order_type["print_templates"]}
        assert "invoice" in documents
        assert documents & {"packing_slip", "shipping_label"}


@pytest.mark.parametrize("key", TEMPLATE_KEYS)
def test_master_data_is_sized_for_a_trial_and_names_only_its_warehouses(key):
    document = templates.load(key)
    master = document["master_data"]
    codes = {w["code"] for w in master["warehouses"]}
    assert 2 <= len(master["warehouses"]) <= 3
    assert 8 <= len(master["products"]) <= 15
    assert 5 <= len(master["customers"]) <= 10
    for warehouse in master["warehouses"]:
        assert warehouse["regions"] and warehouse["address"] and "priority" in warehouse
    skus = [p["sku"] for p in master["products"]]
    assert len(skus) == len(set(skus))
    for item in master["products"]:
        assert Decimal(item["price"]) > 0
        assert item["barcode"] and "weight_grams" in item
        assert set(item["stock"]) <= codes, item["sku"]
    for customer in master["customers"]:
        assert Decimal(customer["credit_limit"]) >= 0
        assert customer["email"] and customer["phone"] and customer["tier"]
    for order_type in document["order_types"]:
        routing = order_type["routing"]
        named = {r["warehouse"] for r in routing["rules"]}
        named |= {code for listed in routing["regions"].values() for code in listed}
        assert named <= codes


@pytest.mark.parametrize("key", TEMPLATE_KEYS)
def test_channel_presets_map_onto_fields_of_their_order_type(key):
    document = templates.load(key)
    order_types = {t["key"]: t for t in document["order_types"]}
    assert document["channel_presets"]
    for preset in document["channel_presets"]:
        assert preset["kind"] in ("webhook", "rest", "pos", "manual", "file")
        fields = {f["key"]: f for f in order_types[preset["order_type"]]["form"]["fields"]}
        mapping = preset["mapping"]
        for target, source in mapping["fields"].items():
            assert target.split(".")[0] in fields, (preset["key"], target)
            assert source.startswith("$."), (preset["key"], target)
        for lines_key, lines in mapping["lines"].items():
            columns = {c["key"] for c in fields[lines_key]["fields"]}
            assert lines["from"].startswith("$.")
            assert {"sku", "qty"} <= set(lines["fields"]) <= columns, preset["key"]


# Where the store's parcel goes and what the customer wrote, per order type, by the
# field that declares it (a returns form's address is where the goods come from).
STORE_PARTS = {
    "catering_order": {"ship_to": "delivery_address", "recipient_phone": "contact_phone",
                       "note": "special_requests"},
    "production_order": {"ship_to": "ship_to"},
    "retail_order": {"ship_to": "ship_to", "order_number": "channel_order_no",
                     "recipient_name": "recipient", "recipient_phone": "recipient_phone",
                     "shipping_fee": "shipping_fee", "discount": "discount", "tax": "tax",
                     "note": "note"},
    "return_request": {},
    "wholesale_order": {"ship_to": "ship_to", "note": "note"},
}


@pytest.mark.parametrize("key", TEMPLATE_KEYS)
def test_a_store_connects_to_every_template_with_no_mapping_to_write(key):
    # The wholesale lines have two whole-number columns (ordered, shipped): only the
    # meaning the template declares tells a store's quantity where to go.
    for order_type in templates.load(key)["order_types"]:
        fields = {f["key"]: f for f in order_type["form"]["fields"]}
        declared = {f["meaning"]: f["key"] for f in fields.values() if "meaning" in f}
        assert declared == STORE_PARTS[order_type["key"]]
        fitted = fitted_mapping(order_type)
        assert fitted.mapping["lines"]["items"]["fields"] == {
            "sku": "$.sku", "qty": "$.qty", "price": "$.price"}
        for part in ("lines", "quantity", "unit_price"):
            assert CARRIED[part] not in fitted.not_carried
        targets = fitted.mapping["fields"]
        for meaning, field_key in declared.items():
            if meaning == "ship_to":
                assert targets[f"{field_key}.province"] == STORE_ORDER_MAPPING["ship_to"][
                    "province"]
            else:
                assert targets[field_key] == STORE_ORDER_MAPPING["meanings"][meaning]


def test_an_unknown_template_names_the_ones_there_are():
    with pytest.raises(templates.TemplateError) as raised:
        templates.load("restaurant")
    assert raised.value.problems == [
        "there is no built-in template 'restaurant'; the templates are: catering, "
        "manufacturing, retail, returns, wholesale"]


def test_the_retail_shipping_message_gives_the_customer_the_tracking_link():
    [order_type] = templates.load("retail")["order_types"]
    ship = next(t for t in order_type["workflow"]["transitions"] if t["key"] == "ship")
    [message] = [a for a in ship["actions"]
                 if a["type"] == "notify" and a["to"].get("customer")]
    link = "https://orders.example.com/track/3pZk0Qx8Yb_vT1mWc6Lr2Hs9Jd4Nf7Ga"
    text = render(message["template"], {"number": "RT-1", "data": {
        "carrier": "sf", "tracking_no": "SF1000000001"}, "tracking_links": [link]})
    assert text.endswith(f"Track your parcel / 查询物流: {link}")
    assert "查询物流" not in render(message["template"], {"data": {}, "tracking_links": []})
