"""A local fake of Taobao's open platform (TOP): a real HTTP server on 127.0.0.1 that
answers taobao.trades.sold.increment.get as the TOP documentation describes it.

- ``POST /router/rest`` with form parameters; every request is signed with
  ``sign_method=md5``: MD5 of secret + the parameters sorted by name, each name
  written before its value (empty values and ``sign`` left out) + secret, upper hex.
  The check here is written from that rule, not with Orderloom's signing code. A wrong
  signature is answered as TOP answers it: HTTP 200 with ``{"error_response":
  {"code": 25, "msg": "Invalid signature", "sub_code": "isv.invalid-signature"}}``.
- ``start_modified`` / ``end_modified`` ("yyyy-MM-dd HH:mm:ss", Beijing time) select
  the trades whose ``modified`` lies in the window (both ends included); a window
  longer than a day is refused (code 41, "Invalid arguments").
- ``page_no`` (from 1) and ``page_size``; the answer holds
  ``{"trades_sold_increment_get_response": {"total_results", "has_next", "trades":
  {"trade": [...]}}}``, and leaves ``trades`` out when there is none.
- ``throttle``: the next request is answered 429 with ``Retry-After``;
  ``limited``: the next is answered as TOP limits an app's calls, HTTP 200 with
  ``{"error_response": {"code": 7, "msg": "App Call Limited"}}``.
- ``echo``: the next request is answered with that HTTP status and an error that
  quotes the request's parameters back (session, app key and sign), as a gateway
  that logs its input may.
- ``after_page(form)``: called after each page is answered, so a test can change
  the trades between the pages of one window, as buyers do.
"""
from __future__ import annotations

import copy
import hashlib
import hmac
import json
import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

APP_KEY = "12345678"
APP_SECRET = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
SESSION = "6100e2b5f0c2ZZ9d1e7c"
PATH = "/router/rest"


def top_sign(parameters: dict[str, str], secret: str) -> str:
    text = secret + "".join(f"{k}{v}" for k, v in sorted(parameters.items())
                            if k != "sign" and v != "") + secret
    return hashlib.md5(text.encode("utf-8")).hexdigest().upper()


