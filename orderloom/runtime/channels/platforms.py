"""The store platforms Orderloom speaks to natively, by channel kind."""
from __future__ import annotations

from orderloom.runtime.channels import shopify, woocommerce
from orderloom.runtime.channels.stores import StorePlatform

PLATFORMS: dict[str, StorePlatform] = {p.kind: p for p in (shopify.PLATFORM,
                                                             woocommerce.PLATFORM)}


def platform_for(kind: str) -> StorePlatform | None:
    return PLATFORMS.get(kind)
