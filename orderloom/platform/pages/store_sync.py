"""What a store channel told its store and what reconciliation found, for the order
page and the channel page (the partials channels/_store_sync.html and
orders/_store_writebacks.html)."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext

from orderloom.platform.database import db_session
from orderloom.platform.pages import pages
from orderloom.platform.pages.order_view import when
from orderloom.runtime.channels.store_sync import (
    GAVE_UP,
    NOT_CONNECTED,
    REFUSED,
    WILL_RETRY,
    WRITTEN,
    StoreDay,
    StoreWriteBack,
    attempts_of,
    channel_attempts,
    recent_days,
)

SHOWN_DAYS = 14
SHOWN_ATTEMPTS = 20
OUTCOME_WORDS = {WRITTEN: lazy_gettext("written"), WILL_RETRY: lazy_gettext("will retry"),
                 REFUSED: lazy_gettext("refused by the store"), GAVE_UP: lazy_gettext("given up"),
                 NOT_CONNECTED: lazy_gettext("not connected")}


def _attempt(attempt: StoreWriteBack) -> dict[str, Any]:
    return {"id": attempt.id, "shipment": attempt.shipment_id, "attempt": attempt.attempt,
            "outcome": attempt.outcome,
            "outcome_words": OUTCOME_WORDS.get(attempt.outcome, attempt.outcome),
            "detail": attempt.detail, "at": when(attempt.at)}


def _day(day: StoreDay) -> dict[str, Any]:
    return {"day": day.day.isoformat(), "store_orders": day.store_orders, "here": day.here,
            "fetched": day.fetched, "cancelled_there": day.cancelled_there,
            "missing": day.missing, "checked": when(day.checked_at)}


@pages.app_template_global()
def store_writebacks(order_id: int) -> list[dict[str, Any]]:
    """Every attempt to tell the store of the order's shipments, oldest first."""
    return [_attempt(a) for a in attempts_of(db_session(), order_id)]


@pages.app_template_global()
def store_sync_of(channel_key: str) -> dict[str, Any]:
    """The channel's latest days of reconciliation and latest write-back attempts."""
    session = db_session()
    return {"days": [_day(d) for d in recent_days(session, channel_key, SHOWN_DAYS)],
            "attempts": [_attempt(a) for a in channel_attempts(session, channel_key,
                                                                SHOWN_ATTEMPTS)]}
