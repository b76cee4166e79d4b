"""URLs that Orderloom will call (webhook subscriptions, HTTP carriers, channel stock
pushes), checked when they are saved, so that an administrator learns at once what
each call would refuse (runtime/outbound.py checks again at every call)."""
from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from orderloom.platform.problems import invalid
from orderloom.runtime import outbound


def check_destination(url: str | None, pointer: str) -> None:
    """Refuse ``url`` with a 422 at ``pointer`` when it is not a URL Orderloom may call;
    None (no URL) passes."""
    if url is None:
        return
    refusal = outbound.destination_refusal(url)
    if refusal:
        raise invalid(pointer, refusal)


def check_secure_destination(url: str | None, pointer: str) -> None:
    """``check_destination`` for a URL that is sent secrets (a store's API credentials):
    it must also be https, unless the operator lets the host be called inside with
    ORDERLOOM_OUTBOUND_ALLOW: the one allowance for hosts on the operator's own network,
    where plain http may be all a test or internal shop speaks."""
    if url is None:
        return
    parts = urlsplit(url)
    if parts.scheme.lower() != "https" and not operator_allows(parts.hostname or ""):
        raise invalid(pointer, "must start with https://: over plain http the store's "
                               "credentials and its customers' orders would cross the "
                               "network readable by anyone on the way. For a store on the "
                               "operator's own network, the operator can allow its host "
                               f"with {outbound.ALLOW_VARIABLE} (docs/channels.md)")
    check_destination(url, pointer)


def operator_allows(host: str) -> bool:
    """Whether ORDERLOOM_OUTBOUND_ALLOW names ``host``, or lists a network holding it
    when it is an address."""
    allowed = outbound.allowance()
    if allowed.names(host):
        return True
    try:
        return allowed.covers(ipaddress.ip_address(host))
    except ValueError:
        return False
