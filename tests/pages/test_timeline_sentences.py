"""Every kind of timeline entry reads as a sentence on the order page, in English and,
for a browser that asks for it, in Chinese."""
from __future__ import annotations

import html
import re
from datetime import UTC, datetime

from sqlalchemy import select

from orderloom.runtime.orders import timeline
from orderloom.runtime.orders.models import Order
from orderloom.runtime.orders.timeline import TimelineKind
from tests.pages.test_order_pages import timeline_of

AT = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
CHINESE = re.compile(r"[\u4e00-\u9fff]")

# One entry of each kind, as the code that writes it would.
WRITE = {
    TimelineKind.CREATED: lambda s, o: timeline.order_created_event(
        s, o, "li", details={"version": 1, "rules": []}, at=AT),
    TimelineKind.TRANSITION: lambda s, o: timeline.transition_event(
        s, o, "li", transition="submit", from_state="draft", to_state="confirmed",
        details={}, at=AT),
    TimelineKind.EDITED: lambda s, o: timeline.order_edited_event(
        s, o, "li", changes={"priority": ["normal", "high"]}, at=AT),
    TimelineKind.VERSION_MOVED: lambda s, o: timeline.version_moved_event(
        s, o, "designer", from_version=1, to_version=2, at=AT),
    TimelineKind.APPROVAL: lambda s, o: timeline.approval_event(
        s, o, "boss", details={"approval": "manager_review", "decision": "approved",
                               "outcome": "approved", "comment": "fine"},
        from_state="review", to_state="confirmed", at=AT),
    TimelineKind.APPROVAL_REQUIRED: lambda s, o: timeline.approval_required_event(
        s, o, approval="manager_review", at=AT),
    TimelineKind.AUTOMATIC: lambda s, o: timeline.automatic_move_event(
        s, o, "system", details={"after_hours": 24}, transition="expire",
        from_state="draft", to_state="cancelled", at=AT),
    TimelineKind.AUTOMATIC_BLOCKED: lambda s, o: timeline.automatic_move_blocked_event(
        s, o, transition="auto_confirm", reason="TEA-01 is out of stock", at=AT),
    TimelineKind.AUTOMATIC_STOPPED: lambda s, o: timeline.automatic_moves_stopped_event(
        s, o, moves=20, reason="20 automatic moves in a row", at=AT),
    TimelineKind.STOCK_RELEASED: lambda s, o: timeline.stock_released_event(
        s, o, units=3, state="cancelled", at=AT),
    TimelineKind.SLA_BREACHED: lambda s, o: timeline.sla_breached_event(
        s, o, state="draft", sla_hours=4, notified_roles=["staff"], at=AT),
    TimelineKind.COMMENT: lambda s, o: timeline.comment_event(
        s, o, "li", comment=1, body="Call the customer", mentions=[], at=AT),
    TimelineKind.JOB: lambda s, o: timeline.job_event(
        s, o.id, job=1, job_kind="notify", status="failed", attempts=3, error="SMTP down",
        at=AT),
    TimelineKind.DOCUMENT: lambda s, o: timeline.document_event(
        s, o, "system", details={"document": "packing_slip", "ready": True,
                                 "link": "/api/v1/orders/x/documents/packing_slip"}, at=AT),
    TimelineKind.SHIPMENT: lambda s, o: timeline.shipment_event(
        s, o, "li", shipment=1, carrier="sf", tracking_number="SF100", at=AT),
    TimelineKind.TRACKING: lambda s, o: timeline.tracking_event(
        s, o, carrier="sf", details={"tracking_number": "SF100", "status": "in_transit",
                                     "location": "Hangzhou"}, at=AT),
    TimelineKind.CARRIER_CHOSEN: lambda s, o: timeline.carrier_chosen_event(
        s, o, "system", mode="cheapest", carrier="sf", quotes=[
            {"carrier": "sf", "price": "12.00", "days": 2, "service": "顺丰标快"},
            {"carrier": "jd", "price": "15.00", "days": 1, "service": ""}],
        missing={}, at=AT),
    TimelineKind.PAYMENT: lambda s, o: timeline.payment_event(
        s, o, "finance", amount="100.00", currency="CNY", method="bank", reference="R1",
        payment_status=["unpaid", "partly_paid"], at=AT),
    TimelineKind.REFUND: lambda s, o: timeline.refund_event(
        s, o, "finance", amount="20.00", currency="CNY", reason="damaged", source="staff",
        payment_status=["partly_paid", "partly_paid"], at=AT),
    TimelineKind.HELD: lambda s, o: timeline.held_event(
        s, o, "shopify_cn", details={"actions": [{"type": "hold", "reason": {
            "en": "the store cancelled this order; stop it before it ships",
            "zh": "店铺已取消此订单，请在发货前拦截"}}]}, at=AT),
    TimelineKind.EXCEPTION: lambda s, o: timeline.exception_event(
        s, o, "li", details={"exception": 1, "reason": "buyer_note",
                             "label": {"en": "Buyer note to read", "zh": "买家留言待阅"},
                             "step": "resolved", "resolution": "release",
                             "resolution_label": {"en": "Release", "zh": "放行"}}, at=AT),
    TimelineKind.PRICE_BELOW_LIST: lambda s, o: timeline.price_below_list_event(
        s, o, "li", lines=[{"lines": "items", "line": 0, "sku": "TEA-01", "quantity": 12,
                            "price": "50.00", "list_price": "58.00",
                            "price_list": "wholesale"}], at=AT),
    TimelineKind.SCAN: lambda s, o: timeline.scan_event(
        s, o, "picker", wave="W-000001", step="pick", outcome="short",
        values={"sku": "CUP-02", "missing": 2}, at=AT),
    TimelineKind.EDIT_DIFFERENCE: lambda s, o: timeline.edit_difference_event(
        s, o, "li", lines=[{"field": "items", "line": 2,
                            "before": {"sku": "CUP-02", "qty": 3, "price": "19.90"},
                            "after": {"sku": "CUP-02", "qty": 5, "price": "19.90"}}],
        stock=[{"sku": "CUP-02", "warehouse": "HZ", "change": 2}],
        total=["2560.70", "2600.50"], to_collect="39.80", at=AT),
    TimelineKind.AFTER_SALES: lambda s, o: timeline.after_sales_event(
        s, o, "li", details={"return": "AS-000001", "step": "closed", "state": "closed",
                             "outcome": "refund", "amount": "19.90", "currency": "CNY"},
        at=AT),
    # promotions and pre-sale (runtime/promotions/)
    TimelineKind.PROMOTION: lambda s, o: timeline.gift_out_of_stock_event(
        s, o, rule="fan", name="A fan with tea", sku="GIFT-FAN", quantity=1, at=AT),
    TimelineKind.PRE_SALE: lambda s, o: timeline.pre_sale_held_event(
        s, o, lines=[{"sku": "TEA-NEW", "quantity": 2, "release_on": "2026-12-20",
                      "receipt": {"warehouse": "HZ", "expected_on": "2026-12-18"}}],
        release_on="2026-12-20", at=AT),
    TimelineKind.MERGED: lambda s, o: timeline.merged_event(
        s, o, "li", merge=1, orders=["SO-000001", "SO-000002"], warehouse="HZ", by="staff",
        moved=[{"sku": "CUP-02", "from": "SH", "quantity": 1}], at=AT),
    TimelineKind.MERGE_UNDONE: lambda s, o: timeline.merge_undone_event(
        s, o, "li", merge=1, orders=["SO-000001", "SO-000002"], at=AT),
    TimelineKind.SPLIT: lambda s, o: timeline.split_event(
        s, o, "li", basis="stock", parts=[
            {"position": 1, "status": "to_ship", "warehouse": "HZ",
             "lines": [{"sku": "CUP-02", "qty": 2}]},
            {"position": 2, "status": "backordered", "warehouse": None,
             "lines": [{"sku": "CUP-02", "qty": 3}]}], at=AT),
}


