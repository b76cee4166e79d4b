"""The outbound client (webhooks, carriers, stock pushes) never reaches inside: not
loopback in any spelling, not through a redirect, not through a name whose DNS answer
changes; only an operator's ORDERLOOM_OUTBOUND_ALLOW lets a host or network through.

A server on 127.0.0.1 and [::1] stands for the inside: the tests count every
connection it accepts. A server on 127.0.0.2, allowed by the tests, stands for a
receiver outside.
"""
from __future__ import annotations

import ipaddress
import logging
import socket
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orderloom.runtime import outbound
from orderloom.runtime.channels.models import Channel
from orderloom.runtime.channels.stock_sync import PushFailed, push
from orderloom.runtime.notify.webhook_sending import RetryPolicy, post
from orderloom.runtime.notify.webhooks import WebhookDelivery, WebhookSubscription
from orderloom.runtime.shipping.carriers.base import CarrierError
from orderloom.runtime.shipping.carriers.http_carrier import HttpCarrier
from orderloom.runtime.shipping.models import Carrier
from tests.security.outbound_support import (
    Server,
    flood,
    inside,
    redirect_to,
    silent,
    trickle,
)

OUTSIDE = "127.0.0.2"  # what the tests allow: a receiver outside, on this machine

# Ways to write the loopback (or "this host") address in a URL's host.
LOOPBACK_SPELLINGS = [
    "127.0.0.1", "2130706433", "0x7f000001", "0x7f.1", "127.1", "017700000001",
    "0177.0.0.1", "127.000.000.001", "localhost", "LocalHost", "[::1]",
    "[0:0:0:0:0:0:0:1]", "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "0.0.0.0", "0", "[::]",
    "127.0.0.2",  # loopback too: only the tests' allowance lets it through
]


@pytest.fixture(autouse=True)
def no_allowance(monkeypatch):
    monkeypatch.delenv(outbound.ALLOW_VARIABLE, raising=False)


@pytest.fixture
def forbidden():
    with inside() as server:
        yield server


@pytest.fixture
def outside(monkeypatch, forbidden):
    """On the forbidden server's port: a connection that went to the wrong address would
    land on the forbidden server, not on a closed port."""
    monkeypatch.setenv(outbound.ALLOW_VARIABLE, OUTSIDE)
    with Server(OUTSIDE, forbidden.port) as server:
        yield server


# --- the three senders, each as small as it can be called -----------------------------------

def send_webhook(url: str) -> str | None:
    subscription = WebhookSubscription(url=url, secret="s" * 32)
    delivery = WebhookDelivery(payload={"event": "order.created"}, event_type="order.created",
                               event_id="evt-1")
    code, error = post(subscription, delivery, RetryPolicy(timeout_seconds=2))
    return None if code is not None and 200 <= code < 300 else error


def push_stock(url: str) -> str | None:
    try:
        push(Channel(key="shop", secret="s" * 32, stock_push_url=url), "SKU-1", 5)
    except PushFailed as error:
        return str(error)
    return None


def poll_carrier(url: str) -> str | None:
    carrier = HttpCarrier(Carrier(code="sf", name="SF", config={"tracking_url": url}))
    try:
        carrier.fetch_events("SF1")
    except CarrierError as error:
        return str(error)
    return None


SENDERS = {"webhook": send_webhook, "stock push": push_stock, "carrier": poll_carrier}


# --- never inside ------------------------------------------------------------------------------

@pytest.mark.parametrize("host", LOOPBACK_SPELLINGS)
def test_no_spelling_of_loopback_is_reached(forbidden, host):
    url = forbidden.url(host)
    with pytest.raises(outbound.Refused):
        outbound.call("GET", url, timeout=2)
    assert forbidden.connections == []


@pytest.mark.parametrize("sender", SENDERS)
@pytest.mark.parametrize("host", ["127.0.0.1", "2130706433", "localhost", "[::1]"])
def test_no_sender_reaches_loopback_and_each_says_it_refused(forbidden, sender, host):
    error = SENDERS[sender](forbidden.url(host))
    assert error is not None and "refused" in error and "loopback" in error
    assert forbidden.connections == []


