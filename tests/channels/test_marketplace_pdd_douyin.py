"""Real-shaped Pinduoduo and Douyin shop exports imported with the shipped presets, no
edits, into the retail template's order type; and the money of every marketplace
export: the order's total is what the buyer pays, the rest a discount."""
from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import Workbook

from orderloom.platform import templates
from orderloom.runtime.channels.presets import PRESETS
from tests.channels.test_marketplace_exports import (
    JD,
    TMALL,
    csv_bytes,
    joined_rows,
    orders_by_channel_no,
    upload,
)
from tests.platform.test_api_tokens import bearer

# The Pinduoduo export (订单查询 → 批量导出), in the column order of the real one.
PDD_COLUMNS = ["商品", "订单号", "订单状态", "商品总价(元)", "店铺优惠折扣(元)", "平台优惠折扣(元)",
               "邮费(元)", "用户实付金额(元)", "商家实收金额(元)", "商品数量(件)", "身份证姓名",
               "身份证号码", "收货人", "手机", "是否审核中", "省", "市", "区", "街道", "支付时间",
               "拼单成功时间", "订单确认时间", "承诺发货时间", "发货时间", "确认收货时间", "商品id",
               "商品规格", "用户购买手机号", "样式ID", "商家编码-SKU维度", "商家编码-商品维度",
               "快递单号", "快递公司", "支付方式", "商家备注", "售后状态", "买家留言"]
PDD_DISCOUNTED, PDD_UNEVEN = "231125-458612345678901", "231125-458612345678902"
PDD_ORDERS = [
    # Two T-shirts at 29.90, 5.00 off from the shop and 3.00 from the platform.
    {"商品": "纯棉T恤", "订单号": PDD_DISCOUNTED, "订单状态": "待发货", "商品总价(元)": "59.80",
     "店铺优惠折扣(元)": "5.00", "平台优惠折扣(元)": "3.00", "邮费(元)": "0.00",
     "用户实付金额(元)": "51.80", "商家实收金额(元)": "54.80", "商品数量(件)": "2",
     "收货人": "李娜", "手机": "15900001234", "是否审核中": "否", "省": "江苏省", "市": "苏州市",
     "区": "工业园区", "街道": "星湖街328号创意产业园", "支付时间": "2026-11-25 20:15:02",
     "拼单成功时间": "2026-11-25 20:15:03", "订单确认时间": "2026-11-25 20:15:03",
     "承诺发货时间": "2026-11-27 20:15:03", "商品id": "556677889", "商品规格": "白色 L",
     "样式ID": "1122334455", "商家编码-SKU维度": "TSHIRT-WHT-L", "商家编码-商品维度": "TSHIRT",
     "支付方式": "微信支付", "商家备注": "赠品袜子", "售后状态": "无售后或售后取消",
     "买家留言": "尽快发货"},
    # Three mugs for 100.00 and 6.00 postage: 33.33 a piece, the cent left over is
    # counted with the postage so the order still comes to what was paid.
    {"商品": "陶瓷马克杯", "订单号": PDD_UNEVEN, "订单状态": "已发货，待签收",
     "商品总价(元)": "100.00", "店铺优惠折扣(元)": "0.00", "平台优惠折扣(元)": "0.00",
     "邮费(元)": "6.00", "用户实付金额(元)": "106.00", "商家实收金额(元)": "106.00",
     "商品数量(件)": "3", "收货人": "赵磊", "手机": "186****7788", "是否审核中": "否",
     "省": "四川省", "市": "成都市", "区": "武侯区", "街道": "天府大道北段1700号",
     "支付时间": "2026-11-25 21:00:00", "拼单成功时间": "2026-11-25 21:00:01",
     "订单确认时间": "2026-11-25 21:00:01", "承诺发货时间": "2026-11-27 21:00:01",
     "发货时间": "2026-11-26 10:00:00", "商品id": "556677900", "商品规格": "350ml",
     "样式ID": "1122334466", "商家编码-SKU维度": "MUG-350", "商家编码-商品维度": "MUG",
     "快递单号": "YT0000000001", "快递公司": "圆通快递", "支付方式": "支付宝",
     "售后状态": "无售后或售后取消"},
]


def pdd_rows(full_width: bool = False) -> list[dict[str, str]]:
    rows = [{column: order.get(column, "") for column in PDD_COLUMNS} for order in PDD_ORDERS]
    if full_width:  # as some versions of the export write their headers
        rows = [{k.replace("(", "（").replace(")", "）"): v for k, v in row.items()}
                for row in rows]
    return rows


