"""快递鸟 (Kdniao): one business account that follows parcels of most Chinese carriers,
by instant query and by subscription with pushes.

What each part rests on (快递鸟's API documentation at www.kdniao.com/api-track,
即时查询 1002, 物流跟踪 1008 with push 101, and its official demos):

- Every call is a form POST of ``RequestData`` (the JSON, URL-encoded as a form
  value), ``EBusinessID`` (the user ID), ``RequestType``, ``DataSign`` =
  urlencode(base64(md5(RequestData + AppKey) as a lowercase hex string)) and
  ``DataType=2`` (JSON). Form encoding does the URL-encoding of both.
- Instant query: ``RequestType=1002`` to ``https://api.kdniao.com/Ebusiness/
  EbusinessOrderHandle.aspx`` with ``{"OrderCode", "ShipperCode", "LogisticCode",
  "CustomerName"}`` (CustomerName: the last four digits of a phone, which SF asks
  for). It answers ``{"EBusinessID", "ShipperCode", "LogisticCode", "Success",
  "Reason", "State", "StateEx", "Traces": [{"AcceptTime", "AcceptStation",
  "Location", "Action"}]}``; ``Success: false`` with a ``Reason`` when refused (a
  wrong user ID or AppKey is refused this way).
- Subscription: ``RequestType=1008`` to ``https://api.kdniao.com/api/dist`` with the
  same waybill fields, answered ``{"EBusinessID", "UpdateTime", "Success",
  "Reason"}``. The push address is not sent: it is set in 快递鸟's console.
- Push: 快递鸟 POSTs a form of ``RequestData`` ``{"PushTime", "EBusinessID", "Count",
  "Data": [{"ShipperCode", "LogisticCode", "State", "StateEx", "Traces"}]}``,
  ``RequestType=101`` and ``DataSign`` signed as above, and expects ``{"EBusinessID",
  "UpdateTime", "Success": true, "Reason": ""}``; otherwise it pushes again.
- A trace's ``Action`` is its own status code (the StateEx values), so each trace
  keeps its status however often it is reported.

State codes and what they become (the one table, ``STATES``; docs/logistics.md lists
it), ``StateEx`` read before ``State``: 0 no news: label created; 1 揽收 picked up; 2
在途 in transit (201 到达派件城市, 204 到达转运中心, 205 到达派件网点, 206 寄件网点发件: in
transit; 202 派件中 and 211 已放入快递柜或驿站: out for delivery); 3 签收 and 301, 302, 304,
311: delivered; 4 问题件 and 401-405, 407, 412: exception, 406 退货签收: returned; 5 转寄
in transit; 6 清关 in transit.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
from collections.abc import Mapping
from typing import Any

from orderloom.db import utcnow
from orderloom.runtime.shipping.carriers import answers, tracking_services
from orderloom.runtime.shipping.carriers.base import (
    DELIVERED,
    EXCEPTION,
    IN_TRANSIT,
    LABEL_CREATED,
    OUT_FOR_DELIVERY,
    PICKED_UP,
    RETURNED,
    SUBSCRIBE,
    TRACK_BY_QUERY,
    Booking,
    CarrierError,
    CarrierEvent,
    CarrierKind,
    ForgedPush,
    NumberNeeded,
    Parcel,
    PayloadError,
)

log = logging.getLogger(__name__)

SERVICE = "快递鸟"
QUERY_URL = "https://api.kdniao.com/Ebusiness/EbusinessOrderHandle.aspx"
SUBSCRIBE_URL = "https://api.kdniao.com/api/dist"
QUERY, SUBSCRIPTION, PUSH = "1002", "1008", "101"
PROBE_NUMBER = "SF0000000000000"
STATES: dict[str, str] = {
    "0": LABEL_CREATED,
    "1": PICKED_UP,
    "2": IN_TRANSIT, "201": IN_TRANSIT, "204": IN_TRANSIT, "205": IN_TRANSIT,
    "206": IN_TRANSIT, "202": OUT_FOR_DELIVERY, "211": OUT_FOR_DELIVERY,
    "3": DELIVERED, "301": DELIVERED, "302": DELIVERED, "304": DELIVERED, "311": DELIVERED,
    "4": EXCEPTION, "401": EXCEPTION, "402": EXCEPTION, "403": EXCEPTION, "404": EXCEPTION,
    "405": EXCEPTION, "407": EXCEPTION, "412": EXCEPTION, "406": RETURNED,
    "5": IN_TRANSIT,
    "6": IN_TRANSIT,
}

CONFIG_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["ebusiness_id", "app_key", "companies"],
    "additionalProperties": False,
    "properties": {
        "ebusiness_id": {"type": "string", "pattern": "^[0-9A-Za-z]{1,40}$",
                         "description": "The user ID (用户ID / EBusinessID), under 用户中心 → "
                                        "账户信息"},
        "app_key": {"type": "string", "pattern": "^[0-9A-Za-z-]{1,100}$|^\\*\\*\\*$",
                    "description": "The API key (API key / AppKey); sealed, never answered "
                                   "back"},
        "companies": tracking_services.COMPANIES_SCHEMA,
        "query_url": tracking_services.url_schema(f"Default {QUERY_URL}"),
        "subscribe_url": tracking_services.url_schema(f"Default {SUBSCRIBE_URL}"),
    },
}


def data_sign(request_data: str, app_key: str) -> str:
    """base64 of the lowercase hex md5 of RequestData + AppKey (form encoding then
    URL-encodes it)."""
    digest = hashlib.md5((request_data + app_key).encode("utf-8")).hexdigest()
    return base64.b64encode(digest.encode("ascii")).decode("ascii")


class Kdniao:
    books = False
    subscribes = True

    def __init__(self, carrier: Any, config: dict[str, Any], code: str) -> None:
        self.account = carrier.code
        self.code = code
        self.config = config
        self.company, self.name = tracking_services.company_of(config, code) \
            if code != carrier.code else ("", carrier.name)

    # --- calling 快递鸟 -----------------------------------------------------------------------

    def _call(self, url: str, request_type: str, data: dict[str, Any]) -> dict[str, Any]:
        request_data = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        answer = tracking_services.post_form(SERVICE, url, {
            "RequestData": request_data, "EBusinessID": self.config["ebusiness_id"],
            "RequestType": request_type,
            "DataSign": data_sign(request_data, self.config["app_key"]), "DataType": "2"},
            hide=(self.config.get("app_key", ""),))
        if not isinstance(answer, dict):
            raise CarrierError(f"{SERVICE} answered JSON that is not an object")
        return answer

    def _waybill(self, number: str, phone: str, company: str | None = None
                 ) -> dict[str, str]:
        company = company or self.company
        if not company:
            raise CarrierError(f"{SERVICE} account {self.account!r} follows the carriers of "
                               "its companies list; record the shipment under one of them")
        return {"OrderCode": "", "ShipperCode": company, "LogisticCode": number,
                "CustomerName": phone[-4:] if phone else ""}

    def create_shipment(self, parcel: Parcel) -> Booking:
        raise NumberNeeded(f"{self.name} is followed through {SERVICE}, which books "
                           "nothing: give the waybill number")

    def fetch_events(self, tracking_number: str, phone: str = "") -> list[CarrierEvent]:
        answer = self._call(self.config.get("query_url") or QUERY_URL, QUERY,
                            self._waybill(tracking_number, phone))
        if answer.get("Success") is not True:
            raise CarrierError(f"{SERVICE} refused the query: "
                               f"{answers.text(answer.get('Reason'), 200) or 'no reason'}")
        return self.events(answer, strict=False)

    def events(self, result: Mapping[str, Any], *, strict: bool, where: str = "",
               carrier: str | None = None) -> list[CarrierEvent]:
        try:
            number = answers.tracking_number(result.get("LogisticCode"))
        except answers.Unreadable as error:
            raise PayloadError(f"{where}/LogisticCode", str(error)) from None
        state = str(result.get("State") or "0")
        overall = STATES.get(str(result.get("StateEx") or "")) or STATES.get(state)
        if overall is None:
            if strict:
                raise PayloadError(f"{where}/State", f"{state[:20]!r} is not a 快递鸟 state")
            overall = IN_TRANSIT
        return tracking_services.traces(
            result.get("Traces") or [], f"{where}/Traces", number=number,
            carrier=carrier or self.code, overall=overall, time_of="AcceptTime",
            text_of="AcceptStation", code_of="Action", status_of=STATES,
            place_of="Location", strict=strict)

    def subscribe(self, tracking_number: str, phone: str = "") -> str:
        answer = self._call(self.config.get("subscribe_url") or SUBSCRIBE_URL, SUBSCRIPTION,
                            self._waybill(tracking_number, phone))
        said = answers.text(answer.get("Reason"), 200)
        if answer.get("Success") is not True:
            raise CarrierError(f"{SERVICE} refused the subscription: {said or 'no reason'}")
        return f"{SERVICE}: subscribed" + (f" ({said})" if said else "")

    def check(self) -> str:
        company = self.company or next(
            (entry["company"] for entry in self.config.get("companies") or []), "SF")
        answer = self._call(self.config.get("query_url") or QUERY_URL, QUERY,
                            self._waybill(PROBE_NUMBER, "", company))
        if answer.get("Success") is not True:
            raise CarrierError(f"{SERVICE} refused the account: "
                               f"{answers.text(answer.get('Reason'), 200) or 'no reason'}. "
                               "Check the user ID (EBusinessID) and API key under 用户中心 "
                               "→ 账户信息")
        return f"{SERVICE} accepted user ID {self.config['ebusiness_id']} and its API key"

    # --- pushes -------------------------------------------------------------------------------

    def parse_webhook(self, body: bytes, headers: Mapping[str, str]) -> list[CarrierEvent]:
        fields = tracking_services.form_fields(body, SERVICE)
        request_data = fields.get("RequestData")
        if request_data is None:
            raise PayloadError("/RequestData", "is required")
        # Checked before anything of the push is read.
        expected = data_sign(request_data, self.config["app_key"])
        if not hmac.compare_digest(expected.encode(), fields.get("DataSign", "").encode()):
            raise ForgedPush(f"the DataSign of the push to {self.account!r} is not "
                             "base64(md5(RequestData + AppKey))")
        document = tracking_services.json_field(fields, "RequestData")
        if not isinstance(document, Mapping) or not isinstance(document.get("Data"), list):
            raise PayloadError("/RequestData/Data", "is required: the waybills' news")
        events: list[CarrierEvent] = []
        for index, item in enumerate(document["Data"]):
            where = f"/RequestData/Data/{index}"
            if not isinstance(item, Mapping):
                raise PayloadError(where, "each waybill must be an object")
            code = self._code_of(str(item.get("ShipperCode") or ""), where)
            events += self.events(item, strict=True, where=where, carrier=code)
        return events

    def _code_of(self, company: str, where: str) -> str:
        for entry in self.config.get("companies") or []:
            if entry.get("company") == company:
                return entry["carrier"]
        raise PayloadError(f"{where}/ShipperCode", f"company {company[:40]!r} is not in the "
                                                   f"companies of {self.account!r}")

    def push_answer(self, error: str | None) -> dict[str, Any]:
        """What 快递鸟 expects back; refused, it pushes again later."""
        return {"EBusinessID": self.config.get("ebusiness_id", ""),
                     "UpdateTime": utcnow().astimezone(tracking_services.BEIJING)
                     .strftime("%Y-%m-%d %H:%M:%S"),
                     "Success": error is None, "Reason": (error or "")[:200]}


KIND = CarrierKind(
    kind="kdniao", label="快递鸟 (Kdniao)", config_schema=CONFIG_SCHEMA,
    adapter=Kdniao, secrets=("app_key",), abilities=frozenset({TRACK_BY_QUERY, SUBSCRIBE}),
    url_members=("query_url", "subscribe_url"), tracks_others=True, signs_own_pushes=True)
