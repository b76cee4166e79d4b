"""Local HTTP servers for the outbound tests: one on loopback that the outbound client
must never reach, and one on 127.0.0.2 that the tests allow and tell what to answer."""
from __future__ import annotations

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Recording(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler, connections: list) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.connections = connections
        super().__init__(address, handler)

    def verify_request(self, request, client_address) -> bool:
        # Every accepted connection counts, not only the requests that arrive whole:
        # "never reached" means no connection at all.
        self.connections.append(client_address)
        return True


def _handler(owner):
    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            owner.requests.append({"method": self.command, "path": self.path,
                                   "headers": dict(self.headers), "body": body})
            owner.behaviour(self)

        do_GET = do_POST = do_PUT = _answer  # noqa: N815 (http.server's naming)

        def log_message(self, *args):  # keep the test output clean
            pass

    return Handler


class Server:
    """An HTTP server on ``host`` (and, for loopback, on [::1] at the same port)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *,
                 also_ipv6: bool = False) -> None:
        self.connections: list = []
        self.requests: list[dict] = []
        self.behaviour = ok
        handler = _handler(self)
        self.servers = [_Recording((host, port), handler, self.connections)]
        self.port = self.servers[0].server_address[1]
        if also_ipv6:
            self.servers.append(_Recording(("::1", self.port), handler, self.connections))

    def url(self, host: str | None = None, path: str = "/inside") -> str:
        host = host or self.servers[0].server_address[0]
        return f"http://{host}:{self.port}{path}"

    def __enter__(self) -> Server:
        for server in self.servers:
            threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                             daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        for server in self.servers:
            server.shutdown()
            server.server_close()


def inside() -> Server:
    """The server that stands for whatever is inside: loopback on IPv4 and IPv6. Its
    port is free on both, so every spelling of loopback names the same server."""
    for _ in range(20):
        try:
            return Server("127.0.0.1", also_ipv6=True)
        except OSError:  # the port was taken on ::1; try another
            continue
    raise RuntimeError("no port free on both 127.0.0.1 and ::1")


def ok(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.end_headers()
    handler.wfile.write(b'{"waybill": "SF1", "routes": []}')


def redirect_to(location: str, status: int = 307):
    def behaviour(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(status)
        handler.send_header("Location", location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()
    return behaviour


def flood(size: int):
    def behaviour(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", str(size))
        handler.end_headers()
        chunk = b"x" * 65536
        sent = 0
        try:
            while sent < size:
                handler.wfile.write(chunk)
                sent += len(chunk)
        except OSError:  # the client stopped reading, as it should
            pass
    return behaviour


def trickle(every: float):
    """A byte of the body at a time, each in time for a per-read timeout, forever."""
    def behaviour(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", "100000")
        handler.end_headers()
        try:
            for _ in range(100000):
                handler.wfile.write(b"x")
                handler.wfile.flush()
                time.sleep(every)
        except OSError:
            pass
    return behaviour


def silent(seconds: float):
    def behaviour(handler: BaseHTTPRequestHandler) -> None:
        time.sleep(seconds)
        ok(handler)
    return behaviour
