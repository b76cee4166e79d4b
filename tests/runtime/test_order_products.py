"""Order lines and the product catalog: the picker's search (by SKU, name or barcode,
with the list price, a page at a time) and a SKU the catalog does not have refused at
its line when the order is entered or edited, not later as a shortage at routing."""
from __future__ import annotations

import pytest

from tests.platform.test_api_tokens import assert_problem, bearer

ORDER = {"customer": {"code": "C1", "name": "Li Wei"},
         "ship_to": {"country": "CN", "province": "Zhejiang"}}


@pytest.fixture
def catalog(client, token_for):
    admin = bearer(token_for("admin"))
    for sku, name, barcode, price in [("TEA-01", "Longjing tea", "6901234500011", "88.00"),
                                      ("TEA-02", "Pu'er tea 100%", None, None),
                                      ("CUP-01", "Tea cup", "6901234500028", "15.50")]:
        body = {"sku": sku, "name": name, "attributes": {"price": price} if price else {}}
        if barcode:
            body["barcode"] = barcode
        assert client.post("/api/v1/products", headers=admin, json=body).status_code == 201
    return bearer(token_for("staff"))


def skus(answer) -> list[str]:
    return [p["sku"] for p in answer["products"]]


def test_products_are_found_by_sku_name_or_barcode_with_their_price(client, catalog):
    found = client.get("/api/v1/products/search?q=tea", headers=catalog).get_json()
    assert skus(found) == ["CUP-01", "TEA-01", "TEA-02"]
    assert found["products"][1] == {"sku": "TEA-01", "name": "Longjing tea",
                                    "barcode": "6901234500011", "price": "88.00"}
    assert found["products"][2]["price"] is None
    assert skus(client.get("/api/v1/products/search?q=500028", headers=catalog)
                .get_json()) == ["CUP-01"]
    assert skus(client.get("/api/v1/products/search?q=LONGJING", headers=catalog)
                .get_json()) == ["TEA-01"]
    # A percent sign is a letter of the name, not a wildcard.
    assert skus(client.get("/api/v1/products/search?q=100%25", headers=catalog)
                .get_json()) == ["TEA-02"]


def test_products_come_a_page_at_a_time(client, catalog):
    first = client.get("/api/v1/products/search?limit=2", headers=catalog).get_json()
    assert skus(first) == ["CUP-01", "TEA-01"]
    second = client.get(first["next"], headers=catalog).get_json()
    assert skus(second) == ["TEA-02"] and second["next"] is None


def test_a_bad_page_size_is_refused_by_name(client, catalog):
    body = assert_problem(client.get("/api/v1/products/search?limit=0", headers=catalog), 422)
    assert "limit" in body["detail"]


def test_the_product_search_needs_the_stock_permission(client, catalog, token_for):
    designer = bearer(token_for("designer"))  # designers do not see stock
    assert client.get("/api/v1/products/search?q=tea", headers=designer).status_code == 403


def test_an_unknown_sku_is_refused_at_its_line_and_nothing_is_stored(client, catalog,
                                                                     published):
    body = assert_problem(client.post("/api/v1/orders", headers=catalog, json={
        "order_type": "retail_order", "data": {**ORDER, "items": [
            {"sku": "TEA-01", "qty": 1, "price": "88.00"},
            {"sku": "sneaker-42", "qty": 1, "price": "10"}]}}), 422)
    assert body["errors"] == [{"pointer": "/data/items/1/sku",
                               "detail": "no product 'sneaker-42'"}]
    assert client.get("/api/v1/orders", headers=catalog).get_json()["orders"] == []


def test_an_edit_that_types_an_unknown_sku_is_refused_at_its_line(client, catalog, published):
    created = client.post("/api/v1/orders", headers=catalog, json={
        "order_type": "retail_order", "data": {**ORDER, "items": [
            {"sku": "TEA-01", "qty": 2, "price": "88.00"}]}})
    assert created.status_code == 201, created.get_json()
    number = created.get_json()["number"]
    body = assert_problem(client.patch(f"/api/v1/orders/{number}", headers={
        **catalog, "If-Match": f'"{created.get_json()["revision"]}"'}, json={"data": {"items": [
            {"sku": "TEA-0l", "qty": 2, "price": "88.00"}]}}), 422)
    assert [e["pointer"] for e in body["errors"]] == ["/data/items/0/sku"]
    order = client.get(f"/api/v1/orders/{number}", headers=catalog).get_json()
    assert order["data"]["items"][0]["sku"] == "TEA-01"


def test_a_business_without_a_catalog_types_its_skus_freely(client, published, token_for):
    staff = bearer(token_for("staff"))
    created = client.post("/api/v1/orders", headers=staff, json={
        "order_type": "retail_order", "data": {**ORDER, "items": [
            {"sku": "ANYTHING-1", "qty": 1, "price": "5"}]}})
    assert created.status_code == 201, created.get_json()
