"""Pull settings (marketplace_api.py) for the Chinese marketplaces' open platforms, with
a mapping onto the retail template's form (builtin_templates/retail.json).

Each preset is the best knowledge of the platform's public documentation and of the
public client code that calls it; ``basis`` says what it rests on. A merchant whose
platform answers differently overrides members of ``settings`` when connecting.
``statuses`` says which of the order's values mean cancelled or a refund request, as
each platform documents its status members.
Signing (request_signing.py):

- Taobao/Tmall TOP: ``sign_method=md5``: md5(secret + k1v1k2v2... + secret), upper
  hex (``hmac``: HMAC-MD5 of the unwrapped text); ``sign``.
- JD 京东宙斯/JOS: md5(secret + sorted k v + secret), upper hex; business parameters
  as one JSON text in ``360buy_param_json``.
- Pinduoduo: md5(client_secret + sorted k v + client_secret), upper hex.
- Douyin 抖店: HMAC-SHA256 keyed with the app secret over secret + app_key, method,
  param_json, timestamp and v (sorted k v) + secret, lower hex; business parameters
  as sorted JSON in ``param_json``, sent as the request's body with the other
  parameters in the query.
"""
from __future__ import annotations

import copy
from typing import Any

from orderloom.runtime.channels.marketplace_totals import TOTALS

CN = {"formula": "\"CN\""}
# The order's money as the pull reads it from the setting's ``money`` (marketplace_api
# order_money, under ``orderloom`` as the file presets have it): the discount is what
# makes the order's total what the buyer pays, and a paid order gets its payment.
MONEY = {"shipping_fee": f"$.{TOTALS}.shipping", "discount": f"$.{TOTALS}.discount",
         "tax": f"$.{TOTALS}.tax", "payment.amount": f"$.{TOTALS}.paid",
         "payment.received_at": f"$.{TOTALS}.paid_at",
         "payment.currency": {"formula": "\"CNY\""}}


def _mapping(order_id: str, fields: dict[str, Any], lines_from: str,
             line: dict[str, Any]) -> dict[str, Any]:
    return {"external_id": f"$.{order_id}",
            "fields": {"channel_order_no": f"$.{order_id}", "ship_to.country": CN, **fields,
                       **MONEY},
            "lines": {"items": {"from": lines_from, "fields": line}}}


def _money(lines: str, price: str, quantity: str, shipping: str, total: list[str],
           paid_at: str, in_fen: bool = False) -> dict[str, Any]:
    return {"lines": lines, "price": price, "quantity": quantity, "shipping": shipping,
            "tax": None, "total": total, "paid_at": paid_at, "in_fen": in_fen}


_ANSWER = {"has_next": None, "total": None, "error_code": None, "error_message": None,
           "success_codes": [], "rate_limited_codes": [], "credential_codes": []}

