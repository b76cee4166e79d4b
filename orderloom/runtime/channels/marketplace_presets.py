"""File presets for the order exports of Chinese marketplaces' seller back-offices,
onto the retail template's form (builtin_templates/retail.json: channel_order_no,
customer, ship_to, payment_method, shipping_fee, discount, tax, note, items).

An order's money is read from ``orderloom``, which the file import fills from the
export's own amounts (marketplace_totals.py), so the order's total is what the buyer
pays and a paid order gets a payment of it.

The column names are those of the real exports, as public code that reads them
spells them (each preset says where they were read). Every column of the file
is a name the preset's formulas can read, an empty cell as NULL
(order_files.py), so a formula may test another column of the row.
"""
from __future__ import annotations

from typing import Any

from orderloom.dsl.china_address import PARTS
from orderloom.runtime.channels.marketplace_totals import TOTALS

# Marketplace times are Beijing time, written without a zone.
BEIJING_TIME = "IF(ISBLANK(value), NULL, value & \"+08:00\")"
CNY = {"formula": "\"CNY\""}


def _address(column: str) -> dict[str, Any]:
    """The ship_to members from an address written as one string."""
    return {"ship_to.country": {"formula": "\"CN\""},
            **{f"ship_to.{part}": {"path": f"$.{column}", "address_part": part}
               for part in PARTS}}


def _money(paid_at_column: str) -> dict[str, Any]:
    """Shipping, discount, tax and the payment from the order's money as its export
    states it (marketplace_totals.py): the order's total is what the buyer pays, and
    an order the buyer paid gets a payment of it, received when the export says."""
    return {"shipping_fee": f"$.{TOTALS}.shipping",
            "discount": f"$.{TOTALS}.discount",
            "tax": f"$.{TOTALS}.tax",
            "payment.amount": f"$.{TOTALS}.paid",
            "payment.received_at": {"path": f"$.{paid_at_column}", "formula": BEIJING_TIME},
            "payment.currency": CNY}


def _note(buyer_column: str, seller_column: str, mark: str) -> dict[str, Any]:
    """The buyer's message, with the seller's remark after it, marked."""
    return {"path": f"$.{buyer_column}",
            "formula": f"IF(ISBLANK({seller_column}), value, "
                       f"TRIM(COALESCE(value, \"\") & \" 〔{mark}〕\" & {seller_column}))"}


def _tmall(key: str, name: str, description: str, price: str) -> dict[str, Any]:
    return {
        "key": key,
        "name": name,
        "kind": "file",
        "description": description,
        "mapping": {
            "external_id": "$.订单编号",
            "fields": {
                "channel_order_no": "$.订单编号",
                "customer.code": "$.买家会员名",
                "customer.name": "$.收货人姓名",
                # Often masked (138****1234); kept as it is, for the form to judge.
                "customer.phone": "$.联系手机",
                **_address("收货地址"),
                "note": _note("买家留言", "订单备注", "卖家备注"),
                "payment_method": {"formula": "\"alipay\""},
                **_money("订单付款时间"),
                "payment.method": {"formula": "\"alipay\""},
            },
            "lines": {"items": {"from": "$.rows[*]",
                                "fields": {"sku": "$.商家编码", "qty": "$.购买数量",
                                           "price": f"$.{price}"}}},
        },
    }


# Taobao / Tmall seller centre (卖家中心 / 千牛), 已卖出的宝贝 → 批量导出: the order report
# (订单报表: 订单编号, 买家会员名, 买家应付货款, 买家应付邮费, 买家实际支付金额, 订单状态,
# 买家留言, 收货人姓名, 收货地址, 联系电话, 联系手机, 订单创建时间, 订单付款时间, 订单备注,
# ... as read by github.com/c2003070110/TBTool, TaobaoSaledObject.java) and a line
# report: the newer order-detail report (主订单编号, 子订单编号, 商品标题, 商品价格,
# 购买数量, 商家编码, ..., as read by public Tmall report scripts) or the older 宝贝报表
# (订单编号, 标题, 价格, 购买数量, 外部系统编号, 商品属性, 套餐信息, 备注, 订单状态,
# 商家编码). Import them together (lines_file) or as one file already joined.
TMALL = _tmall(
    "tmall_orders", "Tmall / Taobao order export (订单报表 + order-detail report)",
    "The order report (订单报表) and its order-detail report (商品价格, 购买数量, 商家编码) "
    "from 已卖出的宝贝 → 批量导出, joined by order number; one row per line",
    "商品价格")
TMALL_BAOBEI = _tmall(
    "tmall_orders_baobei", "Tmall / Taobao order export (订单报表 + 宝贝报表)",
    "The order report (订单报表) and the older item report (宝贝报表: 价格, 购买数量, "
    "商家编码), joined by 订单编号; one row per line",
    "价格")

# JD seller back-office (京东商家后台 → 订单管理 → 订单查询与跟踪 → 订单导出): one row per
# line, columns 订单号,
# 商品ID, 商品名称, 订购数量, 支付方式, 下单时间, 京东价, 订单金额, 结算金额, 余额支付, 应付金额,
# 订单状态, 订单类型, 下单帐号, 客户姓名, 客户地址, 联系电话, 订单备注, 发票类型, 商家备注,
# 运费金额, 付款确认时间, 货号, ... (as read by the public OMS importer
# com.chengzg.oms OrderInfoServiceImpl.getOrderInfoByExcel).
JD = {
    "key": "jd_orders",
    "name": "JD order export (京东商家后台 订单导出)",
    "kind": "file",
    "description": "京东商家后台 → 订单管理 → 订单查询与跟踪 → 订单导出: one row per line; "
                   "订单号, 下单帐号, 客户姓名, 客户地址, 联系电话, 货号, 订购数量, 京东价, "
                   "运费金额, 应付金额, 付款确认时间",
    "mapping": {
        "external_id": "$.订单号",
        "fields": {
            "channel_order_no": "$.订单号",
            "customer.code": "$.下单帐号",
            "customer.name": "$.客户姓名",
            "customer.phone": "$.联系电话",
            **_address("客户地址"),
            "note": _note("订单备注", "商家备注", "商家备注"),
            **_money("付款确认时间"),
            "payment.method": "$.支付方式",
        },
        "lines": {"items": {"from": "$.rows[*]",
                            "fields": {"sku": "$.货号", "qty": "$.订购数量",
                                       "price": "$.京东价"}}},
    },
}

