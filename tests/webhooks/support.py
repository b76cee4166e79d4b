"""A webhook receiver on 127.0.0.1 that behaves like an ERP: it can be told to fail
the first few requests, and it processes each event once by its Idempotency-Key."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from orderloom.runtime.notify.webhook_sending import verify


class Receiver:
    def __init__(self, secret: str = "", *, fail_first: int = 0, fail_status: int = 500):
        self.secret = secret
        self.fail_first = fail_first
        self.fail_status = fail_status
        self.requests: list[dict] = []      # every request, in arrival order
        self.processed: dict[str, dict] = {}  # idempotency key -> event, as an ERP keeps them
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    number = len(receiver.requests) + 1
                    signed = verify(receiver.secret, body,
                                    self.headers.get("Orderloom-Signature", ""))
                    receiver.requests.append({
                        "at": time.monotonic(), "headers": dict(self.headers),
                        "body": body, "signature_valid": signed})
                    failing = number <= receiver.fail_first
                    if not failing and signed:
                        key = self.headers["Idempotency-Key"]
                        receiver.processed.setdefault(key, json.loads(body))
                status = (receiver.fail_status if failing else 200 if signed else 401)
                receiver.requests[-1]["status"] = status
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"busy" if failing else b"ok")

            def log_message(self, *args):  # keep the test output clean
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/orderloom"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def wait_for(condition, timeout: float = 20.0, every: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"not met within {timeout} s")
