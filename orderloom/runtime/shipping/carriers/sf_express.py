"""SF Express (顺丰速运) through its open platform, 丰桥 (open.sf-express.com).

Every call is one form POST to the platform's single address with ``partnerID``
(the 顾客编码), ``requestID`` (unique per request), ``serviceCode``, ``timestamp``
(milliseconds), ``msgData`` (the request as JSON) and ``msgDigest``:
base64(md5(urlencode(msgData + timestamp + checkWord))), urlencoded as a form value
is (space as ``+``), md5 over its UTF-8 bytes. This is the check-word mode of the
platform; its OAuth mode is not used. The answer is JSON with ``apiResultCode``
(``A1000``: the platform took the call) and ``apiResultData``, itself a JSON string
``{"success", "errorCode", "errorMsg", "msgData"}``.

Services used: ``EXP_RECE_CREATE_ORDER`` books (``orderId`` is the shipment's
reference, stable across retries of one booking, so SF refuses a second booking
with error 8016 and the booking is read back with ``EXP_RECE_SEARCH_ORDER_RESP``);
``EXP_RECE_QUERY_DELIVERTM`` quotes a price and promised delivery time;
``EXP_RECE_SEARCH_ROUTES`` answers a waybill's routes (路由查询). The label is printed
from the booking's route label data (sf_waybill_label in documents).

SF pushes routes (路由推送) to the carrier's webhook address as the same signed form
its calls take: ``msgData`` (``{"Body": {"WaybillRoute": [...]}}``) under a
``msgDigest`` of the check word, which is checked before anything of the push is read.
Each route carries an ``opCode``; ``OP_CODES`` is what each means in Orderloom's
statuses, for queries and pushes alike.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
import urllib.parse
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

from orderloom.runtime import outbound
from orderloom.runtime.shipping.carriers import answers, tracking_services
from orderloom.runtime.shipping.carriers.base import (
    BOOK,
    DELIVERED,
    E_WAYBILL,
    EXCEPTION,
    IN_TRANSIT,
    OUT_FOR_DELIVERY,
    PICKED_UP,
    QUOTE,
    TRACK_BY_QUERY,
    Booking,
    CarrierError,
    CarrierEvent,
    CarrierKind,
    ForgedPush,
    Parcel,
    PayloadError,
    Quote,
)
from orderloom.runtime.shipping.models import Carrier

log = logging.getLogger(__name__)

SANDBOX_URL = "https://sfapi-sbox.sf-express.com/std/service"
PRODUCTION_URL = "https://sfapi.sf-express.com/std/service"
CREATE_ORDER = "EXP_RECE_CREATE_ORDER"
READ_BOOKING = "EXP_RECE_SEARCH_ORDER_RESP"
PRICE_AND_TIME = "EXP_RECE_QUERY_DELIVERTM"
ROUTES = "EXP_RECE_SEARCH_ROUTES"
TAKEN = "A1000"
ALREADY_BOOKED = "8016"  # 重复下单: this orderId was booked before
# The platform's own refusals, said so staff know what to fix.
PLATFORM_REFUSALS = {
    "A1001": "a required parameter is missing (必传参数不可为空)",
    "A1002": "the request has expired; check this server's clock (请求时效已过期)",
    "A1003": "this server's IP address is not allowed for the partner ID (IP无效)",
    "A1004": "the partner ID may not use this service; subscribe to it in 丰桥 "
             "(无对应服务权限)",
    "A1005": "SF is limiting the number of requests; it is tried again later (流量受控)",
    "A1006": "SF refused the signature: the check word (校验码) does not belong to the "
             "partner ID (顾客编码), or the environment is the wrong one (数字签名无效)",
    "A1007": "the same requestID was sent twice (重复请求)",
    "A1009": "SF's service is unavailable; it is tried again later (目标服务异常或不可达)",
    "A1099": "SF had an internal error; it is tried again later (系统异常)",
}
# What SF's route opCodes mean, for queried and pushed routes alike. A code not listed
# is a step between hubs (SF has many: flights, transfers, sorting), so in transit.
OP_CODES = {
    "50": PICKED_UP,          # 顺丰已收件
    "54": PICKED_UP,          # 上门收件 / 已收取快件
    "30": IN_TRANSIT,         # 快件在...完成分拣, 准备发往...
    "31": IN_TRANSIT,         # 快件到达...
    "36": IN_TRANSIT,         # 快件离开..., 已在发往...的路上
    "44": OUT_FOR_DELIVERY,   # 正在派送途中
    "204": OUT_FOR_DELIVERY,  # 快件交给收派员派送
    "80": DELIVERED,          # 已签收
    "33": EXCEPTION,          # 派件不成功 (异常), 待再次派送
    "70": EXCEPTION,          # 由于...原因, 快件未能派送
    "99": EXCEPTION,          # 应客户要求, 快件正在退回 (on its way back)
}
# Not a step of the parcel's journey: SF closing its order after 80 (签收) or a return.
# Read as "in transit" it would become the newest news of a delivered parcel.
NOT_A_STEP = frozenset({"8000"})
PUSH_ACCEPTED = {"return_code": "0000", "return_msg": "成功"}
EXPRESS_TYPES = {1: "顺丰特快", 2: "顺丰标快", 6: "顺丰即日", 231: "陆运包裹"}
CHINA = timezone(timedelta(hours=8))  # SF's times carry no zone; they are Beijing time
TIMEOUT_SECONDS = 15
MAX_ANSWER_BYTES = 1_000_000
SECRET_MEMBERS = ("check_word",)
_CONTACT = {"type": "object", "additionalProperties": False, "properties": {
    name: {"type": "string", "maxLength": 100}
    for name in ("name", "company", "phone", "province", "city", "district", "street")}}
CONFIG_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["partner_id", "check_word", "monthly_account"],
    "properties": {
        "partner_id": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$",
                       "description": "顾客编码, from 丰桥 > 开发者对接 > 应用详情"},
        "check_word": {"type": "string", "minLength": 1, "maxLength": 128,
                       "description": "校验码 of the environment used; sealed, never "
                                      "answered back"},
        "monthly_account": {"type": "string", "pattern": "^[0-9]{6,20}$",
                            "description": "月结卡号 the parcels are billed to"},
        "environment": {"enum": ["sandbox", "production"], "default": "sandbox",
                        "description": "sandbox (沙箱) until SF approves the integration"},
        "url": {"type": "string", "maxLength": 500, "pattern": "^https?://",
                "description": "Another address of the platform than the environment's "
                               "(a regional one, or a proxy)"},
        "express_type": {"type": "integer", "minimum": 1, "maximum": 999,
                         "description": "expressTypeId: 1 顺丰特快, 2 顺丰标快 (default), "
                                        "231 陆运包裹, ..."},
        "sender": {**_CONTACT, "description": "Who sends, when the warehouse has no "
                                              "address of its own"},
        "cargo": {"type": "string", "maxLength": 60,
                  "description": "What the waybill declares when a line has no name"},
    },
}


# SF's refusals that a wrong setting causes, and the config member to fix.
SETTING_AT_FAULT = {"A1006": "check_word", "A1001": "partner_id", "A1004": "partner_id",
                    "A1003": "partner_id"}


class SfRefused(CarrierError):
    """SF answered, and refused: ``code`` is SF's (A1006, 8016, ...); ``setting`` the
    config member a wrong value of which causes it, if any."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.setting = SETTING_AT_FAULT.get(code)


