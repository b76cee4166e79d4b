"""Real-shaped marketplace exports (Tmall, JD) imported with the shipped presets, no
edits, into the retail template's order type."""
from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest
from openpyxl import Workbook

from orderloom.platform import templates
from orderloom.runtime.channels.marketplace_presets import JD, TMALL, TMALL_BAOBEI
from orderloom.runtime.channels.presets import PRESETS
from tests.platform.test_api_tokens import bearer

# The order report (订单报表), in the column order of the real export.
ORDER_COLUMNS = ["订单编号", "买家会员名", "买家支付宝账号", "买家应付货款", "买家应付邮费",
                 "买家支付积分", "总金额", "返点积分", "买家实际支付金额", "买家实际支付积分",
                 "订单状态", "买家留言", "收货人姓名", "收货地址", "运送方式", "联系电话",
                 "联系手机", "订单创建时间", "订单付款时间", "宝贝标题", "宝贝种类", "物流单号",
                 "物流公司", "订单备注", "宝贝总数量", "店铺Id", "店铺名称"]
# Tmall's order numbers have 19 digits: as a float they would lose the last ones.
PAID, SECOND, UNPAID = "3712345678901234561", "3712345678901234562", "3712345678901234563"
ORDERS = [
    {"订单编号": PAID, "买家会员名": "tb_zhangwei", "买家支付宝账号": "zw***@163.com",
     "买家应付货款": "257.00", "买家应付邮费": "10.00", "买家支付积分": "0", "总金额": "267.00",
     "返点积分": "0", "买家实际支付金额": "267.00", "买家实际支付积分": "0",
     "订单状态": "买家已付款，等待卖家发货", "买家留言": "请用顺丰", "收货人姓名": "张伟",
     "收货地址": "广东省 广州市 天河区 珠江新城华夏路10号(510623)", "运送方式": "快递",
     "联系电话": "", "联系手机": "138****1234", "订单创建时间": "2026-11-25 10:20:01",
     "订单付款时间": "2026-11-25 10:21:30", "宝贝标题": "T恤 马克杯", "宝贝种类": "2",
     "物流单号": "", "物流公司": "", "订单备注": "加急", "宝贝总数量": "3", "店铺Id": "1001",
     "店铺名称": "示例旗舰店"},
    {"订单编号": SECOND, "买家会员名": "tb_liuyang", "买家支付宝账号": "ly***@qq.com",
     "买家应付货款": "299.00", "买家应付邮费": "0.00", "买家支付积分": "0", "总金额": "299.00",
     "返点积分": "0", "买家实际支付金额": "299.00", "买家实际支付积分": "0",
     "订单状态": "卖家已发货，等待买家确认", "买家留言": "", "收货人姓名": "刘洋",
     "收货地址": "上海上海市浦东新区世纪大道100号", "运送方式": "快递", "联系电话": "",
     "联系手机": "13900001111", "订单创建时间": "2026-11-25 11:00:00",
     "订单付款时间": "2026-11-25 11:02:00", "宝贝标题": "牛仔裤", "宝贝种类": "1",
     "物流单号": "SF1234", "物流公司": "顺丰速运", "订单备注": "", "宝贝总数量": "1",
     "店铺Id": "1001", "店铺名称": "示例旗舰店"},
    {"订单编号": UNPAID, "买家会员名": "tb_wangfang", "买家支付宝账号": "",
     "买家应付货款": "138.00", "买家应付邮费": "6.00", "买家支付积分": "0", "总金额": "144.00",
     "返点积分": "0", "买家实际支付金额": "0.00", "买家实际支付积分": "0",
     "订单状态": "等待买家付款", "买家留言": "", "收货人姓名": "王芳",
     "收货地址": "新疆维吾尔自治区 乌鲁木齐市 天山区 人民路1号", "运送方式": "快递",
     "联系电话": "0991-1234567", "联系手机": "13700002222",
     "订单创建时间": "2026-11-25 12:00:00", "订单付款时间": "", "宝贝标题": "帽子 帆布袋",
     "宝贝种类": "2", "物流单号": "", "物流公司": "", "订单备注": "", "宝贝总数量": "2",
     "店铺Id": "1001", "店铺名称": "示例旗舰店"},
]
# The newer order-detail report: one row per line, its order in 主订单编号.
DETAIL_COLUMNS = ["子订单编号", "主订单编号", "商品标题", "商品价格", "购买数量", "外部系统编号",
                  "商品属性", "套餐信息", "订单状态", "商家编码"]