# The Douyin shop export (订单管理 → 批量导出): one row per sub-order.
DY_COLUMNS = ["主订单编号", "子订单编号", "选购商品", "商品规格", "商品数量", "商品ID", "商家编码",
              "商品单价", "订单应付金额", "运费", "优惠总金额", "平台优惠", "商家优惠", "达人优惠",
              "商家改价", "支付优惠", "红包抵扣", "支付方式", "手续费", "收件人", "收件人手机号",
              "省", "市", "区", "街道", "详细地址", "是否修改过地址", "买家留言", "订单提交时间",
              "旗帜颜色", "商家备注", "订单完成时间", "支付完成时间", "APP渠道", "流量来源",
              "订单状态", "订单类型", "达人ID", "达人昵称", "售后状态", "取消原因"]
DY_PAID, DY_UNPAID = "6929876543210123456", "6929876543210123999"
_DY_BUYER = {"支付方式": "抖音支付", "收件人": "周敏", "收件人手机号": "181****5678",
             "省": "浙江省", "市": "杭州市", "区": "西湖区", "街道": "西溪街道",
             "详细地址": "文三路90号东部软件园", "是否修改过地址": "否", "买家留言": "周末送",
             "订单提交时间": "2026-11-25 19:30:11", "商家备注": "老客户",
             "支付完成时间": "2026-11-25 19:30:40", "APP渠道": "抖音", "流量来源": "直播",
             "订单状态": "待发货", "订单类型": "普通订单", "达人ID": "88990011",
             "达人昵称": "好物小周"}
DY_ROWS = [
    # Two pairs of socks at 49.00 with 6.00 shipping, 5.00 off from the shop and 5.00
    # from the creator: 98 + 6 - 10 = 94.00 for this sub-order.
    {**_DY_BUYER, "主订单编号": DY_PAID, "子订单编号": "6929876543210123457",
     "选购商品": "羊毛袜", "商品规格": "灰色", "商品数量": "2", "商品ID": "3601234567",
     "商家编码": "SOCK-GRY", "商品单价": "49.00", "订单应付金额": "94.00", "运费": "6.00",
     "优惠总金额": "10.00", "平台优惠": "0.00", "商家优惠": "5.00", "达人优惠": "5.00",
     "商家改价": "0.00", "支付优惠": "0.00", "红包抵扣": "0.00", "手续费": "0.00"},
    # One pair of shoes at 129.00, 4.00 off from the platform: 125.00.
    {**_DY_BUYER, "主订单编号": DY_PAID, "子订单编号": "6929876543210123458",
     "选购商品": "跑步鞋", "商品规格": "42", "商品数量": "1", "商品ID": "3601234599",
     "商家编码": "SHOE-42", "商品单价": "129.00", "订单应付金额": "125.00", "运费": "0.00",
     "优惠总金额": "4.00", "平台优惠": "4.00", "商家优惠": "0.00", "达人优惠": "0.00",
     "商家改价": "0.00", "支付优惠": "0.00", "红包抵扣": "0.00", "手续费": "0.00"},
    # Not paid yet; the 街道 is left empty and the detail names the street.
    {**_DY_BUYER, "主订单编号": DY_UNPAID, "子订单编号": "6929876543210124000",
     "选购商品": "帆布包", "商品规格": "米白", "商品数量": "1", "商品ID": "3601234600",
     "商家编码": "TOTE-CANVAS", "商品单价": "59.00", "订单应付金额": "59.00", "运费": "0.00",
     "优惠总金额": "0.00", "平台优惠": "0.00", "商家优惠": "0.00", "达人优惠": "0.00",
     "商家改价": "0.00", "支付优惠": "0.00", "红包抵扣": "0.00", "手续费": "0.00",
     "收件人": "吴强", "收件人手机号": "13800138000", "省": "北京市", "市": "北京市",
     "区": "朝阳区", "街道": "", "详细地址": "建国路88号SOHO现代城", "买家留言": "",
     "商家备注": "", "支付完成时间": "", "订单状态": "待支付"},
]


def dy_rows() -> list[dict[str, str]]:
    return [{column: row.get(column, "") for column in DY_COLUMNS} for row in DY_ROWS]


def dy_csv_gb18030_tabbed(rows: list[dict[str, str]]) -> bytes:
    """As the shop back-office downloads it: GB18030, order numbers after a tab so that
    Excel keeps their 19 digits."""
    tabbed = [{k: ("\t" + v if k in ("主订单编号", "子订单编号") else v) for k, v in row.items()}
              for row in rows]
    return csv_bytes(tabbed, "gb18030")


