"""An order's money as a marketplace export states it, read into the order form's terms.

The exports of the Chinese marketplaces' back-offices state what the buyer pays, the
shipping charged and, per line, the list price; the discounts (店铺优惠, 平台优惠,
商家优惠, 达人优惠 ...) are columns whose set differs per platform and per version.
So the discount is not summed from those columns: it is what makes the order form's
total (lines + shipping + tax - discount) the amount the buyer pays, split by
``stores.balanced`` as a store order's is. The result goes into the payload a file
mapping reads, under ``orderloom`` (as a store order does for store channels):

    {"shipping": "10.00", "discount": "20.00", "tax": "0.00", "total": "247.00",
     "paid": "247.00", "unit_price": "59.00"}

``paid`` is the total once the export says when the buyer paid (else None), for the
payment record; ``unit_price`` is the first row's price per piece (Pinduoduo states
only the goods total of its one line). A file is read so when its columns are those
of one of ``EXPORTS``; an order with a money cell that is not an amount is refused
whole, naming the column and the cell (``Unreadable``).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from orderloom.runtime.channels.stores import (
    UnreadableStoreOrder,
    amount,
    balanced,
    money,
)

TOTALS = "orderloom"  # where in the payload the order's money goes
CURRENCY = "CNY"


@dataclass(frozen=True)
class Export:
    """Where one marketplace export states an order's money."""

    name: str
    order_id: str
    qty: str
    price: str | None  # a line's price per piece
    goods: str | None  # a line's goods total, where no price per piece is given
    shipping: str
    paid_at: str  # empty until the buyer paid
    due: tuple[str, ...]  # what the buyer is to pay, summed
    paid: tuple[str, ...]  # what the buyer paid, once paid, summed
    tax: str = "税费"  # read when the export has it (cross-border shops' exports)
    per_row: bool = False  # amounts are each line's share, not the order's repeated
    optional: tuple[str, ...] = ()  # amounts some versions leave out: 0 then

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c for c in (self.order_id, self.qty, self.price, self.goods,
                                 self.shipping, self.paid_at, *self.due, *self.paid)
                     if c and c not in self.optional)


EXPORTS = (
    # Douyin: one row per sub-order (子订单编号) under its 主订单编号; each row's amounts
    # are that sub-order's, so an order's are the sums of its rows.
    Export("douyin", "主订单编号", "商品数量", "商品单价", None, "运费", "支付完成时间",
           ("订单应付金额",), ("订单应付金额",), per_row=True),
    # Pinduoduo: one row per order, one line, its goods total in 商品总价(元).
    Export("pinduoduo", "订单号", "商品数量(件)", None, "商品总价(元)", "邮费(元)", "支付时间",
           ("用户实付金额(元)",), ("用户实付金额(元)",)),
    # JD: one row per line, the order's amounts repeated; a buyer may pay part from
    # the JD account balance (余额支付) and the rest online (应付金额).
    Export("jd", "订单号", "订购数量", "京东价", None, "运费金额", "付款确认时间",
           ("应付金额", "余额支付"), ("应付金额", "余额支付"), optional=("余额支付",)),
    # Tmall / Taobao: the order report beside its order-detail or item report; until
    # paid, 买家实际支付金额 is 0.00 and the goods and postage payable are what is due.
    Export("tmall", "订单编号", "购买数量", "商品价格", None, "买家应付邮费", "订单付款时间",
           ("买家应付货款", "买家应付邮费"), ("买家实际支付金额",)),
    Export("tmall_baobei", "订单编号", "购买数量", "价格", None, "买家应付邮费", "订单付款时间",
           ("买家应付货款", "买家应付邮费"), ("买家实际支付金额",)),
)


def export_of(columns: set[str]) -> Export | None:
    """The export whose columns a file has, or None."""
    return next((e for e in EXPORTS if set(e.required) <= columns), None)


def nearest(columns: set[str]) -> Export:
    """The export a file that is none of them resembles most."""
    return max(EXPORTS, key=lambda e: len(set(e.required) & columns) / len(e.required))


class Unreadable(ValueError):
    """A cell of a money column that is not an amount."""

    def __init__(self, column: str, value: Any) -> None:
        super().__init__(column)
        self.column = column
        self.value = value

    def as_json(self) -> dict[str, Any]:
        shown = str(self.value)[:40]
        return {"pointer": "/file", "column": self.column,
                "detail": f"{shown!r} in the column {self.column!r} is not an amount / "
                          f"列「{self.column}」中的「{shown}」不是金额"}


def order_totals(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The order's money from its rows (each naming every column of the file), or
    None when the file is no export of ``EXPORTS``. Unreadable when a money cell of
    the order is not an amount."""
    if not rows:
        return None
    export = export_of(set(rows[0]))
    if export is None:
        return None
    counted = rows if export.per_row else rows[:1]

    def summed(*columns: str) -> Decimal:
        return sum((_amount(row, c) for row in counted for c in columns), Decimal(0))

    items = Decimal(0)
    unit_price = None
    for row in rows:
        qty = _amount(row, export.qty)
        if export.price is not None:
            price = _amount(row, export.price)
        else:
            goods = _amount(row, export.goods or "")
            price = goods / qty if qty else goods
        # The unit price the order line gets, rounded as the line stores it.
        price = Decimal(money(price, CURRENCY))
        unit_price = unit_price if unit_price is not None else price
        items += qty * price
    is_paid = _text(rows[0].get(export.paid_at)) is not None
    total = summed(*(export.paid if is_paid else export.due))
    return {**totals(items, summed(export.shipping), summed(export.tax), total, is_paid),
            "unit_price": money(unit_price or Decimal(0), CURRENCY)}


def totals(items: Decimal, shipping: Decimal, tax: Decimal, total: Decimal,
           is_paid: bool) -> dict[str, Any]:
    """An order's money as the order form holds it, from what a marketplace states
    (an export's columns here, an API's members in marketplace_api.order_money): the
    lines' worth at their stored prices, the shipping and tax charged, and what the
    buyer pays; ``paid`` is that total once the buyer paid."""
    discount, shipping = balanced(items, shipping, tax, total)
    return {"shipping": money(shipping, CURRENCY), "discount": money(discount, CURRENCY),
            "tax": money(tax, CURRENCY), "total": money(total, CURRENCY),
            "paid": money(total, CURRENCY) if is_paid and total > 0 else None}


def _amount(row: dict[str, Any], column: str) -> Decimal:
    value = row.get(column)
    if isinstance(value, str):
        value = value.replace(",", "")  # 1,299.00 as a spreadsheet may show it
    try:
        return amount(value)
    except UnreadableStoreOrder:
        raise Unreadable(column, row.get(column)) from None


def _text(value: Any) -> str | None:
    found = "" if value is None else str(value).strip()
    return found or None