LINES = [
    (PAID, "白色T恤 M", "79.00", "2", "TSHIRT-WHT-M"),
    (PAID, "马克杯 350ml", "99.00", "1", "MUG-350"),
    (SECOND, "牛仔裤 32", "299.00", "1", "JEANS-32"),
    (UNPAID, "藏青棒球帽", "69.00", "1", "CAP-NAVY"),
    (UNPAID, "帆布托特包", "69.00", "1", "TOTE-CANVAS"),
]


def detail_rows() -> list[dict[str, str]]:
    return [{"子订单编号": f"{order}{n}", "主订单编号": order, "商品标题": title,
             "商品价格": price, "购买数量": qty, "外部系统编号": "", "商品属性": "",
             "套餐信息": "", "订单状态": "", "商家编码": sku}
            for n, (order, title, price, qty, sku) in enumerate(LINES)]


def joined_rows() -> list[dict[str, str]]:
    """One row per line with its order's columns: the two reports joined."""
    orders = {o["订单编号"]: o for o in ORDERS}
    return [{**orders[line["主订单编号"]], **{k: v for k, v in line.items() if k != "订单状态"}}
            for line in detail_rows()]


def csv_bytes(rows: list[dict[str, str]], encoding: str, wrap: bool = False) -> bytes:
    out = io.StringIO()
    columns = list(rows[0])
    out.write(",".join(columns) + "\r\n")
    for row in rows:
        cells = []
        for column in columns:
            value = row[column]
            if wrap and column in ("订单编号", "主订单编号", "子订单编号") and value:
                cells.append(f'="{value}"')  # as the seller centre writes them
            elif wrap and column == "联系手机" and value:
                cells.append("'" + value)
            elif wrap and column == "买家会员名":
                cells.append("\t" + value)
            else:
                cells.append(_quoted(value))
        out.write(",".join(cells) + "\r\n")
    text = out.getvalue()
    return ("\ufeff" + text).encode("utf-8") if encoding == "utf-8-sig" else text.encode(encoding)


def _quoted(value: str) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow([value])
    return buffer.getvalue().rstrip("\r\n")