TAOBAO: dict[str, Any] = {
    "key": "taobao",
    "name": "Taobao / Tmall (淘宝开放平台 TOP)",
    "api_address": "https://eco.taobao.com",
    # taobao.trades.sold.increment.get answers orders modified in a window of at most one
    # day, paged with page_no / page_size (at most 100) and use_has_next.
    "longest_minutes": 24 * 60,
    "basis": "TOP documentation of taobao.trades.sold.increment.get and the TOP signing "
             "rules (签名算法) as the official SDK's TaobaoUtils.signTopRequest implements them",
    "settings": {
        "http_method": "POST", "path": "/router/rest",
        "action": {"parameter": "method", "value": "taobao.trades.sold.increment.get"},
        "app_key_parameter": "app_key", "access_token_parameter": "session",
        "timestamp": {"parameter": "timestamp", "format": "datetime"},
        "fixed_parameters": {"v": "2.0", "format": "json", "sign_method": "md5",
                             "simplify": "false", "use_has_next": "true",
                             "fields": "tid,status,modified,buyer_nick,buyer_message,"
                                       "post_fee,payment,pay_time,receiver_name,"
                                       "receiver_mobile,"
                                       "receiver_state,receiver_city,receiver_district,"
                                       "receiver_address,receiver_zip,orders"},
        "business_json_parameter": None,
        "signing": {"algorithm": "md5", "wrap_with_secret": True, "signed_parameters": None,
                    "skip_empty": True, "hex_case": "upper", "parameter": "sign"},
        "time_zone": "+08:00",
        "window": {"from_parameter": "start_modified", "to_parameter": "end_modified",
                   "format": "datetime", "longest_minutes": 24 * 60, "overlap_seconds": 120},
        "pages": {"number_parameter": "page_no", "size_parameter": "page_size", "size": 100,
                  "first": 1},
        "answer": {**_ANSWER,
                   "orders": "/trades_sold_increment_get_response/trades/trade",
                   "has_next": "/trades_sold_increment_get_response/has_next",
                   "total": "/trades_sold_increment_get_response/total_results",
                   "error_code": "/error_response/code",
                   "error_message": "/error_response/msg",
                   # 7: App Call Limited; 25: Invalid signature; 27: Invalid session.
                   "rate_limited_codes": ["7"], "credential_codes": ["25", "27", "29"]},
        "order": {"id": "/tid", "modified": "/modified"},
        # The trade's status: TRADE_CLOSED (closed after payment, the buyer refunded)
        # and TRADE_CLOSED_BY_TAOBAO (closed before payment); each line's
        # refund_status while a refund is asked for and not yet closed or refused.
        "statuses": [
            {"at": "/status", "cancelled": ["TRADE_CLOSED", "TRADE_CLOSED_BY_TAOBAO"],
             "refund_requested": []},
            {"at": "/orders/order", "each": "/refund_status", "cancelled": [],
             "refund_requested": ["WAIT_SELLER_AGREE", "WAIT_BUYER_RETURN_GOODS",
                                  "WAIT_SELLER_CONFIRM_GOODS"]}],
        # payment: what the buyer pays (实付金额), after every discount; pay_time is
        # left out until the buyer paid.
        "money": _money("/orders/order", "/price", "/num", "/post_fee", ["/payment"],
                        "/pay_time"),
        "poll_every_minutes": 5, "rate_limit_wait_seconds": 2, "first_pull_hours": 24,
    },
    "mapping": _mapping("tid", {
        "customer.code": "$.buyer_nick", "customer.name": "$.receiver_name",
        "customer.phone": "$.receiver_mobile", "recipient": "$.receiver_name",
        "recipient_phone": "$.receiver_mobile", "ship_to.province": "$.receiver_state",
        "ship_to.city": "$.receiver_city", "ship_to.district": "$.receiver_district",
        "ship_to.street": "$.receiver_address", "ship_to.postcode": "$.receiver_zip",
        "note": "$.buyer_message"},
        "$.orders.order[*]", {"sku": "$.outer_iid", "qty": "$.num", "price": "$.price"}),
}

JD: dict[str, Any] = {
    "key": "jd",
    "name": "JD (京东宙斯 / JOS)",
    "api_address": "https://api.jd.com",
    # jingdong.pop.order.search by modified time (date_type 0); JOS documents windows
    # of at most 30 days, and pages of at most 100.
    "longest_minutes": 30 * 24 * 60,
    "basis": "JOS documentation of jingdong.pop.order.search and the JOS signing rules "
             "(360buy_param_json, md5 upper) as public JOS clients implement them",
    "settings": {
        "http_method": "POST", "path": "/routerjson",
        "action": {"parameter": "method", "value": "jingdong.pop.order.search"},
        "app_key_parameter": "app_key", "access_token_parameter": "access_token",
        "timestamp": {"parameter": "timestamp", "format": "datetime"},
        "fixed_parameters": {"v": "2.0", "format": "json"},
        "business_json_parameter": "360buy_param_json",
        "signing": {"algorithm": "md5", "wrap_with_secret": True, "signed_parameters": None,
                    "skip_empty": False, "hex_case": "upper", "parameter": "sign"},
        "time_zone": "+08:00",
        "window": {"from_parameter": "start_date", "to_parameter": "end_date",
                   "format": "datetime", "longest_minutes": 24 * 60, "overlap_seconds": 120},
        "pages": {"number_parameter": "page", "size_parameter": "page_size", "size": 100,
                  "first": 1},
        "answer": {**_ANSWER,
                   "orders": "/jingdong_pop_order_search_responce/searchorderinfo_result/"
                             "orderInfoList",
                   "total": "/jingdong_pop_order_search_responce/searchorderinfo_result/"
                            "orderTotal",
                   "error_code": "/error_response/code",
                   "error_message": "/error_response/zh_desc",
                   "credential_codes": ["19", "67"]},
        "order": {"id": "/orderId", "modified": "/modified"},
        # orderState: TRADE_CANCELED (取消), LOCKED (锁定: the buyer asked to cancel,
        # JD stops the order until it is decided; it must not ship).
        "statuses": [{"at": "/orderState", "cancelled": ["TRADE_CANCELED", "LOCKED"],
                      "refund_requested": []}],
        # orderPayment is what the buyer pays online, balanceUsed what the JD account
        # balance paid (as the export's 应付金额 and 余额支付).
        "money": _money("/itemInfoList", "/jdPrice", "/itemTotal", "/freightPrice",
                        ["/orderPayment", "/balanceUsed"], "/paymentConfirmTime"),
        "poll_every_minutes": 5, "rate_limit_wait_seconds": 2, "first_pull_hours": 24,
    },
    "mapping": _mapping("orderId", {
        "customer.code": "$.pin", "customer.name": "$.consigneeInfo.fullname",
        "customer.phone": "$.consigneeInfo.mobile", "recipient": "$.consigneeInfo.fullname",
        "recipient_phone": "$.consigneeInfo.mobile",
        "ship_to.province": "$.consigneeInfo.province", "ship_to.city": "$.consigneeInfo.city",
        "ship_to.district": "$.consigneeInfo.county",
        "ship_to.street": "$.consigneeInfo.fullAddress",
        "note": "$.orderRemark"},
        "$.itemInfoList[*]", {"sku": "$.outerSkuId", "qty": "$.itemTotal",
                              "price": "$.jdPrice"}),
}