# Pinduoduo merchant back-office (拼多多商家后台 → 订单管理 → 订单查询 → 批量导出): one
# row per order (a Pinduoduo order has one line), columns
# 商品, 订单号, 订单状态, 商品总价(元), 店铺优惠折扣(元), 平台优惠折扣(元), 邮费(元),
# 用户实付金额(元), 商家实收金额(元), 商品数量(件), 收货人, 手机, 省, 市, 区, 街道, 支付时间,
# 拼单成功时间, 订单确认时间, 承诺发货时间, 发货时间, 确认收货时间, 商品id, 商品规格,
# 样式ID, 商家编码-SKU维度, 商家编码-商品维度, 快递单号, 快递公司, 支付方式, 商家备注,
# 售后状态, 买家留言, ... (as public scripts that read the export spell them; some
# versions write the brackets full-width, 商品总价（元）, which is read the same). There is
# no price per piece: the line's is 商品总价(元) over 商品数量(件) (orderloom.unit_price).
PINDUODUO = {
    "key": "pinduoduo_orders",
    "name": "Pinduoduo order export (拼多多商家后台 订单查询 导出)",
    "kind": "file",
    "description": "拼多多商家后台 → 订单管理 → 订单查询 → 批量导出: one row per order; 订单号, "
                   "收货人, 手机, 省, 市, 区, 街道, 商家编码-SKU维度, 商品数量(件), 商品总价(元), "
                   "邮费(元), 店铺优惠折扣(元), 平台优惠折扣(元), 用户实付金额(元), 支付时间",
    "mapping": {
        "external_id": "$.订单号",
        "fields": {
            "channel_order_no": "$.订单号",
            "customer.name": "$.收货人",
            "customer.phone": "$.手机",
            "ship_to.country": {"formula": "\"CN\""},
            "ship_to.province": "$.省",
            "ship_to.city": "$.市",
            "ship_to.district": "$.区",
            "ship_to.street": "$.街道",
            "note": _note("买家留言", "商家备注", "商家备注"),
            **_money("支付时间"),
            "payment.method": "$.支付方式",
        },
        "lines": {"items": {"from": "$.rows[*]",
                            "fields": {"sku": "$.商家编码-SKU维度", "qty": "$.商品数量(件)",
                                       "price": {"formula": f"{TOTALS}.unit_price"}}}},
    },
}

# Douyin shop back-office (抖店 → 订单 → 订单管理 → 批量导出): one row per sub-order
# (子订单编号) under its order (主订单编号), each row's amounts that sub-order's;
# columns 主订单编号, 子订单编号, 选购商品, 商品规格, 商品数量, 商品ID, 商家编码, 商品单价,
# 订单应付金额, 运费, 优惠总金额, 平台优惠, 商家优惠, 达人优惠, 商家改价, 支付优惠, 红包抵扣,
# 支付方式, 手续费, 收件人, 收件人手机号, 省, 市, 区, 街道, 详细地址, 买家留言, 订单提交时间,
# 商家备注, 支付完成时间, 订单状态, ... (as public scripts and importers that read it
# spell them; older versions name the price per piece 商品金额, read as 商品单价).
# 详细地址 is the address under the 街道 (township); some versions repeat the 街道 in
# it, which is then not written twice.
DOUYIN = {
    "key": "douyin_orders",
    "name": "Douyin shop order export (抖店 订单管理 批量导出)",
    "kind": "file",
    "description": "抖店 → 订单管理 → 批量导出: one row per sub-order (子订单编号), rows with the "
                   "same 主订单编号 one order; 收件人, 收件人手机号, 省, 市, 区, 街道, 详细地址, "
                   "商家编码, 商品数量, 商品单价, 运费, 订单应付金额, 支付完成时间",
    "mapping": {
        "external_id": "$.主订单编号",
        "fields": {
            "channel_order_no": "$.主订单编号",
            "customer.name": "$.收件人",
            "customer.phone": "$.收件人手机号",
            "ship_to.country": {"formula": "\"CN\""},
            "ship_to.province": "$.省",
            "ship_to.city": "$.市",
            "ship_to.district": "$.区",
            "ship_to.street": {"path": "$.详细地址",
                               "formula": "IF(ISBLANK(街道), value, IF(STARTSWITH(COALESCE("
                                          "value, \"\"), 街道), value, 街道 & COALESCE(value, "
                                          "\"\")))"},
            "note": _note("买家留言", "商家备注", "商家备注"),
            **_money("支付完成时间"),
            "payment.method": "$.支付方式",
        },
        "lines": {"items": {"from": "$.rows[*]",
                            "fields": {"sku": "$.商家编码", "qty": "$.商品数量",
                                       "price": "$.商品单价"}}},
    },
}

MARKETPLACE_PRESETS = [TMALL, TMALL_BAOBEI, JD, PINDUODUO, DOUYIN]