NUMBERS = {"商品总价(元)", "店铺优惠折扣(元)", "平台优惠折扣(元)", "邮费(元)", "用户实付金额(元)",
           "商家实收金额(元)", "商品单价", "订单应付金额", "运费", "优惠总金额", "平台优惠",
           "商家优惠", "达人优惠"}
COUNTS = {"商品数量(件)", "商品数量"}


def xlsx_bytes(rows: list[dict[str, str]]) -> bytes:
    """An xlsx file with amounts and counts as numbers, as Excel keeps them."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(rows[0]))
    for row in rows:
        sheet.append([Decimal(v) if k in NUMBERS and v else int(v) if k in COUNTS else v
                      for k, v in row.items()])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.fixture
def seller(client, db, token_for):
    """An administrator of a workspace with the retail template."""
    templates.import_template(db, "test", "retail")
    db.commit()
    return bearer(token_for("admin"))


def shipped(key: str) -> dict:
    return next(p for p in PRESETS if p["key"] == key)["mapping"]


def payments(client, headers, order) -> dict:
    return client.get(f"/api/v1/orders/{order['number']}/payments", headers=headers).get_json()


def imported(client, headers, answer) -> dict[str, dict]:
    assert answer.status_code == 200, answer.get_json()
    report = answer.get_json()
    assert report["failed"] == [] and "missing_columns" not in report, report
    return orders_by_channel_no(client, headers, report["created"])


def money_of(data: dict) -> tuple[Decimal, ...]:
    return tuple(Decimal(data[k]) for k in ("shipping_fee", "discount", "tax", "total"))


@pytest.mark.parametrize("shape", ["csv-utf8-bom", "csv-gb18030-full-width-brackets", "xlsx"])
def test_a_pinduoduo_export_imports_with_the_shipped_preset(client, seller, shape):
    content = {"csv-utf8-bom": lambda: csv_bytes(pdd_rows(), "utf-8-sig"),
               "csv-gb18030-full-width-brackets":
                   lambda: csv_bytes(pdd_rows(full_width=True), "gb18030"),
               "xlsx": lambda: xlsx_bytes(pdd_rows())}[shape]()
    orders = imported(client, seller, upload(client, seller, content, "orders_export.csv",
                                             shipped("pinduoduo_orders")))
    assert sorted(orders) == [PDD_DISCOUNTED, PDD_UNEVEN]

    discounted = orders[PDD_DISCOUNTED]["data"]
    assert [(i["sku"], i["qty"], Decimal(i["price"])) for i in discounted["items"]] == [
        ("TSHIRT-WHT-L", 2, Decimal("29.90"))]
    # 59.80 of T-shirts less 5.00 (shop) and 3.00 (platform): what the buyer paid.
    assert money_of(discounted) == (0, Decimal("8.00"), 0, Decimal("51.80"))
    assert discounted["customer"] == {"name": "李娜", "phone": "15900001234"}
    assert discounted["ship_to"] == {"country": "CN", "province": "江苏省", "city": "苏州市",
                                     "district": "工业园区", "street": "星湖街328号创意产业园"}
    assert discounted["note"] == "尽快发货 〔商家备注〕赠品袜子"
    money = payments(client, seller, orders[PDD_DISCOUNTED])
    assert money["payment_status"] == "paid"
    [paid] = money["payments"]
    assert (paid["amount"], paid["currency"], paid["method"]) == ("51.80", "CNY", "微信支付")
    assert paid["received_at"].startswith("2026-11-25T12:15:02")  # 20:15:02 Beijing time

    uneven = orders[PDD_UNEVEN]["data"]
    assert [(i["sku"], i["qty"], Decimal(i["price"])) for i in uneven["items"]] == [
        ("MUG-350", 3, Decimal("33.33"))]
    assert money_of(uneven) == (Decimal("6.01"), 0, 0, Decimal("106.00"))
    assert uneven["customer"]["phone"] == "186****7788"
    assert payments(client, seller, orders[PDD_UNEVEN])["payment_status"] == "paid"


@pytest.mark.parametrize("shape", ["csv-utf8-bom", "csv-gb18030-tabbed", "xlsx"])
def test_a_douyin_export_imports_with_the_shipped_preset(client, seller, shape):
    content = {"csv-utf8-bom": lambda: csv_bytes(dy_rows(), "utf-8-sig"),
               "csv-gb18030-tabbed": lambda: dy_csv_gb18030_tabbed(dy_rows()),
               "xlsx": lambda: xlsx_bytes(dy_rows())}[shape]()
    answer = upload(client, seller, content, "订单导出.csv", shipped("douyin_orders"))
    assert [c["rows"] for c in answer.get_json()["created"]] == [[2, 3], [4]]
    orders = imported(client, seller, answer)
    assert sorted(orders) == [DY_PAID, DY_UNPAID]

    paid = orders[DY_PAID]["data"]
    assert [(i["sku"], i["qty"], Decimal(i["price"])) for i in paid["items"]] == [
        ("SOCK-GRY", 2, Decimal("49.00")), ("SHOE-42", 1, Decimal("129.00"))]
    # 98 + 129 of goods and 6.00 shipping; 10.00 off the socks, 4.00 off the shoes.
    assert money_of(paid) == (Decimal("6.00"), Decimal("14.00"), 0, Decimal("219.00"))
    assert paid["customer"] == {"name": "周敏", "phone": "181****5678"}
    assert paid["ship_to"] == {"country": "CN", "province": "浙江省", "city": "杭州市",
                               "district": "西湖区", "street": "西溪街道文三路90号东部软件园"}
    assert paid["note"] == "周末送 〔商家备注〕老客户"
    money = payments(client, seller, orders[DY_PAID])
    assert money["payment_status"] == "paid"
    assert [(p["amount"], p["method"]) for p in money["payments"]] == [("219.00", "抖音支付")]

    unpaid = orders[DY_UNPAID]["data"]
    assert money_of(unpaid) == (0, 0, 0, Decimal("59.00"))
    assert (unpaid["ship_to"]["city"], unpaid["ship_to"]["street"]) == (
        "北京市", "建国路88号SOHO现代城")
    assert "note" not in unpaid or not unpaid["note"]
    money = payments(client, seller, orders[DY_UNPAID])
    assert (money["payment_status"], money["payments"]) == ("unpaid", [])


def test_an_older_douyin_export_names_the_price_per_piece_otherwise(client, seller):
    rows = [{("商品金额" if k == "商品单价" else k): v for k, v in row.items()}
            for row in dy_rows()]
    orders = imported(client, seller, upload(client, seller, csv_bytes(rows, "utf-8-sig"),
                                             "orders.csv", shipped("douyin_orders")))
    assert Decimal(orders[DY_PAID]["data"]["discount"]) == Decimal("14.00")
    assert [Decimal(i["price"]) for i in orders[DY_PAID]["data"]["items"]] == [
        Decimal("49.00"), Decimal("129.00")]


def test_a_pinduoduo_file_missing_a_column_names_it_and_the_columns_it_has(client, seller):
    rows = [{k: v for k, v in row.items() if k != "商家编码-SKU维度"} for row in pdd_rows()]
    report = upload(client, seller, csv_bytes(rows, "utf-8-sig"), "orders.csv",
                    shipped("pinduoduo_orders"), preview="1").get_json()
    [missing] = report["missing_columns"]
    assert (missing["pointer"], missing["column"]) == (
        "/mapping/lines/items/fields/sku", "商家编码-SKU维度")
    assert "商家编码-商品维度" in missing["detail"] and "文件中不存在" in missing["detail"]
    assert len(report["failed"]) == 2
    for failure in report["failed"]:
        assert any("文件中没有列「商家编码-SKU维度」" in e["detail"] for e in failure["errors"])


def test_a_douyin_file_without_the_amount_due_says_so_where_the_money_is_mapped(
        client, seller):
    """The order's money comes from the export's amounts: a file without 订单应付金额 is no
    Douyin export the import knows, and the report says which column it lacks."""
    rows = [{k: v for k, v in row.items() if k != "订单应付金额"} for row in dy_rows()]
    report = upload(client, seller, csv_bytes(rows, "utf-8-sig"), "orders.csv",
                    shipped("douyin_orders"), preview="1").get_json()
    assert [(m["pointer"], m["column"]) for m in report["missing_columns"]] == [
        ("/mapping/fields/shipping_fee", "订单应付金额")]
    assert "主订单编号, 子订单编号" in report["missing_columns"][0]["detail"]


@pytest.mark.parametrize("column", ["运费", "订单应付金额"])
def test_a_douyin_amount_that_is_no_amount_fails_its_order_naming_the_cell(
        client, seller, column):
    rows = dy_rows()
    rows[1][column] = "六元"
    answer = upload(client, seller, csv_bytes(rows, "utf-8-sig"), "orders.csv",
                    shipped("douyin_orders"))
    assert answer.status_code == 200, answer.get_json()
    report = answer.get_json()
    assert [c["external_id"] for c in report["created"]] == [DY_UNPAID]
    [failure] = report["failed"]
    assert (failure["rows"], failure["external_id"]) == ([2, 3], DY_PAID)
    [error] = failure["errors"]
    assert (error["pointer"], error["column"]) == ("/file", column)
    assert "'六元'" in error["detail"] and f"列「{column}」" in error["detail"]


def test_a_tmall_order_bought_with_discounts_comes_to_what_the_buyer_paid(client, seller):
    rows = joined_rows()
    for row in rows:
        if row["订单编号"] == rows[0]["订单编号"]:
            # 257.00 of goods and 10.00 postage, 20.00 shop coupon and 5.00 Tmall red
            # packet: the buyer paid 242.00.
            row.update({"买家应付货款": "232.00", "总金额": "242.00", "买家实际支付金额": "242.00"})
    orders = imported(client, seller, upload(client, seller, csv_bytes(rows, "utf-8-sig"),
                                             "orders.csv", TMALL["mapping"]))
    order = orders[rows[0]["订单编号"]]
    assert money_of(order["data"]) == (Decimal("10.00"), Decimal("25.00"), 0,
                                       Decimal("242.00"))
    money = payments(client, seller, order)
    assert money["payment_status"] == "paid"
    assert [p["amount"] for p in money["payments"]] == ["242.00"]


def test_a_jd_order_paid_partly_from_the_balance_is_paid_in_full(client, seller):
    columns = ["订单号", "商品ID", "商品名称", "订购数量", "支付方式", "下单时间", "京东价",
               "订单金额", "结算金额", "余额支付", "应付金额", "订单状态", "订单类型", "下单帐号",
               "客户姓名", "客户地址", "联系电话", "订单备注", "发票类型", "商家备注",
               "运费金额", "付款确认时间", "货号"]
    # 2 x 459.00 and 8.00 shipping less a 30.00 coupon: 896.00, 100.00 of it from the
    # buyer's JD balance.
    order = {"订单号": "280012345679", "支付方式": "在线支付", "下单时间": "2026-11-26 09:00:00",
             "订单金额": "926.00", "结算金额": "896.00", "余额支付": "100.00",
             "应付金额": "796.00", "订单状态": "等待出库", "订单类型": "普通订单",
             "下单帐号": "jd_chenjing", "客户姓名": "陈静", "客户地址": "北京朝阳区建国路88号",
             "联系电话": "186****8888", "运费金额": "8.00", "付款确认时间": "2026-11-26 09:01:00"}
    rows = [{**dict.fromkeys(columns, ""), **order, "商品ID": "100001", "商品名称": "运动鞋",
             "订购数量": "2", "京东价": "459.00", "货号": "SNEAKER-42"}]
    orders = imported(client, seller, upload(client, seller, csv_bytes(rows, "gb18030"),
                                             "jd.csv", JD["mapping"]))
    [only] = orders.values()
    assert money_of(only["data"]) == (Decimal("8.00"), Decimal("30.00"), 0, Decimal("896.00"))
    money = payments(client, seller, only)
    assert money["payment_status"] == "paid"
    assert [p["amount"] for p in money["payments"]] == ["896.00"]


def test_a_tax_column_is_the_orders_tax(client, seller):
    """A cross-border shop's export states the import tax (税费) the buyer paid."""
    rows = [{**row, "税费": "9.10"} for row in pdd_rows()[:1]]
    rows[0].update({"用户实付金额(元)": "60.90"})
    orders = imported(client, seller, upload(client, seller, csv_bytes(rows, "utf-8-sig"),
                                             "orders.csv", shipped("pinduoduo_orders")))
    assert money_of(orders[PDD_DISCOUNTED]["data"]) == (0, Decimal("8.00"), Decimal("9.10"),
                                                         Decimal("60.90"))


def test_a_sample_of_a_douyin_export_shows_its_money_before_saving(client, seller):
    answer = client.post("/api/v1/channel-mappings/test", headers=seller,
                         json={"order_type": "retail_order",
                               "mapping": shipped("douyin_orders"), "sample": dy_rows()})
    assert answer.status_code == 200, answer.get_json()
    [paid, unpaid] = answer.get_json()["orders"]
    assert paid["rows"] == [2, 3] and paid["problems"] == []
    assert (paid["data"]["discount"], paid["data"]["total"]) == ("14.00", "219.00")
    assert unpaid["data"]["total"] == "59.00"