@pytest.mark.parametrize("address", [
    "169.254.169.254", "10.0.0.1", "172.16.5.4", "192.168.1.1", "100.64.0.1", "224.0.0.1",
    "240.0.0.1", "255.255.255.255", "[fe80::1]", "[fc00::1]", "[ff02::1]",
    "[64:ff9b::a9fe:a9fe]", "[2002:a9fe:a9fe::]"])
def test_inside_networks_are_refused_before_any_connection(address):
    started = time.monotonic()
    with pytest.raises(outbound.Refused) as refusal:
        outbound.call("GET", f"http://{address}/latest/meta-data/", timeout=5)
    # Refused at once: nothing was tried, so nothing timed out.
    assert time.monotonic() - started < 1
    assert outbound.ALLOW_VARIABLE in str(refusal.value)


# Any address of an inside network, in any way a host may spell it.
INSIDE_NETWORKS = [ipaddress.ip_network(n) for n in (
    "127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16",
    "0.0.0.0/8", "100.64.0.0/10", "224.0.0.0/4", "240.0.0.0/4")]


def _spellings(address: ipaddress.IPv4Address) -> list[str]:
    number = int(address)
    octets = address.packed
    return [
        str(address), str(number), hex(number), "0" + oct(number)[2:],
        ".".join(hex(o) for o in octets), ".".join("0" + oct(o)[2:] for o in octets),
        f"{octets[0]}.{int.from_bytes(octets[1:], 'big')}",
        f"[::ffff:{address}]", f"[{ipaddress.IPv6Address((0x2002 << 112) | (number << 80))}]",
        f"[{ipaddress.IPv6Address(int(ipaddress.IPv6Address('64:ff9b::')) | number)}]",
    ]


@settings(max_examples=60, deadline=None)
@given(network=st.sampled_from(INSIDE_NETWORKS), offset=st.integers(min_value=0),
       spelling=st.integers(min_value=0, max_value=9))
def test_any_spelling_of_any_inside_address_is_refused_when_saved(network, offset, spelling):
    address = network[offset % network.num_addresses]
    written = _spellings(address)[spelling]
    refusal = outbound.destination_refusal(f"https://{written}/hook",
                                           outbound.Allowance())
    assert refusal is not None, written


@settings(max_examples=40, deadline=None)
@given(number=st.integers(min_value=0, max_value=2**32 - 1))
def test_public_addresses_may_be_saved(number):
    address = ipaddress.IPv4Address(number)
    if outbound.address_refusal(address) is not None:
        return
    assert address.is_global and not address.is_multicast
    assert outbound.destination_refusal(f"https://{address}/hook", outbound.Allowance()) is None


# --- no redirects -------------------------------------------------------------------------------

@pytest.mark.parametrize("target", ["127.0.0.1", "localhost", "[::1]", "2130706433"])
@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_from_an_allowed_server_is_not_followed(forbidden, outside, target, status):
    outside.behaviour = redirect_to(forbidden.url(target), status)
    answer = outbound.call("POST", outside.url(), content=b"{}", timeout=2)
    assert answer.status == status
    assert len(outside.requests) == 1
    assert forbidden.connections == []


@pytest.mark.parametrize("sender", SENDERS)
def test_no_sender_follows_a_redirect_inside(forbidden, outside, sender):
    outside.behaviour = redirect_to(forbidden.url("127.0.0.1"), 302)
    error = SENDERS[sender](outside.url())
    assert error is not None and "302" in error
    assert forbidden.connections == []


# --- DNS ------------------------------------------------------------------------------------------

@pytest.fixture
def dns(monkeypatch):
    """Names the tests make up, answered as a hostile DNS server would; everything else
    is resolved as usual."""
    real = socket.getaddrinfo
    answers: dict[str, list[list[str]]] = {}

    def getaddrinfo(host, port, *args, **kwargs):
        if host in answers:
            found = answers[host].pop(0) if len(answers[host]) > 1 else answers[host][0]
            return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6,
                     "", (a, port)) for a in found]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers


def test_a_name_rebound_to_loopback_after_the_check_does_not_get_through(forbidden, outside,
                                                                         dns):
    # First the allowed address (the check), then loopback for any lookup after it.
    dns["shop.rebinding.test"] = [[OUTSIDE], ["127.0.0.1"]]
    url = f"http://shop.rebinding.test:{outside.port}/stock"
    assert outbound.call("GET", url).status == 200
    assert outside.requests[0]["headers"]["Host"] == f"shop.rebinding.test:{outside.port}"
    with pytest.raises(outbound.Refused, match="resolves to 127.0.0.1"):
        outbound.call("GET", url)
    assert forbidden.connections == []