def xlsx_bytes(rows: list[dict[str, str]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(rows[0]))
    for row in rows:
        sheet.append([Decimal(v) if k in ("商品价格", "买家应付邮费", "买家实际支付金额")
                      else int(v) if k == "购买数量" else v for k, v in row.items()])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.fixture
def seller(client, db, token_for):
    """An administrator of a workspace with the retail template."""
    templates.import_template(db, "test", "retail")
    db.commit()
    return bearer(token_for("admin"))


def upload(client, headers, content: bytes, name: str, mapping: dict, lines: bytes | None = None,
           **query):
    data = {"file": (io.BytesIO(content), name), "mapping": json.dumps(mapping)}
    if lines is not None:
        data["lines_file"] = (io.BytesIO(lines), "detail.csv")
    return client.post("/api/v1/order-imports", headers=headers,
                       query_string={"order_type": "retail_order", **query}, data=data,
                       content_type="multipart/form-data")


def orders_by_channel_no(client, headers, created) -> dict[str, dict]:
    found = {}
    for entry in created:
        order = client.get(f"/api/v1/orders/{entry['number']}", headers=headers).get_json()
        found[order["data"]["channel_order_no"]] = order
    return found


def assert_tmall_orders_arrived(client, headers, answer) -> None:
    assert answer.status_code == 200, answer.get_json()
    report = answer.get_json()
    assert report["failed"] == [] and "missing_columns" not in report
    assert sorted(c["external_id"] for c in report["created"]) == [PAID, SECOND, UNPAID]
    orders = orders_by_channel_no(client, headers, report["created"])
    paid = orders[PAID]["data"]
    # (an Excel cell keeps 79.00 as the number 79)
    assert [(i["sku"], i["qty"], Decimal(i["price"])) for i in paid["items"]] == [
        ("TSHIRT-WHT-M", 2, Decimal("79.00")), ("MUG-350", 1, Decimal("99.00"))]
    assert Decimal(paid["shipping_fee"]) == Decimal("10.00")
    assert paid["total"] == "267.00"  # 2 x 79 + 99 + 10 shipping
    assert paid["customer"] == {"code": "tb_zhangwei", "name": "张伟", "phone": "138****1234"}
    assert paid["ship_to"] == {"country": "CN", "province": "广东省", "city": "广州市",
                               "district": "天河区", "street": "珠江新城华夏路10号",
                               "postcode": "510623"}
    assert paid["note"] == "请用顺丰 〔卖家备注〕加急"
    assert paid["payment_method"] == "alipay"
    second = orders[SECOND]["data"]
    assert second["ship_to"]["province"] == second["ship_to"]["city"] == "上海市"
    assert (second["ship_to"]["district"], second["ship_to"]["street"]) == (
        "浦东新区", "世纪大道100号")
    assert "note" not in second or not second["note"]
    unpaid = orders[UNPAID]["data"]
    assert (unpaid["ship_to"]["province"], unpaid["ship_to"]["city"]) == (
        "新疆维吾尔自治区", "乌鲁木齐市")
    assert unpaid["total"] == "144.00"

    money = client.get(f"/api/v1/orders/{orders[PAID]['number']}/payments",
                       headers=headers).get_json()
    assert money["payment_status"] == "paid"
    assert [(p["amount"], p["currency"]) for p in money["payments"]] == [("267.00", "CNY")]
    assert money["payments"][0]["received_at"].startswith("2026-11-25T02:21:30")  # UTC
    money = client.get(f"/api/v1/orders/{orders[UNPAID]['number']}/payments",
                       headers=headers).get_json()
    assert (money["payment_status"], money["payments"]) == ("unpaid", [])


@pytest.mark.parametrize("shape", ["csv-utf8-bom", "csv-gb18030-wrapped", "xlsx"])
def test_a_tmall_export_imports_with_the_shipped_preset(client, seller, shape):
    rows = joined_rows()
    content = {"csv-utf8-bom": lambda: csv_bytes(rows, "utf-8-sig"),
               "csv-gb18030-wrapped": lambda: csv_bytes(rows, "gb18030", wrap=True),
               "xlsx": lambda: xlsx_bytes(rows)}[shape]()
    shipped = next(p for p in PRESETS if p["key"] == "tmall_orders")["mapping"]
    answer = upload(client, seller, content, "ExportOrderList.csv", shipped)
    assert_tmall_orders_arrived(client, seller, answer)


def test_the_order_report_and_its_line_report_import_together(client, seller):
    orders = csv_bytes(ORDERS, "gb18030", wrap=True)
    lines = csv_bytes(detail_rows(), "gb18030", wrap=True)
    preview = upload(client, seller, orders, "ExportOrderList.csv", TMALL["mapping"], lines,
                     preview="1").get_json()
    assert [o["rows"] for o in preview["orders"]] == [[2, 3], [4], [5, 6]]
    answer = upload(client, seller, orders, "ExportOrderList.csv", TMALL["mapping"], lines)
    assert_tmall_orders_arrived(client, seller, answer)


def test_the_older_item_report_has_its_own_preset(client, seller):
    lines = [{"订单编号": order, "标题": title, "价格": price, "购买数量": qty,
              "外部系统编号": "", "商品属性": "", "套餐信息": "", "备注": "", "订单状态": "",
              "商家编码": sku} for order, title, price, qty, sku in LINES]
    answer = upload(client, seller, csv_bytes(ORDERS, "utf-8-sig"), "orders.csv",
                    TMALL_BAOBEI["mapping"], csv_bytes(lines, "gb18030", wrap=True))
    assert_tmall_orders_arrived(client, seller, answer)


def test_a_missing_column_is_named_with_the_columns_the_file_has(client, seller):
    rows = [{("商品编码" if k == "商家编码" else k): v for k, v in row.items()}
            for row in joined_rows()]
    report = upload(client, seller, csv_bytes(rows, "utf-8-sig"), "orders.csv",
                    TMALL["mapping"], preview="1").get_json()
    missing = report["missing_columns"]  # once for the file
    assert [(m["pointer"], m["column"]) for m in missing] == [
        ("/mapping/lines/items/fields/sku", "商家编码")]
    assert "商品编码" in missing[0]["detail"] and "订单编号" in missing[0]["detail"]
    assert "文件中不存在" in missing[0]["detail"]
    assert len(report["failed"]) == 3  # every line needs its SKU
    for failure in report["failed"]:
        for error in failure["errors"]:
            assert error["pointer"].endswith("/sku"), error
            assert "'商家编码'" in error["detail"] and "文件中没有列「商家编码」" in error["detail"]


def test_a_file_without_the_order_number_column_is_refused_naming_it(client, seller):
    rows = [{("订单号" if k == "订单编号" else k): v for k, v in row.items()}
            for row in joined_rows()]
    answer = upload(client, seller, csv_bytes(rows, "utf-8-sig"), "orders.csv",
                    TMALL["mapping"])
    assert answer.status_code == 422
    problem = answer.get_json()
    [error] = problem["errors"]
    assert error["pointer"] == "/file"
    assert "'订单编号'" in error["detail"] and "订单号, 买家会员名" in error["detail"]
    assert "「订单编号」" in error["detail"]


def test_a_line_report_without_an_order_column_is_refused(client, seller):
    lines = [{k: v for k, v in row.items() if k != "主订单编号"} for row in detail_rows()]
    answer = upload(client, seller, csv_bytes(ORDERS, "utf-8-sig"), "orders.csv",
                    TMALL["mapping"], csv_bytes(lines, "utf-8-sig"))
    assert answer.status_code == 422
    [error] = answer.get_json()["errors"]
    assert "主订单编号" in error["detail"] and "子订单编号" in error["detail"]


def test_a_jd_export_imports_with_the_shipped_preset(client, seller):
    columns = ["订单号", "商品ID", "商品名称", "订购数量", "支付方式", "下单时间", "京东价",
               "订单金额", "结算金额", "余额支付", "应付金额", "订单状态", "订单类型", "下单帐号",
               "客户姓名", "客户地址", "联系电话", "订单备注", "发票类型", "商家备注",
               "运费金额", "付款确认时间", "货号"]
    order = {"订单号": "280012345678", "支付方式": "在线支付", "下单时间": "2026-11-26 09:00:00",
             "订单金额": "467.00", "结算金额": "467.00", "余额支付": "0.00", "应付金额": "467.00",
             "订单状态": "等待出库", "订单类型": "普通订单", "下单帐号": "jd_chenjing",
             "客户姓名": "陈静", "客户地址": "北京朝阳区三环以内建国路88号",
             "联系电话": "186****8888",
             "订单备注": "", "发票类型": "电子发票", "商家备注": "送礼", "运费金额": "8.00",
             "付款确认时间": "2026-11-26 09:01:00"}
    rows = [{**dict.fromkeys(columns, ""), **order, "商品ID": "100001", "商品名称": "运动鞋",
             "订购数量": "1", "京东价": "459.00", "货号": "SNEAKER-42"}]
    answer = upload(client, seller, csv_bytes(rows, "gb18030"), "jd.csv", JD["mapping"])
    report = answer.get_json()
    assert report["failed"] == [], report
    [order_data] = orders_by_channel_no(client, seller, report["created"]).values()
    data = order_data["data"]
    assert (data["ship_to"]["province"], data["ship_to"]["city"], data["ship_to"]["district"],
            data["ship_to"]["street"]) == ("北京市", "北京市", "朝阳区", "三环以内建国路88号")
    assert data["total"] == "467.00" and data["shipping_fee"] == "8.00"
    assert data["note"] == "〔商家备注〕送礼"
    money = client.get(f"/api/v1/orders/{order_data['number']}/payments",
                       headers=seller).get_json()
    assert money["payment_status"] == "paid"
    assert money["payments"][0]["method"] == "在线支付"


def test_a_sample_of_the_export_can_be_tried_before_saving(client, seller):
    """The mapping test answers the orders a pasted sample of rows maps to; a row that
    leaves a column out (订单备注) is read as the file would be, that cell empty."""
    sample = [{k: v for k, v in row.items() if v} for row in joined_rows()]
    answer = client.post("/api/v1/channel-mappings/test", headers=seller,
                         json={"order_type": "retail_order", "mapping": TMALL["mapping"],
                               "sample": sample})
    assert answer.status_code == 200, answer.get_json()
    orders = answer.get_json()["orders"]
    assert [o["rows"] for o in orders] == [[2, 3], [4], [5, 6]]
    assert all(o["problems"] == [] for o in orders), orders
    assert orders[0]["data"]["total"] == "267.00"
    assert orders[0]["data"]["ship_to"]["district"] == "天河区"


def test_an_empty_line_report_input_is_no_line_report(client, seller):
    """The Imports page sends its optional second file input even when left empty."""
    answer = client.post(
        "/api/v1/order-imports", headers=seller, content_type="multipart/form-data",
        query_string={"order_type": "retail_order", "preview": "1"},
        data={"file": (io.BytesIO(csv_bytes(joined_rows(), "utf-8-sig")), "orders.csv"),
              "lines_file": (io.BytesIO(b""), ""), "mapping": json.dumps(TMALL["mapping"])})
    assert answer.status_code == 200, answer.get_json()
    assert [o["rows"] for o in answer.get_json()["orders"]] == [[2, 3], [4], [5, 6]]


def test_two_reports_import_in_the_background_too(client, seller):
    from tests.channels.test_import_progress import follow

    started = upload(client, seller, csv_bytes(ORDERS, "gb18030", wrap=True), "orders.csv",
                     TMALL["mapping"], csv_bytes(detail_rows(), "utf-8-sig"), background="1")
    assert started.status_code == 202, started.get_json()
    done = follow(client, seller, started.get_json()["progress_url"])[-1]
    assert (done["status"], done["orders_created"], done["rows_failed"]) == ("done", 3, 0)
    orders = orders_by_channel_no(client, seller, done["created"])
    assert sorted(orders) == [PAID, SECOND, UNPAID]
    assert orders[PAID]["data"]["total"] == "267.00"
