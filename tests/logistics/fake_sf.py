"""A local fake of SF Express's open platform (丰桥), a real HTTP server on 127.0.0.1.

Written from the platform's published API documentation and SF's official Python
client (SF-CSIM-EXPRESS-SDK-PYTHON-V2.0, callExpressRequest.py): one address taking
a form POST of ``partnerID``, ``requestID``, ``serviceCode``, ``timestamp``,
``msgData`` and ``msgDigest`` = base64(md5(quote_plus(msgData + timestamp +
checkWord))). It answers ``{"apiResultCode", "apiErrorMsg", "apiResponseID",
"apiResultData"}``: ``A1000`` with ``apiResultData`` a JSON *string* of
``{"success", "errorCode", "errorMsg", "msgData"}``; ``A1006`` for a digest that
does not match (数字签名无效), ``A1001`` for a missing parameter, ``A1004`` for an
unknown service, ``A1005`` when rate limited (流量受控).

Services: ``EXP_RECE_CREATE_ORDER`` (error ``8016`` 重复下单 for an orderId booked
before; ``8024`` when the monthly account is not the partner's),
``EXP_RECE_SEARCH_ORDER_RESP`` (error ``8018`` for an unknown orderId),
``EXP_RECE_QUERY_DELIVERTM`` (``deliverTmDto`` with ``fee`` and ``deliverTime``),
``EXP_RECE_SEARCH_ROUTES`` (路由查询: ``trackingType`` 1, ``trackingNumber`` a list of
waybill numbers, ``checkPhoneNo`` the last four digits of a phone; answers
``{"routeResps": [{"mailNo", "routes": [{"acceptTime", "acceptAddress", "remark",
"opCode"}]}]}``, error ``8151`` when the phone's digits are wrong).

``route_push`` makes what SF posts to a route push address (路由推送): the signed
form of its calls, with ``msgData`` = ``{"Body": {"WaybillRoute": [{"id", "mailno",
"orderid", "acceptTime", "acceptAddress", "remark", "opCode"}]}}``; SF expects
``{"return_code": "0000", "return_msg": "成功"}`` back.
"""
from __future__ import annotations

import base64
import hashlib
import json
import socket
import threading
import urllib.parse
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PARTNER_ID = "OLTEST01"
CHECK_WORD = "fK7pQ2xZ9mWc4TbN8vLr1sHd6yJg3eUa"
MONTHLY_ACCOUNT = "7551234567"
CHINA = timezone(timedelta(hours=8))


def expected_digest(msg_data: str, timestamp: str, check_word: str = CHECK_WORD) -> str:
    text = urllib.parse.quote_plus(msg_data + timestamp + check_word)
    return base64.b64encode(hashlib.md5(text.encode("utf-8")).digest()).decode("ascii")


