"""What staff see of a store's failed answer: an excerpt, never a credential the store
echoed back (its token, its consumer key or secret, the Basic pair, the URL called),
neither in the test-connection answer nor in the write-back attempt log."""
from __future__ import annotations

import base64
import json

import pytest

from tests.channels.fake_stores import SHOPIFY_TOKEN, WOO_KEY, WOO_SECRET, FakeStore
from tests.channels.test_store_sync import attempts, connect, received, ship, shopify_at

BASIC = base64.b64encode(f"{WOO_KEY}:{WOO_SECRET}".encode()).decode()


class EchoingStore(FakeStore):
    """A store whose error pages quote the request back: the headers it was sent and
    the URL it was called with, as badly configured proxies and debug pages do."""

    def __init__(self, kind: str, status: int, style: str = "json") -> None:
        super().__init__(kind)
        self.status = status
        self.style = style

    def echo(self, request) -> None:
        if self.kind == "shopify":
            secret = request.headers.get("X-Shopify-Access-Token")
            sent = {"token": secret, "url": f"{request.path}?access_token={secret}"}
        else:
            secret = WOO_KEY
            sent = {"authorization": request.headers.get("Authorization"),
                    "url": f"{request.path}?consumer_key={WOO_KEY}"
                           f"&consumer_secret={WOO_SECRET}"}
        if self.style == "html":
            # An entity decodes into the excerpt (&#115;hpat_...); a URL-encoded key
            # (ck%5F...) is the key all the same.
            entities = "".join(f"&#{ord(c)};" for c in secret)
            raw = (f"<html><body><h1>Bad gateway</h1><p>upstream refused {entities} "
                   f"for {secret.replace('_', '%5F')}</p></body></html>").encode()
            request.send_response(self.status)
            request.send_header("Content-Type", "text/html")
            request.send_header("Content-Length", str(len(raw)))
            request.end_headers()
            request.wfile.write(raw)
            return None
        return request.send(self.status, {"errors": "request not understood", **sent})

    def shopify(self, request, body) -> None:
        if "fulfillments.json" in request.path or "shop.json" in request.path:
            return self.echo(request)
        return super().shopify(request, body)

    def woocommerce(self, request, body) -> None:
        return self.echo(request)


@pytest.fixture
def stores():
    made: list[FakeStore] = []

    def make(kind: str, status: int, style: str = "json") -> EchoingStore:
        store = EchoingStore(kind, status, style)
        made.append(store)
        return store

    yield make
    for store in made:
        store.close()


def shown_nothing_secret(text: str) -> None:
    for secret in (SHOPIFY_TOKEN, WOO_KEY, WOO_SECRET, BASIC):
        assert secret not in text


@pytest.mark.parametrize("kind, status, style", [
    ("shopify", 422, "json"), ("shopify", 502, "html"), ("woocommerce", 400, "json"),
    ("woocommerce", 503, "json"), ("woocommerce", 500, "html")])
def test_a_credential_the_store_echoes_is_scrubbed_from_the_test_connection_answer(
        client, retail, stores, kind, status, style):
    store = stores(kind, status, style)
    key = connect(client, retail, kind, store.url)
    response = client.post(f"/api/v1/channels/{key}/test", headers=retail)
    answer = response.get_json()
    assert answer["ok"] is False and answer["status"] == status
    # The merchant still reads what the store said, with *** where a secret stood.
    assert "***" in answer["detail"]
    shown_nothing_secret(response.get_data(as_text=True))


def test_a_credential_the_store_echoes_never_reaches_the_write_back_log(
        client, retail, stores):
    store = stores("shopify", 422)
    key = connect(client, retail, "shopify", store.url)
    store.orders = [shopify_at(450789469, 1)]
    number = received(client, key, store.orders[0])
    ship(client, retail, number)
    log = attempts(client, retail, number)
    assert [a["outcome"] for a in log] == ["refused"]
    assert "request not understood" in log[0]["detail"] and "***" in log[0]["detail"]
    shown_nothing_secret(json.dumps(log))
    page = client.get(f"/api/v1/orders/{number}/timeline", headers=retail)
    shown_nothing_secret(page.get_data(as_text=True))