def digest(msg_data: str, timestamp: str, check_word: str) -> str:
    """The platform's ``msgDigest`` of a request."""
    encoded = urllib.parse.quote_plus(msg_data + timestamp + check_word)
    return base64.b64encode(hashlib.md5(encoded.encode("utf-8")).digest()).decode("ascii")


class SfExpress:
    books = True

    subscribes = False

    def __init__(self, carrier: Carrier, config: Mapping[str, Any]) -> None:
        # ``config`` has the check word opened (the registry's ``opened_config``).
        self.code = carrier.code
        self.name = carrier.name
        self.config = dict(config)

    @property
    def url(self) -> str:
        if self.config.get("url"):
            return self.config["url"]
        return PRODUCTION_URL if self.config.get("environment") == "production" \
            else SANDBOX_URL

    def _check_word(self) -> str:
        check_word = self.config.get("check_word") or ""
        if not check_word:
            raise CarrierError(f"carrier {self.code} (SF Express) has no check word (校验码)")
        return check_word

    # --- calling the platform -----------------------------------------------------------------

    def call(self, service: str, request: Mapping[str, Any]) -> dict[str, Any]:
        """One call of ``service``; answers its ``msgData``. Raises SfRefused for SF's
        refusals (the platform's A-codes and the service's error codes) and
        CarrierError when SF could not be reached or answered nonsense."""
        msg_data = json.dumps(request, ensure_ascii=False, separators=(",", ":"),
                              default=_plain)
        timestamp = str(int(datetime.now(UTC).timestamp() * 1000))
        check_word = self._check_word()
        form = urllib.parse.urlencode({
            "partnerID": self.config.get("partner_id", ""),
            "requestID": secrets.token_hex(16), "serviceCode": service,
            "timestamp": timestamp, "msgData": msg_data,
            "msgDigest": digest(msg_data, timestamp, check_word)}).encode("utf-8")
        try:
            answer = outbound.call("POST", self.url, content=form, headers={
                "Content-Type": "application/x-www-form-urlencoded;charset=UTF-8",
                "Accept": "application/json"}, timeout=TIMEOUT_SECONDS,
                limit=MAX_ANSWER_BYTES)
        except outbound.Refused as refusal:
            raise CarrierError(f"carrier {self.code}'s address was refused: {refusal}") \
                from None
        except outbound.OutboundError as error:
            raise CarrierError(f"carrier {self.code} (SF Express) could not be reached: "
                               f"{error}") from None
        if not 200 <= answer.status < 300 or not answer.complete:
            raise CarrierError(f"carrier {self.code} (SF Express) answered HTTP "
                               f"{answer.status} to {service}")
        try:
            outer = json.loads(answer.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise CarrierError(f"carrier {self.code} (SF Express) answered something that "
                               "is not JSON") from None
        if not isinstance(outer, dict):
            raise CarrierError(f"carrier {self.code} (SF Express) answered no object")
        result = str(outer.get("apiResultCode") or "")
        if result != TAKEN:
            said = PLATFORM_REFUSALS.get(result) or answers.text(outer.get("apiErrorMsg"), 200)
            message = f"SF Express refused {service} ({result or 'no code'}): {said}"
            # An error text quoting the request must not carry the check word to logs.
            raise SfRefused(result, message.replace(check_word, "***") if check_word
                            else message)
        data = outer.get("apiResultData")
        try:
            inner = json.loads(data) if isinstance(data, str) else data
        except (ValueError, RecursionError):
            inner = None
        if not isinstance(inner, dict):
            raise CarrierError(f"carrier {self.code} (SF Express) answered no "
                               "apiResultData object")
        if inner.get("success") is not True:
            code = str(inner.get("errorCode") or "")
            said = answers.text(inner.get("errorMsg"), 200) or "no reason given"
            raise SfRefused(code, f"SF Express refused {service} (error {code}): {said}")
        body = inner.get("msgData")
        return body if isinstance(body, dict) else {}

    # --- the adapter --------------------------------------------------------------------------

    def create_shipment(self, parcel: Parcel) -> Booking:
        try:
            booked = self.call(CREATE_ORDER, self.order_request(parcel))
        except SfRefused as refusal:
            if refusal.code != ALREADY_BOOKED:
                raise
            # A retry of a booking that reached SF: read back the waybill it was given.
            booked = self.call(READ_BOOKING, {"orderId": parcel.reference, "searchType": "1",
                                              "language": "zh-CN"})
        return self.book_answer(booked, parcel)

    book = create_shipment

    def order_request(self, parcel: Parcel) -> dict[str, Any]:
        sender = parcel.sender or self.config.get("sender") or {}
        cargo = [{"name": answers.text(line.get("name") or line.get("sku"), 60)
                  or self.config.get("cargo", "商品"),
                  "count": int(line.get("qty") or 1), "unit": "件"}
                 for line in parcel.lines[:20]] or [
            {"name": self.config.get("cargo", "商品"), "count": parcel.pieces}]
        return {
            "language": "zh-CN", "orderId": parcel.reference,
            "monthlyCard": self.config.get("monthly_account", ""),
            "expressTypeId": self.config.get("express_type", 2), "payMethod": 1,
            "parcelQty": parcel.pieces, "isReturnRoutelabel": 1,
            "customsInfo": {}, "cargoDetails": cargo,
            "contactInfoList": [_contact(1, sender), _contact(2, {
                **parcel.recipient.get("address", {}), "name": parcel.recipient.get("name"),
                "phone": parcel.recipient.get("phone")})],
            "remark": parcel.order_number,
        }

    def book_answer(self, booked: Mapping[str, Any], parcel: Parcel) -> Booking:
        numbers = booked.get("waybillNoInfoList")
        number = None
        if isinstance(numbers, list):
            # Type 1 is the parcel's own (母单) number; 2 are extra pieces' numbers.
            mains = [n for n in numbers if isinstance(n, dict)
                     and str(n.get("waybillType", 1)) == "1"]
            number = mains[0].get("waybillNo") if mains else None
        if not number:
            raise CarrierError(f"carrier {self.code} (SF Express) answered no waybill number")
        try:
            number = answers.tracking_number(number)
        except answers.Unreadable as error:
            raise CarrierError(f"carrier {self.code}'s waybill number {error}") from None
        return Booking(number, self.label(booked, number, parcel))

    def label(self, booked: Mapping[str, Any], number: str, parcel: Parcel) -> dict[str, Any]:
        """The fields SF's 100 x 150 mm e-waybill prints, from its booking answer."""
        route: Mapping[str, Any] = {}
        infos = booked.get("routeLabelInfo")
        if isinstance(infos, list) and infos and isinstance(infos[0], dict):
            data = infos[0].get("routeLabelData")
            route = data if isinstance(data, dict) else {}

        def say(value: Any, length: int = 60) -> str:
            return answers.text(value, length)

        express_type = self.config.get("express_type", 2)
        return {
            "format": "sf_waybill", "waybill_no": number,
            "dest_route_label": say(route.get("destRouteLabel") or booked.get("destCode")),
            "dest_code": say(booked.get("destCode") or booked.get("destcode")),
            "origin_code": say(booked.get("originCode") or booked.get("origincode")),
            "coding_mapping": say(route.get("codingMapping")),
            "coding_mapping_out": say(route.get("codingMappingOut")),
            "pro_code": say(route.get("proCode")),
            "two_dimension_code": say(route.get("twoDimensionCode"), 500),
            "express_type": EXPRESS_TYPES.get(express_type, str(express_type)),
            "pay_method": "寄付月结",
            "monthly_account": _masked_account(self.config.get("monthly_account", "")),
            "sender": parcel.sender or self.config.get("sender") or {},
            "pieces": parcel.pieces,
            "cargo": [c["name"] for c in self.order_request(parcel)["cargoDetails"]][:5],
        }

    def quote(self, parcel: Parcel, sender: Mapping[str, Any],
              recipient: Mapping[str, Any]) -> Quote:
        now = datetime.now(CHINA)
        answer = self.call(PRICE_AND_TIME, {
            "businessType": str(self.config.get("express_type", 2)),
            "weight": str(parcel.weight_kg), "searchPrice": "1",
            "consignedTime": f"{now:%Y-%m-%d %H:%M:%S}",
            "srcAddress": _place(sender), "destAddress": _place(recipient)})
        offers = answer.get("deliverTmDto")
        if not isinstance(offers, list) or not offers or not isinstance(offers[0], dict):
            raise CarrierError(f"carrier {self.code} (SF Express) quoted nothing for this "
                               "parcel")
        offer = offers[0]
        try:
            price = Decimal(str(offer.get("fee")))
        except (InvalidOperation, ValueError):
            price = Decimal("NaN")
        if not price.is_finite() or not Decimal(0) <= price < Decimal(1_000_000):
            raise CarrierError(f"carrier {self.code} (SF Express) quoted no price it could "
                               "be held to")
        # "2026-12-08 18:00:00,2026-12-08 18:00:00": the earliest and latest promise.
        promised = answers.text(offer.get("deliverTime"), 60)
        return Quote(self.code, price.quantize(Decimal("0.01")),
                     _days(now.date(), promised.split(",")[0]),
                     answers.text(offer.get("businessTypeDesc"), 40), promised)

    def check(self) -> str:
        """A harmless call that needs a valid signature: reading a booking that does not
        exist. SF then answers "no such order" (the partner ID and check word are right)
        or a platform refusal saying what is wrong."""
        try:
            self.call(READ_BOOKING, {"orderId": "orderloom-connection-test",
                                     "searchType": "1", "language": "zh-CN"})
        except SfRefused as refusal:
            if refusal.code.startswith("A"):
                raise
        return (f"SF Express accepted partner ID {self.config.get('partner_id')} and its "
                "check word")

    def fetch_events(self, tracking_number: str, phone: str = "") -> list[CarrierEvent]:
        """The waybill's routes (路由查询). SF asks for the last four digits of the
        sender's or recipient's phone for a waybill not billed to this partner."""
        request: dict[str, Any] = {"language": "zh-CN", "trackingType": "1",
                                   "trackingNumber": [tracking_number], "methodType": "1"}
        digits = "".join(ch for ch in phone if ch.isdigit())
        if len(digits) >= 4:
            request["checkPhoneNo"] = digits[-4:]
        answer = self.call(ROUTES, request)
        found = answer.get("routeResps")
        events: list[CarrierEvent] = []
        for index, resp in enumerate(found if isinstance(found, list) else []):
            if not isinstance(resp, Mapping) or str(resp.get("mailNo")) != tracking_number:
                continue
            routes = resp.get("routes")
            for position, route in enumerate(routes if isinstance(routes, list) else []):
                try:
                    event = route_event(route, tracking_number,
                                        f"/routeResps/{index}/routes/{position}")
                except PayloadError as error:
                    # One unreadable route must not hide the others of a query.
                    log.info("SF route of %s skipped: %s", tracking_number, error)
                    continue
                if event is not None:
                    events.append(event)
        return events

    # --- route pushes (路由推送) ----------------------------------------------------------------

    def parse_webhook(self, body: bytes, headers: Mapping[str, str]) -> list[CarrierEvent]:
        """SF's route push: the signed form of its calls, checked with the check word
        before anything else of it is read. Raises ForgedPush, PayloadError."""
        fields = tracking_services.form_fields(body, "SF Express")
        msg_data = fields.get("msgData")
        if msg_data is None:
            raise ForgedPush("the push is not SF's signed form: it has no msgData")
        check_word = self.config.get("check_word") or ""
        if not check_word:
            raise ForgedPush(f"carrier {self.code} has no check word to check SF's pushes "
                             "with")
        expected = digest(msg_data, fields.get("timestamp", ""), check_word)
        if not hmac.compare_digest(expected.encode(),
                                   fields.get("msgDigest", "").strip().encode()):
            raise ForgedPush(f"the push to carrier {self.code} is not signed with its check "
                             "word: msgDigest is not base64(md5(urlencode(msgData + "
                             "timestamp + checkWord)))")
        document = tracking_services.json_field(fields, "msgData")
        body_of = document.get("Body") if isinstance(document, Mapping) else None
        routes = body_of.get("WaybillRoute") if isinstance(body_of, Mapping) else None
        if not isinstance(routes, list):
            raise PayloadError("/msgData/Body/WaybillRoute", "is required: a list of routes")
        events, unreadable = [], []
        for index, route in enumerate(routes):
            where = f"/msgData/Body/WaybillRoute/{index}"
            number = route.get("mailno") if isinstance(route, Mapping) else None
            try:
                if not isinstance(number, str) or not number.strip():
                    raise PayloadError(f"{where}/mailno", "is required: the waybill number")
                event = route_event(route, number.strip(), where)
            except PayloadError as error:
                # SF pushes the news of many parcels at once and drops a push refused
                # three times: one unreadable route must not lose the others' news.
                log.warning("SF push to carrier %s: route skipped: %s", self.code, error)
                unreadable.append(error)
                continue
            if event is not None:
                events.append(event)
        if unreadable and not events:
            raise unreadable[0]  # nothing in it could be read: say where, SF may resend
        return events

    @staticmethod
    def push_answer(error: str | None) -> dict[str, Any]:
        """What SF expects back; a refusal makes it push again (three times at most)."""
        if error is None:
            return dict(PUSH_ACCEPTED)
        return {"return_code": "1000", "return_msg": error[:200]}


def route_event(route: Any, number: str, where: str) -> CarrierEvent | None:
    """One of SF's routes (queried or pushed) as an event; None for a code that is no
    step of the journey. Raises PayloadError for a route without a readable time."""
    if not isinstance(route, Mapping):
        raise PayloadError(where, "each route must be an object")
    code = str(route.get("opCode") or "").strip()
    if code in NOT_A_STEP:
        return None
    return CarrierEvent(
        tracking_number=number, status=OP_CODES.get(code, IN_TRANSIT),
        occurred_at=tracking_services.beijing_time(route.get("acceptTime"),
                                                   f"{where}/acceptTime"),
        description=answers.text(route.get("remark"), answers.DESCRIPTION_LENGTH),
        location=answers.text(route.get("acceptAddress"), answers.LOCATION_LENGTH),
        raw=answers.kept_raw(route))


def _contact(kind: int, who: Mapping[str, Any]) -> dict[str, Any]:
    return {"contactType": kind, "contact": str(who.get("name") or ""),
            "company": str(who.get("company") or ""), "tel": str(who.get("phone") or ""),
            "country": "CN", **_place(who)}


def _place(who: Mapping[str, Any]) -> dict[str, str]:
    address = who.get("address") if isinstance(who.get("address"), Mapping) else who
    return {"province": str(address.get("province") or ""),
            "city": str(address.get("city") or ""),
            "county": str(address.get("district") or ""),
            "address": str(address.get("street") or address.get("address") or "")}


def _days(today: date, promised: str) -> int:
    """Days from today to SF's promised time ("2026-12-08 18:00:00"); 99 when SF
    promised nothing readable, so such a quote is never the fastest."""
    try:
        return max(0, (datetime.strptime(promised.strip()[:10], "%Y-%m-%d").date()
                       - today).days)
    except ValueError:
        return 99


def _masked_account(account: str) -> str:
    # The label is stuck on a box anyone handles; SF prints only the last digits.
    return "*" * max(0, len(account) - 4) + account[-4:]


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


KIND = CarrierKind(
    kind="sf_express", label="SF Express (顺丰速运)", config_schema=CONFIG_SCHEMA,
    adapter=lambda carrier, config, code: SfExpress(carrier, config),
    secrets=SECRET_MEMBERS, abilities=frozenset({BOOK, E_WAYBILL, QUOTE, TRACK_BY_QUERY}),
    url_members=("url",), secrets_bound_to=("environment",), signs_own_pushes=True)