class FakeSf:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []  # every call, its form read
        self.bookings: dict[str, dict[str, Any]] = {}  # orderId -> what SF keeps
        self.rate_limited = 0  # answer this many calls with A1005
        self.lose_next_answer = False  # book, then answer 502 (the answer is lost)
        self.drop_next_answer = False  # book, then close the connection with no answer
        self.fee, self.days = "18.00", 1  # the price/time query's answer
        self.routes: dict[str, list[dict[str, Any]]] = {}  # waybill -> its routes
        self.phones: dict[str, str] = {}  # waybill -> the phone whose digits it asks
        self.next_number = 444003077898
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self, body: dict[str, Any], status: int = 200) -> None:
                data = json.dumps(body, ensure_ascii=False).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json;charset=UTF-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in urllib.parse.parse_qs(
                    self.rfile.read(length).decode("utf-8")).items()}
                fake.requests.append(form)
                answer = fake.answer(form)
                if answer is None:
                    # Booked, and the connection is cut before a byte of the answer.
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self._answer(*answer)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/std/service"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # --- the platform -------------------------------------------------------------------------

    def answer(self, form: dict[str, str]) -> tuple[dict[str, Any], int] | None:
        for name in ("partnerID", "requestID", "serviceCode", "timestamp", "msgData",
                     "msgDigest"):
            if not form.get(name):
                return _refused("A1001", f"必传参数不可为空: {name}"), 200
        if self.rate_limited:
            self.rate_limited -= 1
            return _refused("A1005", "流量受控"), 200
        if form["partnerID"] != PARTNER_ID or form["msgDigest"] != expected_digest(
                form["msgData"], form["timestamp"]):
            return _refused("A1006", "数字签名无效"), 200
        request = json.loads(form["msgData"])
        service = {"EXP_RECE_CREATE_ORDER": self.book,
                   "EXP_RECE_SEARCH_ORDER_RESP": self.search,
                   "EXP_RECE_QUERY_DELIVERTM": self.price_and_time,
                   "EXP_RECE_SEARCH_ROUTES": self.search_routes}.get(form["serviceCode"])
        if service is None:
            return _refused("A1004", "无对应服务权限"), 200
        success, code, message, data = service(request)
        if self.lose_next_answer and form["serviceCode"] == "EXP_RECE_CREATE_ORDER":
            self.lose_next_answer = False
            return {"error": "gateway timeout"}, 502
        if self.drop_next_answer and form["serviceCode"] == "EXP_RECE_CREATE_ORDER":
            self.drop_next_answer = False
            return None
        return {"apiResultCode": "A1000", "apiErrorMsg": "", "apiResponseID": "0001",
                "apiResultData": json.dumps({"success": success, "errorCode": code,
                                             "errorMsg": message, "msgData": data},
                                            ensure_ascii=False)}, 200

    def book(self, request: dict[str, Any]):
        order_id = request.get("orderId")
        if order_id in self.bookings:
            return False, "8016", "重复下单", None
        if request.get("monthlyCard") != MONTHLY_ACCOUNT:
            return False, "8024", "月结卡号不匹配", None
        contacts = {c.get("contactType"): c for c in request.get("contactInfoList", [])}
        if set(contacts) != {1, 2} or not all(c.get("address") and c.get("tel")
                                              for c in contacts.values()):
            return False, "1010", "寄件地址/收件地址不能为空", None
        number = f"SF{self.next_number}"
        self.next_number += 1
        kept = {"orderId": order_id, "originCode": "571", "destCode": "010",
                "filterResult": 2, "request": request,
                "waybillNoInfoList": [{"waybillType": 1, "waybillNo": number}],
                "routeLabelInfo": [{"code": "1000", "message": "SUCCESS", "routeLabelData": {
                    "waybillNo": number, "destRouteLabel": "010WA-A12", "proCode": "T4",
                    "codingMapping": "F33", "codingMappingOut": "1A",
                    "twoDimensionCode": f"MMM={{'k1':'010WA','k5':'{number}'}}"}}]}
        self.bookings[order_id] = kept
        return True, "S0000", None, {k: v for k, v in kept.items() if k != "request"}

    def search(self, request: dict[str, Any]):
        kept = self.bookings.get(request.get("orderId"))
        if kept is None:
            return False, "8018", "未获取到订单信息", None
        return True, "S0000", None, {"orderId": kept["orderId"], "origincode": "571",
                                     "destcode": "010", "filterResult": 2,
                                     "waybillNoInfoList": kept["waybillNoInfoList"]}

    def price_and_time(self, request: dict[str, Any]):
        if not request.get("destAddress", {}).get("province"):
            return False, "1150", "目的地址不能为空", None
        promised = datetime.now(CHINA) + timedelta(days=self.days)
        moment = f"{promised:%Y-%m-%d} 18:00:00"
        return True, "S0000", None, {"deliverTmDto": [{
            "businessType": request.get("businessType"), "businessTypeDesc": "顺丰标快",
            "deliverTime": f"{moment},{moment}", "fee": self.fee}]}

    def search_routes(self, request: dict[str, Any]):
        if str(request.get("trackingType")) != "1":
            return False, "20052", "查询类型不支持", None
        found = []
        for number in request.get("trackingNumber") or []:
            phone = self.phones.get(number)
            if phone and request.get("checkPhoneNo") != phone[-4:]:
                return False, "8151", "手机号后四位校验不通过", None
            found.append({"mailNo": number, "routes": self.routes.get(number, [])})
        return True, "S0000", None, {"routeResps": found}

    # --- for the tests ------------------------------------------------------------------------

    def calls(self, service: str) -> list[dict[str, Any]]:
        return [json.loads(r["msgData"]) for r in self.requests
                if r.get("serviceCode") == service]

    def __enter__(self) -> FakeSf:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()


def route(op_code: str, accepted: str, remark: str = "", address: str = "",
          **more: Any) -> dict[str, Any]:
    """One route as SF writes it; ``accepted`` in Beijing time, 2026-12-01 10:30:00."""
    return {"acceptTime": accepted, "acceptAddress": address, "remark": remark,
            "opCode": op_code, **more}


def route_push(routes: list[dict[str, Any]], check_word: str = CHECK_WORD,
               timestamp: str = "1764979200000") -> bytes:
    """The form SF posts to the route push address, signed with ``check_word``."""
    msg_data = json.dumps({"Body": {"WaybillRoute": routes}}, ensure_ascii=False)
    return urllib.parse.urlencode({
        "partnerID": PARTNER_ID, "requestID": "push-0001", "serviceCode": "RoutePushService",
        "timestamp": timestamp, "msgData": msg_data,
        "msgDigest": expected_digest(msg_data, timestamp, check_word)}).encode("utf-8")


def _refused(code: str, message: str) -> dict[str, Any]:
    return {"apiResultCode": code, "apiErrorMsg": message, "apiResponseID": "0001",
            "apiResultData": None}
