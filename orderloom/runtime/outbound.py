"""The one way Orderloom calls other systems over HTTP: webhook deliveries, HTTP
carriers and channel stock pushes all go through :func:`call`.

A URL saved by an administrator is chosen by whoever holds that permission, so a
call must not become a way into the machine or its network. Each call resolves
the host, refuses it when any address it resolves to is loopback, private,
link-local, multicast, unspecified, reserved or otherwise not public (IPv4 and
IPv6, with IPv4 carried inside IPv6 unwrapped), and then connects to exactly the
address it checked: the connection is pinned to it, so a name whose DNS answer
changes between the check and the connection (DNS rebinding) cannot move it
inside. Redirects are not followed, proxies from the environment are not used,
every wait has a timeout and the answer read is capped.

An operator lets named hosts or networks through with ``ORDERLOOM_OUTBOUND_ALLOW``
(docs/security.md#outbound-calls): ``erp.internal, 10.20.0.0/16, 127.0.0.1``. A
named host is let through whatever it resolves to; a network lets through any host
resolving inside it.

A call that carries secrets (a store's or a marketplace's API credentials) asks
``secure=True``: it must go over https, unless the operator allows the host, the one
exception for a shop on the operator's own network (``insecure_refusal``). The same
rule refuses such an address when it is saved and at every call, so an http address
saved before the rule existed is refused too, with the reason.

It lives directly in the runtime because three domains (notify, channels, shipping)
and the platform's checks of saved URLs share it; in any one domain the others
would import that domain's internals.
"""
from __future__ import annotations

import html
import ipaddress
import logging
import os
import re
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

# httpx logs every request's URL at INFO, and a URL may carry a receiver's token: the
# callers log what they called without it.
logging.getLogger("httpx").setLevel(logging.WARNING)

ALLOW_VARIABLE = "ORDERLOOM_OUTBOUND_ALLOW"
TIMEOUT_SECONDS = 10.0
LIMIT_BYTES = 1_000_000
SCHEMES = ("http", "https")

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# Where IPv6 carries an IPv4 address that a gateway would reach for it.
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_PRIVATE = tuple(ipaddress.ip_network(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7",
    "fec0::/10"))


class AllowanceError(ValueError):
    """``ORDERLOOM_OUTBOUND_ALLOW`` holds an entry that is neither a host nor a network."""


class OutboundError(Exception):
    """A call that got no answer. The message never holds the URL, which may carry a
    token of the receiver's."""


