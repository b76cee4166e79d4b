"""The price lists page: prices pasted one a line or read from a CSV file, a wrong line
named in the reader's language with nothing saved, a list changed and deleted, and an
order page that shows which lines were priced below the list."""
from __future__ import annotations

import io

import pytest

from tests.platform.test_api_tokens import bearer
from tests.runtime.support import SAMPLE, create

PAGE = "/admin/price-lists"
CHINESE = {"Accept-Language": "zh-CN,zh;q=0.9"}


@pytest.fixture
def catalog(client, token_for, published):
    admin = bearer(token_for("admin"))
    for sku in ("TEA-01", "CUP-02"):
        assert client.post("/api/v1/products", headers=admin, json={
            "sku": sku, "name": sku, "attributes": {"price": "100.00"}}).status_code == 201
    return admin


def _save(actions, client, headers=None, **form):
    return client.post(PAGE, data={"csrf_token": actions.csrf(PAGE), "currency": "CNY",
                                   **form}, headers=headers or {})


def test_pasted_prices_are_saved_listed_and_changed(actions, client, catalog):
    actions.login_as("admin")
    saved = _save(actions, client, code="gold", name="Gold members", customer_tier="gold",
                  valid_from="2026-01-01",
                  prices="TEA-01 1100.00\n\nTEA-01\t10\t990.00\nCUP-02;15")
    assert saved.status_code == 302, saved.get_data(as_text=True)
    read = client.get("/api/v1/price-lists/gold", headers=catalog).get_json()
    assert read["customer_tier"] == "gold" and read["valid_from"] == "2026-01-01"
    assert read["prices"] == [{"sku": "CUP-02", "min_quantity": 1, "price": "15.00"},
                              {"sku": "TEA-01", "min_quantity": 1, "price": "1100.00"},
                              {"sku": "TEA-01", "min_quantity": 10, "price": "990.00"}]
    page = client.get(f"{PAGE}?code=gold").get_data(as_text=True)
    assert "Price list gold is saved with 3 prices." in page
    assert "tier gold" in page
    assert "TEA-01 10 990.00" in page  # the box holds what was saved, to edit again
    changed = _save(actions, client, editing="gold", code="ignored", name="Gold",
                    prices="TEA-01 1050.00")
    assert changed.status_code == 302
    assert client.get("/api/v1/price-lists/gold", headers=catalog).get_json()["prices"] == [
        {"sku": "TEA-01", "min_quantity": 1, "price": "1050.00"}]
    deleted = client.post(f"{PAGE}/gold/delete", data={"csrf_token": actions.csrf(PAGE)})
    assert deleted.status_code == 302
    assert client.get("/api/v1/price-lists", headers=catalog).get_json() == []


def test_a_wrong_line_is_named_in_the_readers_language_and_nothing_is_saved(
        actions, client, catalog):
    actions.login_as("admin")
    bad = _save(actions, client, code="gold", prices="TEA-01 1100\nTEA-01 -5\n")
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "Prices, line 2: a price may not be negative." in text
    assert "TEA-01 -5" in text  # what was typed is kept to correct
    unknown = _save(actions, client, code="gold", prices="TEA-01 1100\nNOPE 3", headers=CHINESE)
    assert unknown.status_code == 422
    assert "价格，第 2 行：目录中没有商品 NOPE。" in unknown.get_data(as_text=True)
    assert client.get("/api/v1/price-lists", headers=catalog).get_json() == []


def test_a_price_with_a_thousands_comma_is_not_cut_and_a_line_of_odd_parts_is_named(
        actions, client, catalog):
    # "TEA-01 1,100.00" was split on its comma and saved as a break from 1 at 100.00.
    actions.login_as("admin")
    cut = _save(actions, client, code="gold", prices="TEA-01 1,100.00")
    assert cut.status_code == 422
    assert "Prices, line 1: 1,100.00 is not a price" in cut.get_data(as_text=True)
    for pasted, line in (("TEA-01 1100\nCUP-02", 2), ("TEA-01 10 990 5", 1)):
        odd = _save(actions, client, code="gold", prices=pasted)
        assert odd.status_code == 422
        assert f"Prices, line {line}: write a SKU and a price, or a SKU, the quantity the " \
            "price is from and the price." in odd.get_data(as_text=True)
    chinese = _save(actions, client, code="gold", prices="CUP-02", headers=CHINESE)
    assert "价格，第 1 行：" in chinese.get_data(as_text=True)
    assert client.get("/api/v1/price-lists", headers=catalog).get_json() == []