PINDUODUO: dict[str, Any] = {
    "key": "pinduoduo",
    "name": "Pinduoduo (拼多多开放平台)",
    "api_address": "https://gw-api.pinduoduo.com",
    # pdd.order.number.list.increment.get: start/end_updated_at in seconds, windows of
    # at most 30 minutes, pages of at most 100 with use_has_next.
    "longest_minutes": 30,
    "basis": "Pinduoduo open platform documentation of "
             "pdd.order.number.list.increment.get and its signing rules (client_secret "
             "wrapped, md5 upper) as public Pinduoduo clients implement them",
    "settings": {
        "http_method": "POST", "path": "/api/router",
        "action": {"parameter": "type", "value": "pdd.order.number.list.increment.get"},
        "app_key_parameter": "client_id", "access_token_parameter": "access_token",
        "timestamp": {"parameter": "timestamp", "format": "unix"},
        "fixed_parameters": {"data_type": "JSON", "version": "V1", "is_lucky_flag": "0",
                             "order_status": "5", "refund_status": "5",
                             "use_has_next": "true"},
        "business_json_parameter": None,
        "signing": {"algorithm": "md5", "wrap_with_secret": True, "signed_parameters": None,
                    "skip_empty": False, "hex_case": "upper", "parameter": "sign"},
        "time_zone": "+08:00",
        "window": {"from_parameter": "start_updated_at", "to_parameter": "end_updated_at",
                   "format": "unix", "longest_minutes": 30, "overlap_seconds": 60},
        "pages": {"number_parameter": "page", "size_parameter": "page_size", "size": 100,
                  "first": 1},
        "answer": {**_ANSWER,
                   "orders": "/order_sn_increment_get_response/order_sn_list",
                   "has_next": "/order_sn_increment_get_response/has_next",
                   "total": "/order_sn_increment_get_response/total_count",
                   "error_code": "/error_response/error_code",
                   "error_message": "/error_response/error_msg",
                   "credential_codes": ["10019", "10020"]},
        "order": {"id": "/order_sn", "modified": "/updated_at"},
        # refund_status: 1 no after-sales (or closed), 2 after-sales in progress, 3
        # refunding, 4 refunded. order_status (1 to ship, 2 shipped, 3 received) has no
        # cancelled value: a paid order is cancelled by refunding it in full.
        "statuses": [{"at": "/refund_status", "cancelled": ["4"],
                      "refund_requested": ["2", "3"]}],
        "money": _money("/item_list", "/goods_price", "/goods_count", "/postage",
                        ["/pay_amount"], "/pay_time"),
        "poll_every_minutes": 5, "rate_limit_wait_seconds": 2, "first_pull_hours": 24,
    },
    "mapping": _mapping("order_sn", {
        "customer.name": "$.receiver_name", "customer.phone": "$.receiver_phone",
        "recipient": "$.receiver_name", "recipient_phone": "$.receiver_phone",
        "ship_to.province": "$.province", "ship_to.city": "$.city",
        "ship_to.district": "$.town", "ship_to.street": "$.address",
        "note": "$.buyer_memo"},
        "$.item_list[*]", {"sku": "$.outer_id", "qty": "$.goods_count",
                           "price": "$.goods_price"}),
}

