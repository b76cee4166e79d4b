"""URLs that Orderloom will call (webhook subscriptions, HTTP carriers, channel stock
pushes), checked when they are saved, so that an administrator learns at once what
each call would refuse (runtime/outbound.py checks again at every call)."""
from __future__ import annotations

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