class CallFailed(Exception):
    """Another system (a store, a CRM) did not do what a call asked. ``fix`` names the
    member of the connection to correct when the merchant can; ``retryable`` says
    whether the same call may succeed later (429, 5xx, no answer), ``retry_after`` the
    seconds the other system asked to wait. Each domain raises its own kind."""

    def __init__(self, detail: str, *, status: int | None = None, fix: str | None = None,
                 retryable: bool = False, retry_after: float | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.status = status
        self.fix = fix
        self.retryable = retryable
        self.retry_after = retry_after


class Refused(OutboundError):
    """The destination is inside (or not a usable URL) and no allowance lets it through."""


class Unreachable(OutboundError):
    """The destination could not be connected to, or did not answer in time."""


# Headers a configured name may not set: those that steer the request itself (its
# host, framing and connection), those proxies act on, and those cloud metadata
# services require to prove a request was not forged. A destination that is allowed
# inside (ORDERLOOM_OUTBOUND_ALLOW) must still not be told it is asked by its own host.
CONTROLLED_HEADERS = frozenset({
    "host", "content-length", "transfer-encoding", "connection", "keep-alive", "upgrade",
    "te", "trailer", "expect", "proxy-authorization", "proxy-connection", "forwarded",
    "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-real-ip",
    "metadata-flavor", "metadata", "x-google-metadata-request",
    "x-aws-ec2-metadata-token", "x-aws-ec2-metadata-token-ttl-seconds",
    "x-identity-header",
})


def header_problem(name: str) -> str | None:
    """Why a header named by configuration (a carrier's authentication header) cannot
    be sent, or None when it can."""
    if name.strip().lower() in CONTROLLED_HEADERS:
        return (f"{name} is set by the connection itself or guards internal services; "
                "use the header the receiver documents for its key, e.g. Authorization")
    return None


EXCERPT_LENGTH = 200
_HIDDEN_HTML = re.compile(r"(?is)<(script|style|head)\b.*?(</\1\s*>|$)|<!--.*?(-->|$)")
_TAG = re.compile(r"(?s)<[^>]*>?")


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    # False when the answer was longer than the limit: ``body`` holds its first bytes.
    complete: bool = True
    # The answer's headers, names in any case (a store's paging links, Retry-After).
    headers: Mapping[str, str] = field(default_factory=dict)

    def excerpt(self, length: int = EXCERPT_LENGTH) -> str:
        """The answer as a short plain-text line for a log a person reads (see
        :func:`plain_excerpt`)."""
        return plain_excerpt(self.body, length)


def plain_excerpt(text: bytes | str, length: int = EXCERPT_LENGTH) -> str:
    """What another system answered, as at most ``length`` characters of plain text on
    one line: markup, scripts and control characters removed, entities decoded. Pages
    escape it too; this keeps an error page from filling a delivery log with markup."""
    if isinstance(text, bytes):
        text = text[:length * 20].decode("utf-8", "replace")
    text = html.unescape(_TAG.sub(" ", _HIDDEN_HTML.sub(" ", text[:length * 20])))
    plain = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    return plain if len(plain) <= length else plain[:length - 1].rstrip() + "…"


@dataclass(frozen=True)
class Allowance:
    hosts: frozenset[str] = frozenset()
    networks: tuple[Network, ...] = field(default=())

    @classmethod
    def parse(cls, raw: str) -> Allowance:
        hosts: set[str] = set()
        networks: list[Network] = []
        for entry in (part.strip() for part in raw.split(",")):
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
                continue
            except ValueError:
                pass
            name = _plain_host(entry)
            labels = name.split(".")
            if "/" in entry or not all(label and len(label) <= 63 and all(
                    c.isalnum() or c == "-" for c in label) for label in labels):
                raise AllowanceError(
                    f"{ALLOW_VARIABLE}: {entry!r} is neither a host name (erp.internal) nor "
                    "an address or network (10.20.0.5, 10.20.0.0/16, fd00::/8)")
            hosts.add(name)
        return cls(frozenset(hosts), tuple(networks))

    def names(self, host: str) -> bool:
        return _plain_host(host) in self.hosts

    def covers(self, address: Address) -> bool:
        return any(address.version == n.version and address in n for n in self.networks)


def allowance(environ: Mapping[str, str] | None = None) -> Allowance:
    """The operator's allowance, read at each call so a worker takes the setting of its
    own environment (``load_settings`` checks it at start-up)."""
    env = os.environ if environ is None else environ
    return Allowance.parse(env.get(ALLOW_VARIABLE, ""))


def address_refusal(address: Address) -> str | None:
    """What kind of inside address ``address`` is, or None for a public one."""
    carried = _carried_ipv4(address)
    if carried is not None:
        return address_refusal(carried)
    if address.is_loopback:
        return "a loopback address"
    if address.is_unspecified:
        return "the unspecified address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_multicast:
        return "a multicast address"
    if any(address.version == n.version and address in n for n in _PRIVATE):
        return "a private address"
    if address.is_private or address.is_reserved or not address.is_global:
        return "a reserved address"
    return None


def destination_refusal(url: str, allowed: Allowance | None = None) -> str | None:
    """Why ``url`` may not be saved as a destination of outbound calls, or None.

    Resolves the host as a call would; a name that does not resolve now is accepted,
    since every call checks again."""
    allowed = allowance() if allowed is None else allowed
    try:
        _resolve(_parse(url), allowed)
    except Refused as refusal:
        return str(refusal)
    except Unreachable:
        pass
    return None


def operator_allows(host: str, allowed: Allowance | None = None) -> bool:
    """Whether the operator's allowance names ``host``, or lists a network holding it
    when it is an address."""
    allowed = allowance() if allowed is None else allowed
    if allowed.names(host):
        return True
    try:
        return allowed.covers(ipaddress.ip_address(_plain_host(host).strip("[]")))
    except ValueError:
        return False


def insecure_refusal(url: str, allowed: Allowance | None = None) -> str | None:
    """Why ``url`` may not be sent secrets, or None: it must be https, unless the
    operator allows its host (plain http may be all an internal shop speaks)."""
    parts = urlsplit(url)
    if parts.scheme.lower() == "https" or operator_allows(parts.hostname or "", allowed):
        return None
    return ("must start with https://: over plain http the credentials and the orders "
            "would cross the network readable by anyone on the way. For a host on the "
            "operator's own network, the operator can allow it with "
            f"{ALLOW_VARIABLE} (docs/channels.md)")


def call(method: str, url: str, *, headers: Mapping[str, str] | None = None,
         content: bytes | None = None, timeout: float = TIMEOUT_SECONDS,
         limit: int = LIMIT_BYTES, allowed: Allowance | None = None,
         secure: bool = False) -> Answer:
    """Send one request and read at most ``limit`` bytes of the answer.

    Any status is an answer (a redirect too: it is not followed). Raises ``Refused``
    for a destination inside, or for one that is not https when ``secure`` (the call
    carries credentials) and the operator does not allow its host; ``Unreachable``
    when nothing answered within ``timeout`` seconds per wait, or the whole answer
    took longer than three times that."""
    allowed = allowance() if allowed is None else allowed
    if secure:
        refusal = insecure_refusal(url, allowed)
        if refusal:
            raise Refused(refusal)
    parsed = _parse(url)
    deadline = time.monotonic() + 3 * timeout
    transport = _PinnedTransport(allowed)
    # Identity encoding: the limit counts the bytes that arrive, and a compressed
    # answer could expand far beyond them.
    for name in headers or {}:
        if header_problem(name):
            raise Refused(f"the header {name} is not sent")
    sent = {"Accept-Encoding": "identity", **(headers or {})}
    with httpx.Client(transport=transport, follow_redirects=False, trust_env=False,
                      timeout=httpx.Timeout(timeout)) as client:
        try:
            with client.stream(method, parsed, headers=sent, content=content) as answer:
                body = bytearray()
                for chunk in answer.iter_raw():
                    body += chunk
                    if len(body) > limit:
                        return Answer(answer.status_code, bytes(body[:limit]), False,
                                      answer.headers)
                    if time.monotonic() > deadline:
                        raise Unreachable(f"the answer took longer than {3 * timeout:g} s")
                return Answer(answer.status_code, bytes(body), headers=answer.headers)
        except httpx.TimeoutException:
            raise Unreachable(f"no answer within {timeout:g} s") from None
        except httpx.HTTPError as error:
            raise Unreachable(_reason(error)) from None


class _PinnedTransport(httpx.BaseTransport):
    """Checks every request's host at the moment it is sent and connects to the checked
    address, keeping the name for the Host header and TLS (SNI and certificate)."""

    def __init__(self, allowed: Allowance) -> None:
        self.allowed = allowed
        self.inner = httpx.HTTPTransport(retries=0)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        original = request.url
        addresses = _resolve(original, self.allowed)
        name = original.host
        if name and not _literal(name):
            request.extensions = {**request.extensions, "sni_hostname": name}
        failure: httpx.ConnectError | None = None
        for address in addresses:
            request.url = original.copy_with(host=str(address))
            try:
                return self.inner.handle_request(request)
            except httpx.ConnectError as error:
                failure = error  # the next address of the name may answer
            finally:
                request.url = original
        assert failure is not None
        raise failure

    def close(self) -> None:
        self.inner.close()


def _parse(url: str) -> httpx.URL:
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError) as error:
        raise Refused(f"is not a URL ({error})") from None
    if parsed.scheme not in SCHEMES or not parsed.host:
        raise Refused("must be an http:// or https:// URL with a host, e.g. "
                      "https://erp.example.com/hooks/orderloom")
    if parsed.port is not None and not 0 < parsed.port < 65536:
        raise Refused(f"port {parsed.port} is not a port number (1 to 65535)")
    return parsed


