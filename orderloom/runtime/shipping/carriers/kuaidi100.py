"""快递100 (Kuaidi100): one enterprise account that follows parcels of most Chinese
carriers, by real-time query and by subscription with pushes.

What each part rests on (快递100's API documentation at api.kuaidi100.com, 实时快递
查询接口 and 订阅推送接口, and its official SDK github.com/kuaidi100-api/java-demo):

- Real-time query: ``POST https://poll.kuaidi100.com/poll/query.do``, form fields
  ``customer``, ``param`` (JSON ``{"com", "num", "phone", "resultv2"}``) and ``sign``
  = upper(md5(param + key + customer)). It answers ``{"message": "ok", "state",
  "ischeck", "com", "nu", "data": [{"time", "ftime", "context", "location",
  "statusCode", ...}]}``, or on failure ``{"result": false, "returnCode", "message"}``
  with returnCode 400 (incomplete data or company not supported), 408 (phone check
  failed), 500 (no result yet), 501 (server error), 502 (busy), 503 (signature
  check failed: the customer or key is wrong), 601 (the key has expired or no
  queries are left).
- Subscription: ``POST https://poll.kuaidi100.com/poll``, form fields ``schema=json``
  and ``param`` (JSON ``{"company", "number", "key", "parameters": {"callbackurl",
  "salt", "resultv2", "phone"}}``), answered ``{"result", "returnCode", "message"}``:
  200 accepted, 501 already subscribed (taken as done), 600 not a valid subscriber
  (wrong key), 601 key expired, 700 bad data, 701 company refused, 702 company not
  recognised, 500 server error.
- Push: 快递100 POSTs the callback URL a form with ``param`` (JSON ``{"status",
  "message", "lastResult": {"state", "ischeck", "com", "nu", "data": [...]}}``) and
  ``sign`` = upper(md5(param + salt)), and expects ``{"result": true, "returnCode":
  "200", "message": "成功"}``; any other answer makes it push again later. The salt
  is the carrier's webhook secret, so it never leaves Orderloom except in the
  subscription itself.
- ``resultv2=4`` asks for each trace's own status code (``statusCode``), so every
  trace keeps the same status however often it is reported.

State codes and what they become (the one table, ``STATES``; docs/logistics.md lists
it): 0 在途 in transit (1001 到达派件城市, 1002 干线, 1003 转递); 1 揽收 picked up (101
已下单 and 102 待揽收: label created; 103 已揽收); 2 疑难 and 201-210: exception; 3 签收
and 301-304 delivered; 4 退签 returned (401 已销单: exception); 5 派件 and 501 投柜或驿站:
out for delivery; 6 退回 (on its way back): exception; 7 转投 in transit; 8 清关 and 10-12
in transit, 13 清关异常 exception; 14 拒签 exception.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Mapping
from typing import Any

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

SERVICE = "快递100"
QUERY_URL = "https://poll.kuaidi100.com/poll/query.do"
SUBSCRIBE_URL = "https://poll.kuaidi100.com/poll"
# A number no carrier uses: the connection test asks for it, and any answer but a
# refused signature or key shows the account works.
PROBE_NUMBER = "SF0000000000000"
REFUSED_ACCOUNT = {"503": "the signature check failed: the customer or key is wrong",
                   "601": "the key has expired or no queries are left",
                   "600": "the key is not a valid subscriber"}
STATES: dict[str, str] = {
    "0": IN_TRANSIT, "1001": IN_TRANSIT, "1002": IN_TRANSIT, "1003": IN_TRANSIT,
    "1": PICKED_UP, "101": LABEL_CREATED, "102": LABEL_CREATED, "103": PICKED_UP,
    "2": EXCEPTION, **{str(code): EXCEPTION for code in range(201, 211)},
    "3": DELIVERED, "301": DELIVERED, "302": DELIVERED, "303": DELIVERED, "304": DELIVERED,
    "4": RETURNED, "401": EXCEPTION,
    "5": OUT_FOR_DELIVERY, "501": OUT_FOR_DELIVERY,
    "6": EXCEPTION,
    "7": IN_TRANSIT,
    "8": IN_TRANSIT, "10": IN_TRANSIT, "11": IN_TRANSIT, "12": IN_TRANSIT, "13": EXCEPTION,
    "14": EXCEPTION,
}
ACCEPTED = {"result": True, "returnCode": "200", "message": "成功"}

CONFIG_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["customer", "key", "companies"],
    "additionalProperties": False,
    "properties": {
        "customer": {"type": "string", "pattern": "^[A-Za-z0-9]{1,64}$",
                     "description": "The account's customer (公司编号), under 我的信息 → "
                                    "企业信息"},
        "key": {"type": "string", "pattern": "^[A-Za-z0-9]{1,64}$|^\\*\\*\\*$",
                "description": "The account's authorisation key (授权key); sealed, never "
                               "answered back"},
        "companies": tracking_services.COMPANIES_SCHEMA,
        "callback_url": tracking_services.url_schema(
            "Where 快递100 pushes news; default this carrier's webhook address"),
        "query_url": tracking_services.url_schema(f"Default {QUERY_URL}"),
        "subscribe_url": tracking_services.url_schema(f"Default {SUBSCRIBE_URL}"),
    },
}


def sign(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest().upper()


class Kuaidi100:
    books = False
    subscribes = True

    def __init__(self, carrier: Any, config: dict[str, Any], code: str) -> None:
        self.account = carrier.code
        self.code = code
        self.config = config
        self.salt = carrier.webhook_secret
        self.company, self.name = tracking_services.company_of(config, code) \
            if code != carrier.code else ("", carrier.name)

    # --- calling 快递100 ----------------------------------------------------------------------

    def _call(self, url: str, fields: dict[str, str]) -> dict[str, Any]:
        answer = tracking_services.post_form(SERVICE, url, fields,
                                             hide=(self.config.get("key", ""), self.salt))
        if not isinstance(answer, dict):
            raise CarrierError(f"{SERVICE} answered JSON that is not an object")
        return answer

    def _needs_company(self) -> str:
        if not self.company:
            raise CarrierError(f"{SERVICE} account {self.account!r} follows the carriers of "
                               "its companies list; record the shipment under one of them")
        return self.company

    def query(self, number: str, phone: str = "", company: str | None = None
              ) -> dict[str, Any]:
        param = json.dumps({"com": company or self._needs_company(), "num": number,
                            "phone": phone, "resultv2": "4"}, ensure_ascii=False,
                           separators=(",", ":"))
        customer = self.config["customer"]
        return self._call(self.config.get("query_url") or QUERY_URL, {
            "customer": customer, "param": param,
            "sign": sign(param + self.config["key"] + customer)})

    def create_shipment(self, parcel: Parcel) -> Booking:
        raise NumberNeeded(f"{self.name} is followed through {SERVICE}, which books "
                           "nothing: give the waybill number")

    def fetch_events(self, tracking_number: str, phone: str = "") -> list[CarrierEvent]:
        answer = self.query(tracking_number, phone)
        if answer.get("result") is False or str(answer.get("message")) != "ok":
            code = str(answer.get("returnCode") or "")
            said = answers.text(answer.get("message"), 200)
            if code == "500":  # no news of the parcel yet: nothing to record
                return []
            raise CarrierError(f"{SERVICE} answered returnCode {code or '?'}: "
                               f"{REFUSED_ACCOUNT.get(code, said)}")
        return self.events(answer, strict=False)

    def events(self, result: Mapping[str, Any], *, strict: bool, where: str = "",
               carrier: str | None = None) -> list[CarrierEvent]:
        """The traces of a query's answer or a push's ``lastResult``, of Orderloom
        carrier ``carrier`` (default the one this adapter serves)."""
        try:
            number = answers.tracking_number(result.get("nu"))
        except answers.Unreadable as error:
            raise PayloadError(f"{where}/nu", str(error)) from None
        state = str(result.get("state") or "")
        overall = STATES.get(state)
        if overall is None:
            if strict:
                raise PayloadError(f"{where}/state", f"{state[:20]!r} is not a 快递100 state")
            overall = IN_TRANSIT
        return tracking_services.traces(
            result.get("data"), f"{where}/data", number=number, carrier=carrier or self.code,
            overall=overall, time_of="time", text_of="context", code_of="statusCode",
            status_of=STATES, place_of="location", strict=strict)

    def subscribe(self, tracking_number: str, phone: str = "") -> str:
        """Ask 快递100 to push this waybill's news; answers what it said. Raises
        CarrierError when it refused (the job retries)."""
        callback = self.config.get("callback_url")
        if not callback:
            raise CarrierError(f"{SERVICE} account {self.account!r} has no callback_url")
        param = json.dumps({"company": self._needs_company(), "number": tracking_number,
                            "key": self.config["key"],
                            "parameters": {"callbackurl": callback, "salt": self.salt,
                                           "resultv2": "4", "phone": phone}},
                           ensure_ascii=False, separators=(",", ":"))
        answer = self._call(self.config.get("subscribe_url") or SUBSCRIBE_URL,
                            {"schema": "json", "param": param})
        code = str(answer.get("returnCode") or "")
        said = answers.text(answer.get("message"), 200)
        if answer.get("result") is True or code == "501":  # 501: subscribed already
            return f"{SERVICE}: {said or code}"
        raise CarrierError(f"{SERVICE} refused the subscription (returnCode {code or '?'}): "
                           f"{REFUSED_ACCOUNT.get(code, said)}")

    def check(self) -> str:
        """The connection test: a query of a number nobody uses. Raises CarrierError
        saying what is wrong when 快递100 refuses the account."""
        company = self.company or next(
            (entry["company"] for entry in self.config.get("companies") or []), "shunfeng")
        answer = self.query(PROBE_NUMBER, company=company)
        code = str(answer.get("returnCode") or "")
        if code in REFUSED_ACCOUNT:
            raise CarrierError(f"{SERVICE} refused the account (returnCode {code}): "
                               f"{REFUSED_ACCOUNT[code]}. Check customer and key under "
                               "我的信息 → 企业信息")
        if code and code not in ("200", "400", "408", "500"):
            raise CarrierError(f"{SERVICE} answered returnCode {code}: "
                               f"{answers.text(answer.get('message'), 200)}")
        return f"{SERVICE} accepted customer {self.config['customer']} and its key"

    # --- pushes -------------------------------------------------------------------------------

    def parse_webhook(self, body: bytes, headers: Mapping[str, str]) -> list[CarrierEvent]:
        fields = tracking_services.form_fields(body, SERVICE)
        param = fields.get("param")
        if param is None:
            raise PayloadError("/param", "is required")
        # Checked before anything of the push is read.
        if not _same(sign(param + self.salt), fields.get("sign", "")):
            raise ForgedPush(f"the sign of the push to {self.account!r} is not "
                             "upper(md5(param + salt))")
        document = tracking_services.json_field(fields, "param")
        if not isinstance(document, Mapping) or not isinstance(
                document.get("lastResult"), Mapping):
            raise PayloadError("/param/lastResult", "is required: the waybill's news")
        result = document["lastResult"]
        # A push names its company: the Orderloom carrier it stands for is the one
        # whose shipment this is.
        code = self._code_of(str(result.get("com") or ""))
        return self.events(result, strict=True, where="/param/lastResult", carrier=code)

    def _code_of(self, company: str) -> str:
        for entry in self.config.get("companies") or []:
            if entry.get("company") == company:
                return entry["carrier"]
        raise PayloadError("/param/lastResult/com", f"company {company[:40]!r} is not in "
                                                    f"the companies of {self.account!r}")

    @staticmethod
    def push_answer(error: str | None) -> dict[str, Any]:
        """What 快递100 expects back: accepted, or refused (it pushes again later)."""
        if error is None:
            return dict(ACCEPTED)
        return {"result": False, "returnCode": "500", "message": error[:200]}


def _same(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode(), given.strip().upper().encode())


KIND = CarrierKind(
    kind="kuaidi100", label="快递100 (Kuaidi100)", config_schema=CONFIG_SCHEMA,
    adapter=Kuaidi100, secrets=("key",), abilities=frozenset({TRACK_BY_QUERY, SUBSCRIBE}),
    url_members=("query_url", "subscribe_url"), tracks_others=True,
    signs_own_pushes=True)
