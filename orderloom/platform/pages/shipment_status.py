"""A shipment's normalised status in the reader's language, for the staff order page,
its timeline and the customers' tracking page. The runtime keeps its English labels
(STATUS_LABELS) for logs, exports and the API; these are the pages' words."""
from __future__ import annotations

from flask_babel import lazy_gettext

from orderloom.runtime.shipping.carriers import base

_WORDS = {
    base.LABEL_CREATED: lazy_gettext("Label created"),
    base.PICKED_UP: lazy_gettext("Picked up"),
    base.IN_TRANSIT: lazy_gettext("In transit"),
    base.OUT_FOR_DELIVERY: lazy_gettext("Out for delivery"),
    base.DELIVERED: lazy_gettext("Delivered"),
    base.EXCEPTION: lazy_gettext("Delivery problem"),
    base.RETURNED: lazy_gettext("Returned to sender"),
}


def status_words(status: str | None) -> str:
    """The status as the page says it; a status this release does not know, as stored."""
    words = _WORDS.get(status)
    return str(words) if words is not None else str(status or "?")