def test_a_name_with_any_inside_address_is_refused(forbidden, outside, dns):
    dns["mixed.example.test"] = [[OUTSIDE, "127.0.0.1"]]
    with pytest.raises(outbound.Refused):
        outbound.call("GET", f"http://mixed.example.test:{forbidden.port}/")
    assert forbidden.connections == [] and outside.connections == []


# --- the operator's allowance -----------------------------------------------------------------

def test_an_allowed_name_gets_through_and_its_address_alone_does_not(monkeypatch, forbidden):
    monkeypatch.setenv(outbound.ALLOW_VARIABLE, "localhost")
    answer = outbound.call("POST", forbidden.url("localhost"), content=b"{}")
    assert answer.status == 200 and len(forbidden.requests) == 1
    with pytest.raises(outbound.Refused):
        outbound.call("POST", forbidden.url("127.0.0.1"), content=b"{}")
    assert len(forbidden.connections) == 1


def test_an_allowed_network_lets_every_spelling_of_its_addresses_through(monkeypatch,
                                                                         forbidden):
    monkeypatch.setenv(outbound.ALLOW_VARIABLE, "erp.internal, 127.0.0.0/8, ::1")
    for host in ("127.0.0.1", "2130706433", "[::1]"):
        assert outbound.call("GET", forbidden.url(host)).status == 200
    assert len(forbidden.requests) == 3
    for sender in SENDERS.values():
        assert sender(forbidden.url("2130706433")) is None


# --- headers that steer the request or unlock internal services -------------------------------

@pytest.mark.parametrize("name", ["Metadata-Flavor", "metadata", "X-aws-ec2-metadata-token",
                                  "Host", "Transfer-Encoding", "X-Forwarded-For",
                                  "Proxy-Authorization", " host "])
def test_a_header_that_steers_the_request_or_unlocks_metadata_is_never_sent(
        monkeypatch, forbidden, name):
    # Even to a destination the operator allows inside, the header does not go out.
    monkeypatch.setenv(outbound.ALLOW_VARIABLE, "127.0.0.0/8")
    with pytest.raises(outbound.Refused):
        outbound.call("GET", forbidden.url("127.0.0.1"), headers={name: "x"})
    assert forbidden.requests == []
    assert outbound.call("GET", forbidden.url("127.0.0.1"),
                         headers={"X-Api-Key": "x"}).status == 200


# --- timeouts and the answer's size ---------------------------------------------------------

def test_an_answer_is_read_up_to_the_limit(outside):
    outside.behaviour = flood(50_000_000)
    answer = outbound.call("GET", outside.url(), limit=100_000, timeout=5)
    assert answer.status == 200 and not answer.complete and len(answer.body) == 100_000
    error = poll_carrier(outside.url())
    assert error is not None and "more than" in error


@pytest.mark.parametrize(("behaviour", "message"), [
    (silent(10), "no answer within"),   # nothing at all
    (trickle(0.05), "longer than"),     # a byte at a time, each in time for a read
])
def test_a_receiver_that_holds_the_call_is_let_go(outside, behaviour, message):
    outside.behaviour = behaviour
    started = time.monotonic()
    with pytest.raises(outbound.Unreachable, match=message):
        outbound.call("GET", outside.url(), timeout=0.5)
    assert time.monotonic() - started < 5


def test_a_well_behaved_receiver_gets_what_it_got_before(outside):
    error = send_webhook(outside.url())
    assert error is None
    request = outside.requests[0]
    assert request["method"] == "POST" and request["body"] == b'{"event":"order.created"}'
    assert request["headers"]["Orderloom-Event"] == "order.created"
    assert request["headers"]["Host"] == f"{OUTSIDE}:{outside.port}"


def test_no_log_line_holds_the_url_it_may_carry_a_token_in(outside, caplog):
    caplog.set_level(logging.DEBUG)
    assert send_webhook(outside.url(path="/hook?token=s3cret-of-the-erp")) is None
    assert poll_carrier(outside.url(path="/routes?key=s3cret-of-the-carrier")) is None
    assert caplog.records and "s3cret" not in caplog.text