def _resolve(url: httpx.URL, allowed: Allowance) -> list[Address]:
    """The addresses to connect to for ``url``'s host, each allowed; refuses the host
    when any of them is inside, since which one a connection gets is the resolver's
    choice."""
    host = url.raw_host.decode("ascii")
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        found = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise Unreachable(f"the host {host!r} could not be resolved "
                          f"({getattr(error, 'strerror', None) or error})") from None
    addresses: list[Address] = []
    for _family, _type, _proto, _name, sockaddr in found:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    if allowed.names(host):
        return addresses
    for address in addresses:
        kind = address_refusal(address)
        if kind is not None and not allowed.covers(address):
            shown = "" if _literal(url.host) and ipaddress.ip_address(
                url.host) == address else f" resolves to {address}, which"
            raise Refused(f"the host {url.host!r}{shown} is {kind}; Orderloom does not call "
                          f"inside addresses unless {ALLOW_VARIABLE} allows them")
    return addresses


def _carried_ipv4(address: Address) -> ipaddress.IPv4Address | None:
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if any(address in network for network in _NAT64):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _plain_host(host: str) -> str:
    return host.strip().strip("[]").rstrip(".").lower()


def _reason(error: Any) -> str:
    # httpx's message says what failed (refused, reset, TLS) and holds no URL.
    text = str(error).strip() or type(error).__name__
    return text[:300]