DOUYIN: dict[str, Any] = {
    "key": "douyin",
    "name": "Douyin shop (抖店开放平台)",
    "api_address": "https://openapi-fxg.jinritemai.com",
    # order.searchList by update time in seconds; pages count from 0, at most 100.
    # Windows: no limit found in the documentation, so one day, like Taobao.
    "longest_minutes": 24 * 60,
    "basis": "抖店 open platform documentation of order.searchList and its signing rules "
             "(sign_method hmac-sha256: secret-wrapped sorted app_key, method, param_json, "
             "timestamp, v; lower hex) as the public doudian SDKs implement them; amounts "
             "are in fen, so the mapping divides by 100",
    "settings": {
        "http_method": "POST_JSON", "path": "/order/searchList",
        "action": {"parameter": "method", "value": "order.searchList"},
        "app_key_parameter": "app_key", "access_token_parameter": "access_token",
        "timestamp": {"parameter": "timestamp", "format": "datetime"},
        "fixed_parameters": {"v": "2", "sign_method": "hmac-sha256"},
        "business_json_parameter": "param_json",
        "signing": {"algorithm": "hmac-sha256", "wrap_with_secret": True,
                    "signed_parameters": ["app_key", "method", "param_json", "timestamp",
                                          "v"],
                    "skip_empty": False, "hex_case": "lower", "parameter": "sign"},
        "time_zone": "+08:00",
        "window": {"from_parameter": "update_time_start", "to_parameter": "update_time_end",
                   "format": "unix", "longest_minutes": 24 * 60, "overlap_seconds": 120},
        "pages": {"number_parameter": "page", "size_parameter": "size", "size": 100,
                  "first": 0},
        "answer": {**_ANSWER,
                   "orders": "/data/shop_order_list", "total": "/data/total",
                   "error_code": "/code", "error_message": "/msg",
                   "success_codes": ["10000"], "credential_codes": ["30001", "30002"]},
        "order": {"id": "/order_id", "modified": "/update_time"},
        # order_status: 1 to confirm, 105 paid, 2 being prepared, 101 partly shipped,
        # 3 shipped, 4 cancelled, 5 done.
        "statuses": [{"at": "/order_status", "cancelled": ["4"], "refund_requested": []}],
        # In fen; pay_time is 0 until the buyer paid.
        "money": _money("/sku_order_list", "/origin_amount", "/item_num", "/post_amount",
                        ["/pay_amount"], "/pay_time", in_fen=True),
        "poll_every_minutes": 5, "rate_limit_wait_seconds": 2, "first_pull_hours": 24,
    },
    "mapping": _mapping("order_id", {
        "customer.code": "$.doudian_open_id", "customer.name": "$.post_receiver",
        "customer.phone": "$.post_tel", "recipient": "$.post_receiver",
        "recipient_phone": "$.post_tel", "ship_to.province": "$.post_addr.province.name",
        "ship_to.city": "$.post_addr.city.name", "ship_to.district": "$.post_addr.town.name",
        "ship_to.street": "$.post_addr.detail",
        "note": "$.buyer_words"},
        "$.sku_order_list[*]", {"sku": "$.code", "qty": "$.item_num",
                                "price": {"path": "$.origin_amount",
                                          "formula": "value / 100"}}),
}

MARKETPLACE_API_PRESETS: dict[str, dict[str, Any]] = {
    p["key"]: p for p in (TAOBAO, JD, PINDUODUO, DOUYIN)}
CUSTOM = "custom"


def preset(key: str) -> dict[str, Any] | None:
    """A copy of the preset, safe to change."""
    found = MARKETPLACE_API_PRESETS.get(key)
    return copy.deepcopy(found) if found is not None else None


def merged(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``changes`` laid over it member by member (objects merged, anything
    else replaced), so a merchant overrides one member of a preset."""
    result = copy.deepcopy(base)
    for name, value in changes.items():
        if isinstance(value, dict) and isinstance(result.get(name), dict):
            result[name] = merged(result[name], value)
        else:
            result[name] = copy.deepcopy(value)
    return result
