"""PRODUCTINFO and CUSTOMERINFO in an order's formulas: the product's and the customer's
attributes as stored, #N/A (caught by IFNA) for a record that does not exist, and an
unknown attribute refused when the definition is saved, at its place."""
from __future__ import annotations

from tests.platform.test_api_tokens import bearer
from tests.runtime.support import SAMPLE


def retail_with_look_ups():
    from tests.designer.samples import retail
    definition = retail()
    fields = definition["form"]["fields"]
    items = next(f for f in fields if f["key"] == "items")
    items["fields"].append(
        {"key": "weight", "type": "computed", "label": {"en": "Weight (g)"},
         "formula": 'IFNA(PRODUCTINFO(sku, "weight_grams") * qty, 0)',
         "result_type": "integer"})
    fields.append({"key": "credit_left", "type": "computed", "label": {"en": "Credit left"},
                   "formula": 'IFNA(CUSTOMERINFO(customer.code, "credit_limit"), 0) - total',
                   "result_type": "money"})
    fields.append({"key": "list_price", "type": "computed", "label": {"en": "List price"},
                   "formula": 'PRODUCTINFO("TEA-01", "price")', "result_type": "money"})
    definition["form"]["layout"][1]["fields"] += ["credit_left", "list_price"]
    return definition


def _catalogue(client, admin):
    for body in ({"sku": "TEA-01", "name": "Longjing tea", "weight_grams": 250,
                  "attributes": {"price": "88.00"}},
                 {"sku": "CUP-02", "name": "Tea cup"}):
        assert client.post("/api/v1/products", headers=admin, json=body).status_code == 201
    created = client.post("/api/v1/customers", headers=admin, json={
        "code": "C1", "name": "Li Wei", "attributes": {"credit_limit": "10000.00"}})
    assert created.status_code == 201, created.get_json()


def test_an_orders_formulas_read_the_products_and_the_customers_attributes(
        client, token_for):
    admin, designer = bearer(token_for("admin")), bearer(token_for("designer"))
    _catalogue(client, admin)
    imported = client.post("/api/v1/import", headers=designer, json={
        "format": "orderloom-package/1", "order_types": [retail_with_look_ups()]})
    assert imported.status_code == 201, imported.get_json()
    staff = bearer(token_for("staff"))
    created = client.post("/api/v1/orders", headers=staff, json={
        "order_type": "retail_order", "data": SAMPLE})
    assert created.status_code == 201, created.get_json()
    data = created.get_json()["data"]
    # 2 x 250 g of tea; the cup has no weight kept, so blank times 3 is blank.
    assert [line["weight"] for line in data["items"]] == [500, None]
    assert data["total"] == "2560.70"
    assert data["credit_left"] == "7439.30"
    assert data["list_price"] == "88.00"

    stranger = client.post("/api/v1/orders", headers=staff, json={
        "order_type": "retail_order",
        "data": {**SAMPLE, "customer": {"code": "C9", "name": "New Co"}}})
    assert stranger.status_code == 201, stranger.get_json()
    assert stranger.get_json()["data"]["credit_left"] == "-2560.70"  # IFNA gave 0


def test_a_customer_edited_later_changes_what_the_next_order_computes(client, token_for):
    admin, designer = bearer(token_for("admin")), bearer(token_for("designer"))
    _catalogue(client, admin)
    assert client.post("/api/v1/import", headers=designer, json={
        "format": "orderloom-package/1",
        "order_types": [retail_with_look_ups()]}).status_code == 201
    changed = client.patch("/api/v1/customers/C1", headers=admin,
                           json={"attributes": {"credit_limit": "3000.00"}})
    assert changed.status_code == 200, changed.get_json()
    created = client.post("/api/v1/orders", headers=bearer(token_for("staff")), json={
        "order_type": "retail_order", "data": SAMPLE})
    assert created.get_json()["data"]["credit_left"] == "439.30"


def test_an_unknown_attribute_is_refused_at_save_with_its_place(client, token_for):
    definition = retail_with_look_ups()
    definition["form"]["fields"][-2]["formula"] = \
        'IFNA(CUSTOMERINFO(customer.code, "credit_limt"), 0) - total'
    response = client.post("/api/v1/import", headers=bearer(token_for("designer")), json={
        "format": "orderloom-package/1", "order_types": [definition]})
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert len(errors) == 1
    assert errors[0]["pointer"] == "/order_types/0/form/fields/7/formula"
    assert errors[0]["detail"] == (
        "CUSTOMERINFO: a customer has no attribute 'credit_limt'; use one of name, email, "
        "phone, tier, credit_limit, tags; did you mean 'credit_limit'?")
    assert (errors[0]["line"], errors[0]["column"]) == (1, 34)


