"""Orders from CSV and Excel files, and exported back."""
from __future__ import annotations

import csv
import io
import json

from openpyxl import Workbook, load_workbook

from orderloom.runtime.channels.presets import PRESETS
from orderloom.runtime.orders.models import Order
from tests.channels.support import MARKETPLACE_ROWS, count
from tests.designer.samples import retail
from tests.platform.test_api_tokens import assert_problem

MARKETPLACE = next(p for p in PRESETS if p["key"] == "marketplace_export")["mapping"]


def csv_file(rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def xlsx_file(rows: list[dict]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(rows[0]))
    for row in rows:
        sheet.append([float(v) if k in ("数量", "单价") else v for k, v in row.items()])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def upload(client, headers, content: bytes, name: str, mapping=MARKETPLACE, **query):
    return client.post("/api/v1/order-imports", headers=headers,
                       query_string={"order_type": "retail_order", **query},
                       data={"file": (io.BytesIO(content), name),
                             "mapping": json.dumps(mapping)},
                       content_type="multipart/form-data")


def broken_rows() -> list[dict]:
    rows = [dict(r) for r in MARKETPLACE_ROWS]
    rows.append({**rows[2], "订单编号": "TM20261125003", "数量": "0"})  # breaks qty >= 1
    return rows


def test_a_csv_import_previews_then_creates_and_reports_rows(client, db, admin):
    content = csv_file(broken_rows())
    preview = upload(client, admin, content, "orders.csv", preview="1")
    assert preview.status_code == 200, preview.get_json()
    report = preview.get_json()
    assert report["rows"] == 4
    assert [o["rows"] for o in report["orders"]] == [[2, 3], [4]]
    assert report["failed"] == [{"rows": [5], "external_id": "TM20261125003", "errors": [
        {"pointer": "/order/items/0/qty", "detail": "must be at least 1"}]}]
    assert count(db, Order) == 0

    done = upload(client, admin, content, "orders.csv").get_json()
    assert [(c["rows"], c["external_id"]) for c in done["created"]] == [
        ([2, 3], "TM20261125001"), ([4], "TM20261125002")]
    assert len(done["failed"]) == 1
    assert count(db, Order) == 2
    again = upload(client, admin, content, "orders.csv").get_json()
    assert again["created"] == [] and [d["rows"] for d in again["duplicates"]] == [[2, 3], [4]]
    assert count(db, Order) == 2


def test_an_xlsx_import_reads_numbers_exactly(client, db, admin):
    done = upload(client, admin, xlsx_file(MARKETPLACE_ROWS), "orders.xlsx")
    assert done.status_code == 200, done.get_json()
    created = done.get_json()["created"]
    assert len(created) == 2
    order = client.get(f"/api/v1/orders/{created[0]['number']}", headers=admin).get_json()
    # Excel keeps 19.9 as a binary float; it must arrive as 19.9, not 19.899999...
    assert [line["price"] for line in order["data"]["items"]] == ["1250.5", "19.9"]
    assert order["data"]["total"] == "1330.10"


def test_a_file_that_is_no_table_is_a_clear_error(client, admin):
    response = upload(client, admin, b"PK\x03\x04broken", "orders.xlsx")
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["pointer"] == "/file"


def test_orders_must_come_as_a_file(client, admin):
    as_json = client.post("/api/v1/order-imports?order_type=retail_order", headers=admin,
                          json={"mapping": MARKETPLACE, "rows": MARKETPLACE_ROWS})
    assert "multipart/form-data" in assert_problem(as_json, 415)["detail"]
    no_file = client.post("/api/v1/order-imports", headers=admin,
                          query_string={"order_type": "retail_order"},
                          data={"mapping": json.dumps(MARKETPLACE)},
                          content_type="multipart/form-data")
    assert assert_problem(no_file, 422)["errors"][0]["pointer"] == "/file"


def export_mapping(columns: list[str]) -> dict:
    fields = {c: f"$['{c}']" for c in columns
              if c.startswith(("customer.", "ship_to.")) or c in ("priority", "note")}
    return {"external_id": "$.number", "fields": fields, "lines": {"items": {
        "from": "$.rows[*]", "fields": {"sku": "$['items.sku']", "qty": "$['items.qty']",
                                        "price": "$['items.price']"}}}}


def test_export_then_import_into_a_fresh_order_type_gives_the_same_orders(
        client, db, admin, published):
    upload(client, admin, csv_file(MARKETPLACE_ROWS), "orders.csv")
    for kind in ("csv", "xlsx"):
        exported = client.get(f"/api/v1/orders/export?format={kind}&order_type=retail_order",
                              headers=admin)
        assert exported.status_code == 200
        if kind == "xlsx":
            sheet = load_workbook(io.BytesIO(exported.data)).active
            header = [c.value for c in next(sheet.iter_rows())]
            assert sheet.max_row == 4  # header and three lines
        else:
            header = next(csv.reader(io.StringIO(exported.data.decode("utf-8-sig"))))
        fresh = retail()
        fresh["key"] = f"copy_{kind}"
        fresh["number_prefix"] = kind.upper()
        client.post("/api/v1/import", headers=published, json={
            "format": "orderloom-package/1", "order_types": [fresh]})
        imported = client.post("/api/v1/order-imports", headers=admin,
                               query_string={"order_type": fresh["key"]},
                               data={"file": (io.BytesIO(exported.data), f"x.{kind}"),
                                     "mapping": json.dumps(export_mapping(header))},
                               content_type="multipart/form-data").get_json()
        assert imported["failed"] == [] and len(imported["created"]) == 2, imported
        originals = client.get("/api/v1/orders?order_type=retail_order",
                               headers=admin).get_json()["orders"]
        copies = client.get(f"/api/v1/orders?order_type={fresh['key']}",
                            headers=admin).get_json()["orders"]
        assert [o["data"] for o in copies] == [o["data"] for o in originals]


def test_marketplace_wrappers_are_taken_off_and_long_order_numbers_kept_exact():
    from orderloom.runtime.channels.order_files import read_sheet

    text = ('订单编号,联系手机,买家会员名,备注\r\n'
            '="3712345678901234561",\'138****1234,\ttb_buyer,\'s own note\r\n'
            '="3712345678901234562",="",x,\r\n')
    for encoding in ("utf-8-sig", "gb18030"):
        columns, rows = read_sheet(text.encode(encoding), "orders.csv")
        assert columns == ["订单编号", "联系手机", "买家会员名", "备注"]
        assert rows == [
            (2, {"订单编号": "3712345678901234561", "联系手机": "138****1234",
                 "买家会员名": "tb_buyer", "备注": "'s own note"}),
            (3, {"订单编号": "3712345678901234562", "买家会员名": "x"})]
