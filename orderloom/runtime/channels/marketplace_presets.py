"""File presets for the order exports of Chinese marketplaces' seller back-offices,
onto the retail template's form (builtin_templates/retail.json: channel_order_no,
customer, ship_to, payment_method, shipping_fee, note, items).

The column names are those of the real exports, as public code that reads them
spells them (each preset says where they were read). Every column of the file
is a name the preset's formulas can read, an empty cell as NULL
(order_files.py), so a formula may test another column of the row.
"""
from __future__ import annotations

from typing import Any

from orderloom.runtime.channels.china_address import PARTS

# Marketplace times are Beijing time, written without a zone.
BEIJING_TIME = "IF(ISBLANK(value), NULL, value & \"+08:00\")"
CNY = {"formula": "\"CNY\""}


def _address(column: str) -> dict[str, Any]:
    """The ship_to members from an address written as one string."""
    return {"ship_to.country": {"formula": "\"CN\""},
            **{f"ship_to.{part}": {"path": f"$.{column}", "address_part": part}
               for part in PARTS}}


def _paid_only(amount_column: str, paid_at_column: str) -> dict[str, Any]:
    """The amount paid, only when the order says when it was paid: an order still
    waiting for its buyer's payment records none."""
    return {"path": f"$.{amount_column}",
            "formula": f"IF(ISBLANK({paid_at_column}), NULL, value)"}


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
                "shipping_fee": "$.买家应付邮费",
                "note": {"path": "$.买家留言",
                         "formula": "IF(ISBLANK(订单备注), value, "
                                    "TRIM(COALESCE(value, \"\") & \" 〔卖家备注〕\" & 订单备注))"},
                "payment_method": {"formula": "\"alipay\""},
                "payment.amount": _paid_only("买家实际支付金额", "订单付款时间"),
                "payment.received_at": {"path": "$.订单付款时间", "formula": BEIJING_TIME},
                "payment.method": {"formula": "\"alipay\""},
                "payment.currency": CNY,
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
            "shipping_fee": "$.运费金额",
            "note": {"path": "$.订单备注",
                     "formula": "IF(ISBLANK(商家备注), value, "
                                "TRIM(COALESCE(value, \"\") & \" 〔商家备注〕\" & 商家备注))"},
            "payment.amount": _paid_only("应付金额", "付款确认时间"),
            "payment.received_at": {"path": "$.付款确认时间", "formula": BEIJING_TIME},
            "payment.method": "$.支付方式",
            "payment.currency": CNY,
        },
        "lines": {"items": {"from": "$.rows[*]",
                            "fields": {"sku": "$.货号", "qty": "$.订购数量",
                                       "price": "$.京东价"}}},
    },
}

MARKETPLACE_PRESETS = [TMALL, TMALL_BAOBEI, JD]