def test_prices_are_read_from_a_csv_file_and_a_bad_row_is_named(actions, client, catalog):
    actions.login_as("admin")
    csv = "商品编码,起订量,单价\nTEA-01,1,1100\nTEA-01,10,990.00\n".encode()
    saved = _save(actions, client, code="wholesale", prices="ignored 1",
                  file=(io.BytesIO(csv), "prices.csv"))
    assert saved.status_code == 302, saved.get_data(as_text=True)
    assert [p["price"] for p in client.get("/api/v1/price-lists/wholesale",
                                           headers=catalog).get_json()["prices"]] == \
        ["1100.00", "990.00"]
    bad = _save(actions, client, code="retail", file=(io.BytesIO(
        b"sku,min_quantity,price\nTEA-01,1,1100\n\nTEA-01,1,1000\n"), "prices.csv"))
    assert bad.status_code == 422
    assert "Prices, row 4: TEA-01 has a price from this quantity already." in \
        bad.get_data(as_text=True)


def test_only_price_managers_see_the_page(actions, client, catalog):
    actions.login_as("staff")
    assert client.get(PAGE).status_code == 403
    assert "Price lists" not in client.get("/").get_data(as_text=True)


def test_the_order_page_shows_the_lines_priced_below_the_list(actions, client, token_for,
                                                              catalog):
    order = create(client, bearer(token_for("staff")), {**SAMPLE, "items": [
        {"sku": "CUP-02", "qty": 1, "price": "100.00"},
        {"sku": "TEA-01", "qty": 2, "price": "80.00"}]}).get_json()
    actions.login_as("viewer")
    page = client.get(f"/orders/{order['number']}").get_data(as_text=True)
    assert "Line 2, TEA-01 × 2: 80.00 CNY, list price 100.00 CNY (the product's own " \
           "price)" in page
    assert page.count('class="below-list"') == 1
    chinese = client.get(f"/orders/{order['number']}", headers=CHINESE).get_data(as_text=True)
    assert "低于价目表" in chinese


def test_the_price_lists_page_speaks_chinese(actions, client, catalog):
    actions.login_as("admin")
    empty = client.get(PAGE, headers=CHINESE).get_data(as_text=True)
    assert "还没有价目表：每行使用商品自身的价格。" in empty
    assert _save(actions, client, code="gold", customer_tier="gold",
                 prices="TEA-01 90").status_code == 302
    page = client.get(PAGE, headers=CHINESE).get_data(as_text=True)
    for words in ("<h1>价目表</h1>", "新建价目表", "等级 gold", "生效日期", "截止日期（含当天）",
                  "渠道（留空：所有渠道）", "最具体的价目表优先", ">删除</button>"):
        assert words in page, words
    for english in ("Price lists", "New price list", "Valid from", "tier gold", "Delete"):
        assert english not in page, english


def test_a_file_that_is_not_read_is_refused_in_the_readers_language(actions, client, catalog):
    # The reader's English reason was shown on the Chinese page.
    actions.login_as("admin")
    old_excel = _save(actions, client, code="gold", headers=CHINESE, file=(io.BytesIO(
        b"\xd0\xcf\x11\xe0" + b"\0" * 64), "prices.xls"))
    assert old_excel.status_code == 422
    text = old_excel.get_data(as_text=True)
    assert "旧版 Excel .xls 文件" in text and "old Excel" not in text
    empty = _save(actions, client, code="gold", file=(io.BytesIO(b""), "prices.csv"))
    # The English reader gets the reader's own words, which name the file.
    assert "The file was not read: prices.csv: the file is empty" in empty.get_data(
        as_text=True)
    assert client.get("/api/v1/price-lists", headers=catalog).get_json() == []
