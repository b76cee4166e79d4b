"""A re-shipment of missing items (补发) is an order at no charge, every line at 0: the
built-in retail template's price rule lets it through, and still refuses a line at 0
among lines that are charged."""
from __future__ import annotations

from tests.after_sales.test_return_regressions import retail_shipped
from tests.after_sales.test_returns import open_return, step
from tests.platform.test_api_tokens import assert_problem, bearer
from tests.templates.samples import sample


def test_missing_items_are_reshipped_on_the_retail_template(client, token_for):
    # The retail template's price rule once refused the re-shipment's lines at 0: a
    # re-shipment could not be made on it.
    admin = bearer(token_for("admin"))
    order = retail_shipped(client, admin)
    found = open_return(client, admin, order, [{"sku": "TSHIRT-WHT-M", "quantity": 1}],
                        reason="missing_items")
    step(client, admin, found["number"], "approve")
    closed = step(client, admin, found["number"], "close", {"outcome": "reship"})
    new = client.get(f"/api/v1/orders/{closed['replacement_order']}",
                     headers=admin).get_json()
    assert [(line["sku"], line["qty"], line["price"]) for line in new["data"]["items"]] == [
        ("TSHIRT-WHT-M", 1, "0")]
    assert new["total"] in ("0", "0.00")
    assert closed["state"] == "closed" and closed["outcome"] == "reship"


def test_a_retail_line_at_0_beside_charged_lines_is_still_refused(client, token_for):
    admin = bearer(token_for("admin"))
    assert client.post("/api/v1/templates/retail/import", headers=admin,
                       json={}).status_code == 201
    taken = sample("retail")
    items = [dict(line) for line in taken["data"]["items"]]
    items[0]["price"] = "0"
    refused = client.post("/api/v1/orders", headers=admin, json={
        "order_type": taken["order_type"], "data": {**taken["data"], "items": items}})
    problem = assert_problem(refused, 422)
    assert "Every line needs a price above 0" in str(problem)


def test_catering_and_manufacturing_take_an_order_at_no_charge_with_the_originals_date(
        client, token_for):
    # A re-shipment copies the original's delivery date, by then in the past: the
    # templates' date rules refused it, so no re-shipment could be made on them. An
    # order that is charged is still refused a date in the past.
    admin = bearer(token_for("admin"))
    for template, date_key in (("catering", "delivery_date"),
                               ("manufacturing", "requested_delivery")):
        assert client.post(f"/api/v1/templates/{template}/import", headers=admin,
                           json={}).status_code == 201
        taken = sample(template)
        past = {**taken["data"], date_key: "2026-01-05"}
        free = [{**line, "price": "0"} for line in taken["data"]["items"]]
        made = client.post("/api/v1/orders", headers=admin, json={
            "order_type": taken["order_type"], "data": {**past, "items": free}})
        assert made.status_code == 201, (template, made.get_json())
        assert_problem(client.post("/api/v1/orders", headers=admin, json={
            "order_type": taken["order_type"], "data": past}), 422)
