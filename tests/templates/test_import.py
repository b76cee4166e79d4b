"""Importing a built-in template into a workspace, then taking orders on it."""
from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from jinja2.sandbox import SandboxedEnvironment
from sqlalchemy import func, select

from orderloom.designer import exchange, versions
from orderloom.designer.models import DefinitionVersion, OrderType
from orderloom.platform import templates
from orderloom.platform.design import design_context
from orderloom.platform.models import Role
from orderloom.runtime.audit import Actor, AuditEvent
from orderloom.runtime.channels.ingestion import signature
from orderloom.runtime.channels.models import Channel
from orderloom.runtime.customers import records as customers
from orderloom.runtime.customers.records import Customer
from orderloom.runtime.stock.catalog import Product, Warehouse
from orderloom.runtime.stock.models import StockLevel, StockMovement
from tests.platform.test_api_tokens import bearer
from tests.templates.samples import TEMPLATE_KEYS, sample


def _same(actual, expected) -> bool:
    if isinstance(expected, bool) or actual is None or isinstance(expected, list):
        return actual == expected
    if isinstance(expected, int | Decimal) or (
            isinstance(expected, str) and expected.replace(".", "", 1).isdigit()):
        return Decimal(str(actual)) == Decimal(str(expected))
    return actual == expected


def _counts(db) -> dict[str, int]:
    return {model.__name__: db.scalar(select(func.count()).select_from(model))
            for model in (OrderType, DefinitionVersion, Role, Warehouse, Product, StockLevel,
                          StockMovement)}


@pytest.mark.parametrize("key", TEMPLATE_KEYS)
def test_a_template_imports_into_an_empty_workspace_and_takes_orders(db, client, token_for,
                                                                       key):
    document = templates.load(key)
    master = document["master_data"]
    report = templates.import_template(db, "test", key)
    db.commit()

    order_type_keys = [t["key"] for t in document["order_types"]]
    assert report.order_types.created == order_type_keys
    assert report.order_types.published == {k: 1 for k in order_type_keys}
    assert report.roles_created == [r["name"] for r in document["roles"]]
    assert report.warehouses_created == [w["code"] for w in master["warehouses"]]
    assert report.products_created == [p["sku"] for p in master["products"]]
    assert report.customers_created == [c["code"] for c in master["customers"]]
    stored_customers = {c.code: c for c in db.scalars(select(Customer))}
    assert set(stored_customers) == set(report.customers_created)
    first = master["customers"][0]
    assert stored_customers[first["code"]].name == first["name"]
    assert stored_customers[first["code"]].attributes["credit_limit"] == first["credit_limit"]
    assert stored_customers[first["code"]].tags == first.get("tags", [])
    roles = set(db.scalars(select(Role.name)))
    assert {r["name"] for r in document["roles"]} <= roles
    stored = db.scalar(select(Warehouse).where(
        Warehouse.code == master["warehouses"][0]["code"]))
    assert stored.regions == master["warehouses"][0]["regions"]
    assert stored.priority == master["warehouses"][0]["priority"]
    on_hand = {(sku, code): qty for sku, code, qty in db.execute(
        select(Product.sku, Warehouse.code, StockLevel.on_hand)
        .join(Product, Product.id == StockLevel.product_id)
        .join(Warehouse, Warehouse.id == StockLevel.warehouse_id))}
    expected = {(p["sku"], code): qty for p in master["products"]
                for code, qty in p["stock"].items() if qty > 0}
    assert on_hand == expected
    assert report.units_received == sum(expected.values())
    references = set(db.scalars(select(StockMovement.reference)))
    assert references == {f"template {key}"}
    db.rollback()  # SQLite: let go of the read before the app writes

    example = sample(key)
    staff = bearer(token_for("staff"))
    response = client.post("/api/v1/orders", headers=staff,
                           json={"order_type": example["order_type"],
                                 "data": example["data"]})
    assert response.status_code == 201, response.get_json()
    order = response.get_json()
    wrong = {name: order["data"].get(name) for name, value in example["computed"].items()
             if not _same(order["data"].get(name), value)}
    assert wrong == {}
    assert [line["amount"] for line in order["data"]["items"]] == example["amounts"]
    assert order["state"] == example["state"]

    # The print templates render the order as the API gives it.
    environment = SandboxedEnvironment(autoescape=True)
    definition = next(t for t in document["order_types"] if t["key"] == order["order_type"])
    for template in definition["print_templates"]:
        html = environment.from_string(template["template"]).render(order=order)
        assert order["number"] in html, template["key"]
        if template["document"] in ("pick_list", "packing_slip", "invoice"):
            for line in order["data"]["items"]:
                assert line["sku"] in html, template["key"]


def test_retail_rules_hold_risky_orders_and_refuse_fraud(db, client, token_for):
    templates.import_template(db, "test", "retail")
    db.commit()
    staff = bearer(token_for("staff"))
    example = sample("retail")

    def post(**changes):
        return client.post("/api/v1/orders", headers=staff, json={
            "order_type": "retail_order", "data": {**example["data"], **changes}})

    held = post(risk_score=70)
    assert held.status_code == 201, held.get_json()
    assert held.get_json()["state"] == "review"
    assert "fraud_risk" in held.get_json()["tags"]
    refused = post(risk_score=95)
    assert refused.status_code == 422
    assert "risk score is 90 or more" in refused.get_data(as_text=True)


