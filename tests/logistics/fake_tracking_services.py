"""Local fake 快递100 and 快递鸟: real HTTP servers on 127.0.0.1 that take the
services' own form posts, check their signatures and answer their JSON and error
codes, and build the signed pushes the services send.

Written from each service's published API documentation:

- 快递100 (api.kuaidi100.com; the official SDK github.com/kuaidi100-api/java-demo):
  ``POST /poll/query.do`` with form ``customer``, ``param`` ({com, num, phone,
  resultv2}) and ``sign`` = upper(md5(param + key + customer)); answered ``{"message":
  "ok", "nu", "com", "state", "ischeck", "condition", "status": "200", "data":
  [newest first]}``, or ``{"result": false, "returnCode": "503", "message":
  "验证签名失败"}`` for a wrong signature and ``500`` "查询无结果" for an unknown
  number. ``POST /poll`` with ``schema=json`` and ``param`` ({company, number, key,
  parameters {callbackurl, salt, resultv2}}): ``200`` "提交成功", ``501`` "重复订阅",
  ``600`` "您不是合法的订阅者" for a wrong key. A push is a form of ``param``
  ({status, message, lastResult}) and ``sign`` = upper(md5(param + salt)).
- 快递鸟 (www.kdniao.com/api-track): every call a form of ``RequestData``,
  ``EBusinessID``, ``RequestType``, ``DataSign`` = base64(md5(RequestData + AppKey)
  as lowercase hex) and ``DataType=2``; ``1002`` at ``/Ebusiness/
  EbusinessOrderHandle.aspx`` answers ``{"EBusinessID", "ShipperCode",
  "LogisticCode", "Success", "State", "StateEx", "Traces": [oldest first]}``;
  ``1008`` at ``/api/dist`` answers ``{"EBusinessID", "UpdateTime", "Success",
  "Reason"}``; a wrong user ID or signature is ``Success: false`` with a Reason. A
  push is a form of ``RequestData`` ({PushTime, EBusinessID, Count, Data}),
  ``RequestType=101`` and ``DataSign``.
"""
from __future__ import annotations

import base64
import hashlib
import json
import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode

K100_CUSTOMER, K100_KEY = "3B2A9D0C5E7F41A8B6C4D2E0F1A3B5C7", "TrAcKkEy4516"
KDN_ID, KDN_KEY = "1237100", "56da2cf8-c8a2-44b2-b6fa-476cd7d1ba17"


