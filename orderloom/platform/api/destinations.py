"""URLs that Orderloom will call (webhook subscriptions, HTTP carriers, channel stock
pushes, stores and marketplace APIs), checked when they are saved, so that an
administrator learns at once what each call would refuse (runtime/outbound.py checks
again at every call); and the rule that credentials saved for one host are never
carried to another."""
from __future__ import annotations

from typing import Any
from urllib.parse import SplitResult, urlsplit

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
    """``check_destination`` for a URL that is sent secrets (a store's or a
    marketplace's API credentials): it must also be https unless the operator allows
    its host (outbound.insecure_refusal, the rule every such call checks again)."""
    if url is None:
        return
    refusal = outbound.insecure_refusal(url)
    if refusal:
        raise invalid(pointer, refusal)
    check_destination(url, pointer)


def check_credentials_given_again(saved_url: str | None, has_credentials: bool,
                                  new_url: str, given: dict[str, Any] | None,
                                  what: str = "store") -> None:
    """422 at /credentials when a change moves a channel that has credentials to another
    host (``another_host``) without giving that host's: the next call would hand the
    saved ones to whoever answers there. ``what`` names what the address is of."""
    if has_credentials and not [v for v in (given or {}).values() if v is not None]:
        raise invalid("/credentials", f"must be given again for the new {what}: the saved "
                                      f"ones were given {_given_for(saved_url, what)} and "
                                      "are never sent to another host. Give the credentials "
                                      f"of the {what} at {urlsplit(new_url).hostname} with "
                                      "its address")


def _given_for(url: str | None, what: str) -> str:
    host = urlsplit(url).hostname if url else None
    return f"for the {what} at {host}" if host else f"before the channel had a {what} address"


def another_host(saved_url: str | None, new_url: str | None) -> bool:
    """Whether ``new_url`` reaches another host than ``saved_url``: another name, or
    another port of it (another server may listen there). Credentials saved while the
    channel had no address were given for no host in particular: any address is
    another host for them."""
    if not new_url:
        return False
    if not saved_url:
        return True
    saved, new = urlsplit(saved_url), urlsplit(new_url)
    try:
        return (saved.hostname, _port(saved)) != (new.hostname, _port(new))
    except ValueError:  # a port that is not a number: not the saved host
        return True


def _port(url: SplitResult) -> int:
    return url.port or (443 if url.scheme.lower() == "https" else 80)