def test_retail_simulation_picks_the_carrier_and_the_nearest_warehouse(db, client, token_for):
    templates.import_template(db, "test", "retail")
    db.commit()
    designer = bearer(token_for("designer"))
    example = sample("retail")

    def simulate(**changes):
        response = client.post("/api/v1/order-types/retail_order/simulate", headers=designer,
                               json={"data": {**example["data"], **changes}})
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def carrier_row(result):
        table = next(t for t in result["decision_tables"] if t["key"] == "carrier_choice")
        return [m["row"] for m in table["matched"]]

    nearby = simulate()
    assert carrier_row(nearby) == [2]  # under 2,000 and not remote: ZTO
    assert carrier_row(simulate(ship_to={**example["data"]["ship_to"],
                                         "province": "Xinjiang"})) == [0]  # EMS
    assert carrier_row(simulate(carrier="sf")) == []  # chosen already: left alone
    assert nearby["route"]["warehouse"] == "SH"  # Zhejiang: the Shanghai DC first


def test_wholesale_approvals_follow_the_amount(db, client, token_for):
    templates.import_template(db, "test", "wholesale")
    db.commit()
    staff = bearer(token_for("staff"))
    example = sample("wholesale")
    small = client.post("/api/v1/orders", headers=staff, json={
        "order_type": "wholesale_order", "data": example["data"]}).get_json()
    big_data = {**example["data"],
                "customer": {**example["data"]["customer"], "credit_limit": "900000.00"},
                "items": [{"sku": "DRILL-18V", "qty": 100, "price": "699.00"}]}
    big = client.post("/api/v1/orders", headers=staff, json={
        "order_type": "wholesale_order", "data": big_data}).get_json()
    over = client.post("/api/v1/orders", headers=staff, json={
        "order_type": "wholesale_order",
        "data": {**big_data, "customer": {**big_data["customer"],
                                          "credit_limit": "1000.00"}}}).get_json()
    assert over["data"]["over_credit"] is True
    assert "over_credit_limit" in over["tags"]

    def submit(order):
        response = client.post(f"/api/v1/orders/{order['number']}/transitions/submit",
                               headers=staff)
        assert response.status_code == 200, response.get_json()
        return response.get_json()["state"]

    assert submit(small) == "confirmed"  # 12,475.20: no approval needed
    assert submit(big) == "manager_approval"  # 78,987.00 is over 50,000
    assert submit(over) == "credit_review"  # over the customer's credit limit


def test_catering_refuses_orders_after_the_cut_off(db, client, token_for):
    templates.import_template(db, "test", "catering")
    db.commit()
    staff = bearer(token_for("staff"))
    example = sample("catering")
    response = client.post("/api/v1/orders", headers=staff, json={
        "order_type": "catering_order",
        "data": {**example["data"], "delivery_date": datetime.now(UTC).date().isoformat()}})
    assert response.status_code == 422
    assert "Orders close the day before delivery" in response.get_data(as_text=True)


def test_importing_twice_with_fail_changes_nothing_and_reports_the_clash(db):
    templates.import_template(db, "test", "retail")
    db.commit()
    before = _counts(db)
    with pytest.raises(templates.TemplateError) as raised:
        templates.import_template(db, "test", "retail", "fail")
    db.rollback()
    assert raised.value.problems == [
        "/order_types/0/key: an order type 'retail_order' exists already; import with "
        "on_conflict=rename or on_conflict=replace"]
    assert _counts(db) == before


def test_rename_adds_a_second_order_type_and_keeps_the_master_data(db):
    templates.import_template(db, "test", "retail")
    db.commit()
    before = _counts(db)
    report = templates.import_template(db, "test", "retail", "rename")
    db.commit()
    assert report.order_types.renamed == {"retail_order": "retail_order_2"}
    assert report.order_types.published == {"retail_order_2": 1}
    assert report.roles_created == [] and report.roles_kept == ["customer_service",
                                                                "warehouse"]
    assert report.warehouses_created == [] and report.warehouses_kept == ["SH", "GZ", "BJ"]
    assert report.products_created == [] and len(report.products_kept) == 10
    assert report.units_received == 0
    assert "renamed order type retail_order -> retail_order_2 (version 1)" in report.lines()
    after = _counts(db)
    assert after["OrderType"] == before["OrderType"] + 1
    assert {k: v for k, v in after.items() if k not in ("OrderType", "DefinitionVersion")} == \
        {k: v for k, v in before.items() if k not in ("OrderType", "DefinitionVersion")}


