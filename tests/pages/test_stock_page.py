"""The stock page: levels per SKU per warehouse found by SKU, low stock marked, an
adjustment with its reason, a stock file, and each refusal beside its box."""
from __future__ import annotations

import html
import io
import re

import pytest
from sqlalchemy import select

from orderloom.runtime.orders.models import Order
from orderloom.runtime.stock import keeping
from tests.platform.test_api_tokens import bearer
from tests.runtime.support import create


@pytest.fixture
def shelves(client, token_for, published, db):
    """Tea (low-stock threshold 5) and cups in Hangzhou; 4 teas reserved for an order."""
    admin = bearer(token_for("admin"))
    for product in ({"sku": "TEA-01", "name": "Longjing tea", "low_stock_threshold": 5},
                    {"sku": "CUP-02", "name": "Celadon cup"}):
        assert client.post("/api/v1/products", headers=admin, json=product).status_code == 201
    assert client.post("/api/v1/warehouses", headers=admin, json={
        "code": "HZ", "name": "Hangzhou", "regions": ["Zhejiang"], "priority": 1}
    ).status_code == 201
    for sku, quantity in (("TEA-01", 8), ("CUP-02", 30)):
        assert client.post("/api/v1/stock/receipts", headers=admin, json={
            "sku": sku, "warehouse": "HZ", "quantity": quantity}).status_code == 201
    number = create(client, bearer(token_for("staff"))).get_json()["number"]
    order_id = db.scalar(select(Order.id).where(Order.number == number))
    keeping.reserve(db, "test", order_id, [keeping.Line(
        keeping.product(db, "TEA-01").id, keeping.warehouse(db, "HZ").id, 4)])
    db.commit()


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _row(page: str, sku: str) -> list[str]:
    found = re.search(rf'<tr data-sku="{sku}" data-warehouse="HZ">(.*?)</tr>', page, re.S)
    assert found, f"no row for {sku}"
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cell)).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", found.group(1), re.S)]


def _post(client, actions, path: str, data: dict, **kwargs):
    return client.post(path, data={"csrf_token": actions.csrf("/stock"), **data}, **kwargs)


def test_levels_are_shown_found_by_sku_and_low_stock_is_marked(client, actions, shelves):
    actions.login_as("viewer")
    page = _text(client.get("/stock"))
    assert _row(page, "TEA-01") == ["TEA-01", "Longjing tea", "HZ", "8", "4", "4 low", "5"]
    assert _row(page, "CUP-02") == ["CUP-02", "Celadon cup", "HZ", "30", "0", "30", ""]
    found = _text(client.get("/stock?sku=cup"))
    assert 'data-sku="CUP-02"' in found and 'data-sku="TEA-01"' not in found
    assert "No stock matches “NOPE”." in _text(client.get("/stock?sku=NOPE"))
    assert 'id="adjust"' not in page  # a viewer changes nothing
    download = client.get("/api/v1/stock/export?format=csv")
    assert download.status_code == 200 and "TEA-01,HZ,8,4,4" in download.get_data(as_text=True)


def test_an_adjustment_with_its_reason_changes_the_level(client, actions, shelves, token_for):
    actions.login_as("admin")
    answer = _post(client, actions, "/stock/adjustments", {
        "sku": "TEA-01", "warehouse": "HZ", "change": "-3", "reference": "three tins dented"},
        follow_redirects=True)
    page = _text(answer)
    assert "TEA-01 in HZ is adjusted by -3." in page
    assert _row(page, "TEA-01")[3:6] == ["5", "4", "1 low"]
    ledger = client.get("/api/v1/stock/movements?sku=TEA-01",
                        headers=bearer(token_for("admin"))).get_json()
    assert (ledger[0]["kind"], ledger[0]["on_hand_change"], ledger[0]["reference"]) == (
        "adjustment", -3, "three tins dented")


def test_refused_adjustments_are_shown_beside_their_box(client, actions, shelves):
    actions.login_as("admin")
    taken = _post(client, actions, "/stock/adjustments", {
        "sku": "TEA-01", "warehouse": "HZ", "change": "-5", "reference": "count"})
    assert taken.status_code == 409
    page = _text(taken)
    beside = re.search(r'id="adjust-change"[^>]*>\s*<p class="error"[^>]*>([^<]*)</p>', page)
    assert beside and beside.group(1) == (
        "Only 4 of TEA-01 are available in HZ (the rest is reserved for orders): an "
        "adjustment cannot take away more.")
    assert _row(page, "TEA-01")[3] == "8"  # nothing changed
    assert 'value="count"' in page  # the reason typed is kept

    bad = _text(_post(client, actions, "/stock/adjustments", {
        "sku": "TEA-99", "warehouse": "HZ", "change": "two", "reference": ""}))
    assert re.search(r'id="adjust-sku"[^>]*>\s*<p class="error"[^>]*>there is no product '
                     r"with SKU 'TEA-99'</p>", bad)
    assert re.search(r'id="adjust-change"[^>]*>\s*<p class="error"[^>]*>Give a whole number',
                     bad)
    assert re.search(r'id="adjust-reference"[^>]*>\s*<p class="error"[^>]*>Say why', bad)


def test_a_stock_file_sets_counts_or_lists_its_bad_rows(client, actions, shelves):
    actions.login_as("admin")
    good = "sku,warehouse,quantity,reference\nCUP-02,HZ,25,count 7 Dec\n"
    answer = _post(client, actions, "/stock/import", {
        "mode": "set", "file": (io.BytesIO(good.encode()), "count.csv")},
        content_type="multipart/form-data", follow_redirects=True)
    page = _text(answer)
    assert "The stock file is imported: 1 rows (0 received, 1 adjusted, 0 unchanged)." in page
    assert _row(page, "CUP-02")[3] == "25"

    bad = "sku,warehouse,quantity,reference\nCUP-02,HZ,5,\nTEA-77,HZ,1,\n"
    refused = _post(client, actions, "/stock/import", {
        "mode": "receive", "file": (io.BytesIO(bad.encode()), "in.csv")},
        content_type="multipart/form-data")
    assert refused.status_code == 422
    page = _text(refused)
    assert "Nothing was imported: fix these rows and send the file again." in page
    assert "Row 3: there is no product with SKU 'TEA-77'" in page
    assert _row(page, "CUP-02")[3] == "25"  # all rows or none


def test_a_viewer_cannot_change_stock(client, actions, shelves):
    actions.login_as("viewer")
    refused = _post(client, actions, "/stock/adjustments", {
        "sku": "TEA-01", "warehouse": "HZ", "change": "5", "reference": "found"})
    assert refused.status_code == 403
    assert _row(_text(client.get("/stock")), "TEA-01")[3] == "8"


def test_the_stock_page_speaks_chinese(client, actions, shelves):
    actions.login_as("admin")
    page = _text(client.get("/stock?lang=zh"))
    assert "库存" in page and "可用" in page and "按盘点调整库存" in page