def _person_with(client, token_for, make_user, db, permissions):
    """A token for a user whose one custom role has exactly ``permissions``."""
    from orderloom.platform import accounts
    from orderloom.runtime.audit import Actor
    role = client.post("/api/v1/roles", headers=bearer(token_for("admin")), json={
        "name": "narrow", "description": "Only what the test gives", "permissions": permissions})
    assert role.status_code == 201, role.get_json()
    user = make_user("narrow")
    _token, secret = accounts.issue_token(db, Actor(user.id, user.username, "cli"), user, "t")
    db.commit()
    return bearer(secret)


def test_a_dry_run_shows_customers_only_to_who_may_see_them(client, token_for, make_user, db):
    _catalogue(client, bearer(token_for("admin")))
    body = {"definition": retail_with_look_ups(), "data": SAMPLE}
    allowed = client.post("/api/v1/definitions/simulate", headers=bearer(token_for("designer")),
                          json=body)
    assert allowed.status_code == 200, allowed.get_json()
    assert allowed.get_json()["computed"]["credit_left"] == "7439.30"

    builder = _person_with(client, token_for, make_user, db,
                           ["definitions.view", "definitions.edit"])
    refused = client.post("/api/v1/definitions/simulate", headers=builder, json=body)
    assert refused.status_code == 200, refused.get_json()
    answer = refused.get_json()
    # Nothing of the customer's credit limit reaches someone without customers.view,
    # nor of the product's price someone without inventory.view.
    assert "7439.30" not in str(answer) and "10000" not in str(answer)
    assert "88.00" not in str(answer)
    assert "you may not see customers" in str(answer)


def test_a_mapping_tried_on_a_sample_shows_customers_only_to_who_may_see_them(
        client, token_for, make_user, db):
    from tests.channels.support import SIMPLE_MAPPING, SIMPLE_ORDER
    admin = bearer(token_for("admin"))
    _catalogue(client, admin)
    assert client.post("/api/v1/import", headers=admin, json={
        "format": "orderloom-package/1",
        "order_types": [retail_with_look_ups()]}).status_code == 201
    body = {"order_type": "retail_order", "mapping": SIMPLE_MAPPING,
            "sample": {**SIMPLE_ORDER, "buyer": {"id": "C1", "name": "Li Wei"}}}
    tried = client.post("/api/v1/channel-mappings/test", headers=admin, json=body)
    assert tried.get_json()["data"]["credit_left"] == "9979.00", tried.get_json()

    integrator = _person_with(client, token_for, make_user, db, ["channels.manage"])
    refused = client.post("/api/v1/channel-mappings/test", headers=integrator, json=body)
    assert refused.status_code == 200, refused.get_json()
    assert "9979.00" not in str(refused.get_json())
    assert "10000" not in str(refused.get_json())


def test_a_previews_look_ups_do_not_open_the_read_it_ended_again(client, token_for, db):
    # A preview reads the calendar, ends its read (on SQLite every transaction holds the
    # write lock) and only then evaluates, while a template renders: its look-ups must
    # not start a transaction in the request's session again.
    from decimal import Decimal

    from orderloom import dsl
    from orderloom.runtime import business_calendar
    _catalogue(client, bearer(token_for("admin")))
    calendar = business_calendar.formula_calendar(db, short_lived=True)
    db.rollback()
    assert dsl.evaluate('CUSTOMERINFO("C1", "credit_limit")', {},
                        calendar=calendar) == Decimal("10000.00")
    assert dsl.evaluate('PRODUCTINFO("TEA-01", "weight_grams")', {}, calendar=calendar) == 250
    assert not db.in_transaction()


def test_a_customer_field_offers_what_customerinfo_reads_with_the_same_types():
    from orderloom.designer.form import CUSTOMER_RECORD
    from orderloom.dsl.catalogue import CUSTOMER_ATTRIBUTES
    from orderloom.dsl.types import parse_type
    members = {key: parse_type(spec) for key, spec in CUSTOMER_RECORD.items()}
    assert members.pop("code") == parse_type("text")
    assert members == CUSTOMER_ATTRIBUTES