def beijing(moment: datetime) -> str:
    """``moment`` (UTC) as both services write times: Beijing time, no zone."""
    return (moment + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M:%S")


def k100_sign(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest().upper()


def kdn_sign(request_data: str, app_key: str = KDN_KEY) -> str:
    digest = hashlib.md5((request_data + app_key).encode("utf-8")).hexdigest()
    return base64.b64encode(digest.encode("ascii")).decode("ascii")


class FakeService:
    """A server answering ``route(path, form)``; every request is kept in ``requests``."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        service = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode("utf-8")
                form = dict(parse_qsl(raw, keep_blank_values=True))
                service.requests.append({"path": self.path, "form": form,
                                         "content_type": self.headers.get("Content-Type")})
                data = json.dumps(service.route(self.path, form),
                                  ensure_ascii=False).encode("utf-8")
                self.send_response(200)
                self.send_header("Content-Type", "application/json;charset=UTF-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def route(self, path: str, form: dict[str, str]) -> Any:
        raise NotImplementedError

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()


class FakeKuaidi100(FakeService):
    def __init__(self) -> None:
        super().__init__()
        # number -> {"com", "state", "data": [{"time", "context", "statusCode"}] oldest first}
        self.waybills: dict[str, dict[str, Any]] = {}
        self.subscriptions: dict[str, dict[str, Any]] = {}

    def route(self, path: str, form: dict[str, str]) -> Any:
        if path == "/poll/query.do":
            param = form.get("param", "")
            if form.get("customer") != K100_CUSTOMER or \
                    form.get("sign") != k100_sign(param + K100_KEY + K100_CUSTOMER):
                return {"result": False, "returnCode": "503", "message": "验证签名失败"}
            asked = json.loads(param)
            waybill = self.waybills.get(asked["num"])
            if waybill is None or waybill["com"] != asked["com"]:
                return {"result": False, "returnCode": "500",
                        "message": "查询无结果，请隔段时间再查"}
            return {"message": "ok", "status": "200", "condition": "F00",
                    **self.last_result(asked["num"])}
        if path == "/poll":
            if form.get("schema") != "json":
                return {"result": False, "returnCode": "700", "message": "schema"}
            param = json.loads(form["param"])
            if param.get("key") != K100_KEY:
                return {"result": False, "returnCode": "600",
                        "message": "您不是合法的订阅者（即授权Key出错）"}
            if param["number"] in self.subscriptions:
                return {"result": False, "returnCode": "501", "message": "重复订阅"}
            self.subscriptions[param["number"]] = param
            return {"result": True, "returnCode": "200", "message": "提交成功"}
        return {"result": False, "returnCode": "404", "message": "no such path"}

    def last_result(self, number: str) -> dict[str, Any]:
        waybill = self.waybills[number]
        return {"nu": number, "com": waybill["com"], "state": waybill["state"],
                "ischeck": "1" if waybill["state"] == "3" else "0",
                "data": [{"ftime": t["time"], "location": "", **t}
                         for t in reversed(waybill["data"])]}

    def push(self, number: str, *, salt: str | None = None) -> dict[str, str]:
        """The form 快递100 posts to the subscription's callback, signed with its salt
        (or ``salt``: a forger's guess)."""
        subscription = self.subscriptions[number]
        param = json.dumps({"status": "polling", "billstatus": "got", "message": "",
                            "autoCheck": "0", "comOld": "", "comNew": "",
                            "lastResult": {"message": "ok", "status": "200",
                                           "condition": "F00", **self.last_result(number)}},
                           ensure_ascii=False)
        used = subscription["parameters"]["salt"] if salt is None else salt
        return {"param": param, "sign": k100_sign(param + used)}


class FakeKdniao(FakeService):
    def __init__(self) -> None:
        super().__init__()
        # number -> {"ShipperCode", "State", "StateEx", "Traces": oldest first}
        self.waybills: dict[str, dict[str, Any]] = {}
        self.subscriptions: dict[str, dict[str, Any]] = {}

    def route(self, path: str, form: dict[str, str]) -> Any:
        request_data = form.get("RequestData", "")
        if form.get("EBusinessID") != KDN_ID or form.get("DataSign") != kdn_sign(request_data) \
                or form.get("DataType") != "2":
            return {"EBusinessID": form.get("EBusinessID", ""), "Success": False,
                    "Reason": "数据签名验证失败，请检查用户ID和API key"}
        data = json.loads(request_data)
        if path == "/Ebusiness/EbusinessOrderHandle.aspx" and form["RequestType"] == "1002":
            waybill = self.waybills.get(data["LogisticCode"])
            if waybill is None or waybill["ShipperCode"] != data["ShipperCode"]:
                return {"EBusinessID": KDN_ID, "ShipperCode": data["ShipperCode"],
                        "LogisticCode": data["LogisticCode"], "Success": True, "State": "0",
                        "Reason": "暂无轨迹信息", "Traces": []}
            return {"EBusinessID": KDN_ID, "Success": True,
                    **self.news(data["LogisticCode"])}
        if path == "/api/dist" and form["RequestType"] == "1008":
            self.subscriptions[data["LogisticCode"]] = data
            return {"EBusinessID": KDN_ID, "UpdateTime": "2026-12-06 10:00:00",
                    "Success": True, "Reason": ""}
        return {"EBusinessID": KDN_ID, "Success": False, "Reason": "RequestType"}

    def news(self, number: str) -> dict[str, Any]:
        waybill = self.waybills[number]
        return {"LogisticCode": number, "ShipperCode": waybill["ShipperCode"],
                "State": waybill["State"], "StateEx": waybill.get("StateEx", ""),
                "Traces": list(waybill["Traces"])}

    def push(self, *numbers: str, app_key: str = KDN_KEY) -> dict[str, str]:
        """The form 快递鸟 posts to the push address set in its console."""
        request_data = json.dumps({
            "PushTime": "2026-12-06 10:00:00", "EBusinessID": KDN_ID,
            "Count": str(len(numbers)),
            "Data": [{"EBusinessID": KDN_ID, "Success": True, "Reason": "",
                      **self.news(number)} for number in numbers]}, ensure_ascii=False)
        return {"RequestData": request_data, "RequestType": "101",
                "DataSign": kdn_sign(request_data, app_key)}


def form_body(fields: dict[str, str]) -> bytes:
    return urlencode(fields).encode("ascii")
