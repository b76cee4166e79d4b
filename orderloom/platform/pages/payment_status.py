"""An order's payment status in the reader's language, for the payments box, the
finance pages' messages and the timeline. The runtime's statuses are keys
(``partly_paid``); these are the pages' words."""
from __future__ import annotations

from flask_babel import lazy_gettext

_WORDS = {"unpaid": lazy_gettext("Unpaid"), "partly_paid": lazy_gettext("Partly paid"),
          "paid": lazy_gettext("Paid"), "overpaid": lazy_gettext("Overpaid"),
          "partly_refunded": lazy_gettext("Partly refunded"),
          "refunded": lazy_gettext("Refunded")}


def payment_words(status: str | None) -> str:
    """The status as a heading shows it (``Partly paid``); one this release does not
    know, as stored."""
    words = _WORDS.get(status)
    return str(words) if words is not None else str(status or "?").replace("_", " ")


def payment_words_in_sentence(status: str | None) -> str:
    """The status inside a sentence: ``the order is now partly paid``."""
    return payment_words(status).lower()