def _sentences(page: str) -> dict[str, str]:
    section = page.split('id="timeline"', 1)[1]
    kinds = re.findall(r'<li data-kind="(\w+)">', section)
    return dict(zip(kinds, timeline_of(page), strict=True))


def test_every_kind_of_entry_has_a_sentence_in_english_and_chinese(console, actions, db):
    assert set(WRITE) == set(TimelineKind), "a new kind needs a sample entry here"
    number = console.order()
    order = db.scalar(select(Order).where(Order.number == number))
    for write in WRITE.values():
        write(db, order)
    db.commit()
    actions.login_as("viewer")

    english = _sentences(console.page(f"/orders/{number}"))
    chinese = _sentences(console.page(f"/orders/{number}",
                                      headers={"Accept-Language": "zh-CN,zh;q=0.9"}))

    assert set(english) == set(chinese) == {kind.value for kind in TimelineKind}
    for kind in TimelineKind:
        # Without a sentence of its own a kind reads as its bare name ("Stock released.").
        assert english[kind] != kind.replace("_", " ").capitalize() + ".", kind
        assert not CHINESE.search(english[kind]), (kind, english[kind])
        assert CHINESE.search(chinese[kind]), (kind, chinese[kind])
    assert english[TimelineKind.STOCK_RELEASED] == \
        "The order finished in Cancelled; 3 held units went back to stock."
    assert english[TimelineKind.DOCUMENT] == "Packing slip is ready to print."
    assert chinese[TimelineKind.DOCUMENT] == "装箱单已可打印。"
    assert english[TimelineKind.EDITED] == "li edited the order (1 field changed)."
    assert english[TimelineKind.HELD] == ("The order was held in Draft: the store cancelled "
                                          "this order; stop it before it ships.")
    assert "店铺已取消此订单" in chinese[TimelineKind.HELD]
    assert english[TimelineKind.EXCEPTION] == \
        "Exception Buyer note to read was resolved: Release."
    assert chinese[TimelineKind.EXCEPTION] == "异常「买家留言待阅」已处理：放行。"
    assert english[TimelineKind.SCAN] == \
        "picker reported 2 × CUP-02 of the order not on the shelf in wave W-000001."
    assert "CUP-02" in chinese[TimelineKind.SCAN] and "?" not in chinese[TimelineKind.SCAN]
    assert english[TimelineKind.MERGED] == ("li merged the order into one parcel with "
                                            "SO-000001, SO-000002, leaving from HZ.")
    assert english[TimelineKind.SPLIT] == "li split the order by stock into 2 parts."
    assert english[TimelineKind.CARRIER_CHOSEN] == \
        "Carrier sf was chosen as the cheapest of 2 quotes."
    assert chinese[TimelineKind.CARRIER_CHOSEN] == \
        "比较了 2 个报价，选择了最便宜的承运商 sf。"
    assert english[TimelineKind.PRICE_BELOW_LIST] == (
        "1 line is priced below its list price: TEA-01 at 50.00 CNY, list price 58.00 CNY.")
    assert english[TimelineKind.EDIT_DIFFERENCE] == (
        "li changed 1 line; the total went from 2,560.70 CNY to 2,600.50 CNY.")
    assert english[TimelineKind.SLA_BREACHED] == \
        "The order has been in Draft longer than its 4 h SLA; notified: staff."
    assert english[TimelineKind.AFTER_SALES] == \
        "Return AS-000001 was closed with a refund of 19.90 CNY."
    assert english[TimelineKind.PROMOTION] == ("Promotion A fan with tea would give 1 x "
                                               "GIFT-FAN, but the gift is out of stock: none "
                                               "was given.")
    assert english[TimelineKind.PRE_SALE] == (
        "Pre-sale: 2 x TEA-NEW. The order waits for the release on 2026-12-20; its units "
        "are reserved against expected receipts.")
    # The payment status is a word of the reader's language, not the stored key.
    assert english[TimelineKind.PAYMENT].endswith("the order is now partly paid.")
    assert chinese[TimelineKind.PAYMENT].endswith("订单现为 部分付款。")