def test_replace_makes_the_template_the_next_version(db):
    templates.import_template(db, "test", "returns")
    db.commit()
    changed = templates.load("returns")
    changed["order_types"][0]["name"] = {"en": "Our returns", "zh": "我们的退货"}
    exchange.import_package(db, "test", changed, design_context(db), "replace")
    db.commit()
    report = templates.import_template(db, "test", "returns", "replace")
    db.commit()
    assert report.order_types.replaced == ["return_request"]
    assert report.order_types.published == {"return_request": 3}
    latest = versions.find(db, "return_request").latest
    assert latest.definition["name"] == {"en": "Return request (RMA)",
                                         "zh": "退货申请（RMA）"}


def test_two_templates_share_roles_and_the_import_is_audited(db):
    templates.import_template(db, "test", "retail")
    report = templates.import_template(db, "test", "returns")
    db.commit()
    assert report.roles_kept == ["customer_service", "warehouse"]
    assert report.roles_created == ["quality_inspector", "finance"]
    events = db.scalars(select(AuditEvent).where(AuditEvent.action == "template.imported")
                        .order_by(AuditEvent.id)).all()
    assert [e.subject_id for e in events] == ["retail", "returns"]
    assert events[1].details["customers"] == {
        "created": ["R-5001", "R-5002", "R-5003", "R-5004", "R-5005"], "kept": []}


def test_a_customer_code_taken_already_keeps_the_stored_customer(db):
    customers.create(db, Actor(None, "crm", "api"), code="C-1001", name="From the CRM")
    report = templates.import_template(db, "test", "retail")
    db.commit()
    assert report.customers_kept == ["C-1001"]
    assert "C-1001" not in report.customers_created
    assert "kept existing customers: C-1001" in report.lines()
    kept = db.scalar(select(Customer).where(Customer.code == "C-1001"))
    assert kept.name == "From the CRM"


def test_an_unknown_template_imports_nothing(db):
    before = _counts(db)
    with pytest.raises(templates.TemplateError, match="the templates are: catering"):
        templates.import_template(db, "test", "bakery")
    db.rollback()
    assert _counts(db) == before


@pytest.mark.parametrize("key", TEMPLATE_KEYS)
def test_a_template_makes_a_channel_of_each_preset(db, key):
    document = templates.load(key)
    report = templates.import_template(db, "test", key)
    db.commit()
    presets = {p["key"]: p for p in document["channel_presets"]}
    assert report.channels_created == list(presets)
    stored = {c.key: c for c in db.scalars(select(Channel))}
    assert set(stored) == set(presets)
    for code, preset in presets.items():
        assert (stored[code].kind, stored[code].order_type_key, stored[code].mapping) == (
            preset["kind"], preset["order_type"], preset["mapping"])
        assert stored[code].active
    db.rollback()


def test_a_shop_sends_orders_to_a_template_channel_at_once(db, client, token_for):
    templates.import_template(db, "test", "retail")
    db.commit()
    payload = {"id": "WEB-5001", "customer": {"id": "C-1002", "name": "李明 Li Ming",
                                              "email": "li.ming@example.com"},
               "shipping": {"country": "CN", "province": "Zhejiang", "city": "Hangzhou",
                            "line1": "文三路 90 号", "fee": "10.00"},
               "line_items": [{"sku": "TSHIRT-WHT-M", "quantity": 2, "unit_price": "79.00"}]}
    staff = bearer(token_for("staff"))
    sent = client.post("/api/v1/channels/own_site/orders", headers=staff, json=payload)
    assert sent.status_code == 201, sent.get_json()
    again = client.post("/api/v1/channels/own_site/orders", headers=staff, json=payload)
    assert again.status_code == 200 and again.get_json()["duplicate"] is True
    number = sent.get_json()["order"]
    order = client.get(f"/api/v1/orders/{number}", headers=staff).get_json()
    assert (order["channel"], order["data"]["channel_order_no"]) == ("own_site", "WEB-5001")
    # The webhook channel's secret was shown to nobody: an administrator takes a new one.
    admin = bearer(token_for("admin"))
    secret = client.post("/api/v1/channels/tmall/secret", headers=admin).get_json()["secret"]
    body = json.dumps({"tid": "TM-1", "buyer_id": "C-1002", "buyer_nick": "Li Ming",
                       "receiver_state": "Zhejiang", "receiver_city": "Hangzhou",
                       "receiver_address": "文三路 90 号",
                       "orders": [{"outer_sku_id": "MUG-350", "num": 1, "price": "39.00"}]})
    signed = client.post("/api/v1/channels/tmall/orders", data=body, headers={
        "Content-Type": "application/json",
        "X-Orderloom-Signature": signature(secret, body.encode())})
    assert signed.status_code == 201, signed.get_json()


def test_a_second_import_keeps_the_channels_it_finds(db):
    templates.import_template(db, "test", "retail")
    db.commit()
    report = templates.import_template(db, "test", "retail", "rename")
    db.commit()
    assert report.channels_created == []
    assert report.channels_kept == ["tmall", "own_site", "store_pos"]
    assert "kept existing channels: tmall, own_site, store_pos" in report.lines()
    # They still take orders for the order type they were made for.
    assert {c.order_type_key for c in db.scalars(select(Channel))} == {"retail_order"}
    db.rollback()