class FakeTaobao:
    def __init__(self) -> None:
        self.trades: list[dict] = []
        self.requests: list[dict[str, str]] = []
        self.throttle: str | None = None
        self.limited = False
        self.echo: int | None = None
        self.after_page = None
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def answer(self, form: dict[str, str]) -> tuple[int, dict, dict]:
        if self.throttle is not None:
            wait, self.throttle = self.throttle, None
            return 429, {"error_response": {"code": 7, "msg": "App Call Limited"}}, \
                {"Retry-After": wait}
        if self.limited:
            self.limited = False
            limit = "accesscontrol.limited-by-app-access-count"
            return 200, {"error_response": {"code": 7, "msg": "App Call Limited",
                                            "sub_code": limit}}, {}
        if self.echo is not None:
            status, self.echo = self.echo, None
            said = " ".join(f"{k}={v}" for k, v in sorted(form.items()))
            return status, {"error_response": {"code": 15, "msg": f"Remote service error: "
                                                                  f"{said}"}}, {}
        if form.get("sign") != top_sign(form, APP_SECRET) or form.get("app_key") != APP_KEY:
            return 200, {"error_response": {"code": 25, "msg": "Invalid signature",
                                            "sub_code": "isv.invalid-signature"}}, {}
        if form.get("method") != "taobao.trades.sold.increment.get":
            return 200, {"error_response": {"code": 22, "msg": "Invalid method"}}, {}
        start = datetime.strptime(form["start_modified"], "%Y-%m-%d %H:%M:%S")
        end = datetime.strptime(form["end_modified"], "%Y-%m-%d %H:%M:%S")
        if end - start > timedelta(days=1) or end < start:
            return 200, {"error_response": {"code": 41, "msg": "Invalid arguments",
                                            "sub_msg": "时间跨度不能超过一天"}}, {}
        found = sorted((t for t in self.trades
                        if start <= datetime.strptime(t["modified"], "%Y-%m-%d %H:%M:%S")
                        <= end), key=lambda t: t["modified"])
        number, size = int(form.get("page_no", "1")), int(form.get("page_size", "40"))
        page = found[(number - 1) * size:number * size]
        answer: dict = {"total_results": len(found), "has_next": number * size < len(found)}
        if page:
            answer["trades"] = {"trade": copy.deepcopy(page)}
        return 200, {"trades_sold_increment_get_response": answer}, {}

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode("utf-8")
                form = {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}
                with fake.lock:
                    fake.requests.append(form)
                    status, data, headers = (fake.answer(form) if self.path == PATH else
                                             (404, {"error": "not found"}, {}))
                    if fake.after_page is not None and self.path == PATH:
                        fake.after_page(form)
                body = json.dumps(data, ensure_ascii=False).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json;charset=UTF-8")
                self.send_header("Content-Length", str(len(body)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        return Handler


def trade(tid: int, modified: datetime, **changes) -> dict:
    """A trade as taobao.trades.sold.increment.get answers it; ``modified`` is UTC and
    written in Beijing time, as TOP does. Paid when it was last modified, with no
    discount: 2 × 99.00 + 10.00 postage."""
    beijing = (modified + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M:%S")
    found = {"tid": tid, "status": "WAIT_SELLER_SEND_GOODS", "modified": beijing,
             "pay_time": beijing,
             "buyer_nick": "tb_buyer_01", "buyer_message": "请尽快发货",
             "post_fee": "10.00", "payment": "208.00", "receiver_name": "张三",
             "receiver_mobile": "13800138000", "receiver_state": "浙江省",
             "receiver_city": "杭州市", "receiver_district": "西湖区",
             "receiver_address": "文三路 90 号", "receiver_zip": "310012",
             "orders": {"order": [{"oid": tid * 10, "outer_iid": "JEANS-32", "num": 2,
                                   "price": "99.00", "title": "牛仔裤"}]}}
    found.update(changes)
    return found


# --- Douyin shop (抖店) -------------------------------------------------------------------
# order.searchList as the 抖店 open platform documents it: POST /order/searchList with
# app_key, method, access_token, timestamp, v, sign_method and sign in the query and the
# business parameters as JSON in the body (param_json); sign_method=hmac-sha256: HMAC-
# SHA256 keyed with the secret over secret + sorted app_key, method, param_json,
# timestamp, v as name+value + secret, lower hex. Answers {"code": 10000, "msg":
# "success", "data": {"shop_order_list", "total", "page", "size"}}; a wrong signature is
# {"code": 30002, "msg": "签名校验失败"}. Amounts are in fen.

DOUYIN_KEY, DOUYIN_SECRET = "7012345678901234567", "b7e1c0d2-douyin-secret"


def douyin_sign(query: dict[str, str], param_json: str, secret: str) -> str:
    signed = {**{k: query[k] for k in ("app_key", "method", "timestamp", "v")},
              "param_json": param_json}
    text = secret + "".join(f"{k}{v}" for k, v in sorted(signed.items())) + secret
    return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()


class FakeDouyin:
    def __init__(self) -> None:
        self.orders: list[dict] = []
        self.requests: list[tuple[dict, dict]] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def answer(self, query: dict[str, str], raw: str) -> dict:
        if query.get("sign") != douyin_sign(query, raw, DOUYIN_SECRET):
            return {"code": 30002, "msg": "签名校验失败", "data": {}}
        business = json.loads(raw)
        self.requests.append((query, business))
        found = [o for o in self.orders if business["update_time_start"] <= o["update_time"]
                 <= business["update_time_end"]]
        page, size = business["page"], business["size"]
        return {"code": 10000, "msg": "success", "data": {
            "shop_order_list": copy.deepcopy(found[page * size:(page + 1) * size]),
            "total": len(found), "page": page, "size": size}}

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                path, _, raw_query = self.path.partition("?")
                query = {k: v[0] for k, v in parse_qs(raw_query).items()}
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode("utf-8")
                data = fake.answer(query, raw) if path == "/order/searchList" else \
                    {"code": 40004, "msg": "method not found"}
                body = json.dumps(data, ensure_ascii=False).encode("utf-8")
                self.send_response(200)
                self.send_header("Content-Type", "application/json;charset=UTF-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        return Handler


def douyin_order(order_id: str, modified: datetime) -> dict:
    return {"order_id": order_id, "update_time": int(modified.timestamp()),
            "doudian_open_id": "dy_buyer_7", "post_receiver": "李四",
            "post_tel": "13900139000", "buyer_words": "",
            "post_addr": {"province": {"name": "广东省"}, "city": {"name": "深圳市"},
                          "town": {"name": "南山区"}, "detail": "科技园南区 1 号"},
            "post_amount": 1000, "pay_amount": 26900,
            "pay_time": int(modified.timestamp()),
            "sku_order_list": [{"code": "HOODIE-GRY-M", "item_num": 1,
                                "origin_amount": 25900}]}