def test_an_sla_counted_in_business_time_says_so(console, actions, db):
    number = console.order()
    order = db.scalar(select(Order).where(Order.number == number))
    timeline.sla_breached_event(db, order, state="draft", sla_hours=4, notified_roles=["staff"],
                                time_counts="business_hours", at=AT)
    timeline.sla_breached_event(db, order, state="draft", sla_hours=2, notified_roles=["staff"],
                                time_counts="business_days", at=AT)
    db.commit()
    actions.login_as("viewer")
    english = timeline_of(console.page(f"/orders/{number}"))
    chinese = timeline_of(console.page(f"/orders/{number}",
                                       headers={"Accept-Language": "zh-CN,zh;q=0.9"}))
    assert "The order has been in Draft longer than its 4 business hours SLA; notified: " \
           "staff." in english
    assert "The order has been in Draft longer than its 2 business days SLA; notified: " \
           "staff." in english
    assert any("4 个工作小时的时限" in line for line in chinese)
    assert any("2 个工作日的时限" in line for line in chinese)


def test_a_task_given_to_a_permission_names_it(console, actions, db):
    # Where no approver was found, the task goes to whoever may override the workflow.
    number = console.order()
    order = db.scalar(select(Order).where(Order.number == number))
    timeline.approval_event(db, order, "system", details={
        "approval": "manager_review", "outcome": "requested", "reason": "total > 5000",
        "approvers": [{"permission": "orders.override"}]}, at=AT)
    db.commit()
    actions.login_as("viewer")
    english = timeline_of(console.page(f"/orders/{number}"))
    chinese = timeline_of(console.page(f"/orders/{number}",
                                       headers={"Accept-Language": "zh-CN,zh;q=0.9"}))
    assert any("requested from everyone whose roles grant orders.override" in line
               for line in english), english
    assert any("角色拥有 orders.override 权限的所有人" in line for line in chinese), chinese


def test_an_edited_line_reads_in_the_column_labels_of_the_reader_s_language(
        console, actions, db):
    # Once the note quoted the form's column keys and raw amounts ("qty 3, price 19.90").
    number = console.order()
    order = db.scalar(select(Order).where(Order.number == number))
    WRITE[TimelineKind.EDIT_DIFFERENCE](db, order)
    db.commit()
    actions.login_as("viewer")
    english = html.unescape(console.page(f"/orders/{number}"))
    chinese = html.unescape(console.page(f"/orders/{number}",
                                         headers={"Accept-Language": "zh-CN,zh;q=0.9"}))
    assert ("line 2: SKU CUP-02, Quantity 3, Unit price 19.90 CNY → SKU CUP-02, "
            "Quantity 5, Unit price 19.90 CNY") in english
    assert "数量 3" in chinese and "数量 5" in chinese and "qty" not in chinese
