"""Sending a webhook delivery: sign, POST, log the attempt, retry with backoff.

Each attempt is one ``webhook_delivery`` job. The job records what the receiver
answered and, when it was not a 2xx, schedules the next attempt after an
exponentially growing wait (capped) until the attempts run out; the delivery is
then ``failed`` and an admin may send it again with ``resend``.

The signature header is ``Orderloom-Signature: t=<unix seconds>,v1=<hex>``
where ``<hex>`` is HMAC-SHA256 with the subscription's secret over
``"<t>.<body>"``. Signing the time with the body lets a receiver refuse an old
request replayed later (see docs/webhooks.md for the receiver's side).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from orderloom.db import utcnow
from orderloom.runtime import metrics, outbound
from orderloom.runtime.jobs.models import Job, register_handler
from orderloom.runtime.notify.webhooks import (
    DELIVERED,
    FAILED,
    JOB_KIND,
    PENDING,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
    schedule,
)

log = logging.getLogger(__name__)

EVENT_HEADER = "Orderloom-Event"
IDEMPOTENCY_HEADER = "Idempotency-Key"
SIGNATURE_HEADER = "Orderloom-Signature"
USER_AGENT = "Orderloom-Webhooks/1"
ERROR_LENGTH = 500
# An error page's head (styles, scripts) comes before its words: enough of it is read
# to find them, and the log keeps a 200-character plain excerpt (outbound.plain_excerpt).
RESPONSE_EXCERPT = 4096


class SettingError(ValueError):
    """A webhook setting in the environment is not usable."""


@dataclass(frozen=True)
class RetryPolicy:
    first_wait: timedelta = timedelta(seconds=30)
    longest_wait: timedelta = timedelta(hours=1)
    attempts: int = 8
    timeout_seconds: float = 10.0

    def wait_after(self, attempts: int) -> timedelta:
        """Wait before the next attempt: first, 2x first, 4x first, ... at most longest."""
        return min(self.first_wait * (2 ** max(attempts - 1, 0)), self.longest_wait)


SETTINGS = {  # environment variable -> (field, kind, default)
    "ORDERLOOM_WEBHOOK_RETRY_FIRST_SECONDS": ("first_wait", "seconds", 30.0),
    "ORDERLOOM_WEBHOOK_RETRY_LONGEST_SECONDS": ("longest_wait", "seconds", 3600.0),
    "ORDERLOOM_WEBHOOK_ATTEMPTS": ("attempts", "count", 8),
    "ORDERLOOM_WEBHOOK_TIMEOUT_SECONDS": ("timeout_seconds", "number", 10.0),
}


def retry_policy(environ: Mapping[str, str] | None = None) -> RetryPolicy:
    """The policy the environment asks for; a bad value raises ``SettingError`` naming
    the variable (``load_settings`` calls this so start-up stops on it)."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for name, (key, kind, default) in SETTINGS.items():
        raw = env.get(name, "").strip()
        if not raw:
            number: float = default
        else:
            try:
                number = float(raw) if kind != "count" else int(raw)
            except ValueError:
                number = -1
            if not number > 0 or number != number or number == float("inf"):
                raise SettingError(f"{name}: {raw!r} is not a positive "
                                   f"{'whole number' if kind == 'count' else 'number'}")
        values[key] = timedelta(seconds=number) if kind == "seconds" else number
    return RetryPolicy(**values)


def sign(secret: str, body: bytes, timestamp: int) -> str:
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode() + body,
                      hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: str, body: bytes, header: str, *, tolerance_seconds: int = 300,
           now: float | None = None) -> bool:
    """What a receiver does (also used by our tests): check the HMAC and the age."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((now if now is not None else time.time()) - timestamp) > tolerance_seconds:
        return False
    expected = sign(secret, body, timestamp).split(",v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


def body_bytes(delivery: WebhookDelivery) -> bytes:
    # Compact and key-sorted: the bytes signed are the bytes sent.
    return json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True,
                      ensure_ascii=False).encode("utf-8")


def post(subscription: WebhookSubscription, delivery: WebhookDelivery,
         policy: RetryPolicy) -> tuple[int | None, str | None]:
    """POST once; answers (status code or None, error or None)."""
    body = body_bytes(delivery)
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT,
               EVENT_HEADER: delivery.event_type,
               IDEMPOTENCY_HEADER: delivery.event_id,
               SIGNATURE_HEADER: sign(subscription.secret, body, int(time.time()))}
    try:
        answer = outbound.call("POST", subscription.url, headers=headers, content=body,
                               timeout=policy.timeout_seconds, limit=RESPONSE_EXCERPT)
    except outbound.Refused as refusal:
        return None, f"refused: {refusal}"[:ERROR_LENGTH]
    except outbound.OutboundError as error:
        # Only the reason: the URL may carry a token of the receiver's.
        return None, f"could not be reached: {error}"[:ERROR_LENGTH]
    if 200 <= answer.status < 300:
        return answer.status, None
    # Plain text: a receiver's error page is HTML, and its markup means nothing here.
    excerpt = answer.excerpt()
    return answer.status, f"answered {answer.status}" + (f": {excerpt}" if excerpt else "")


def attempt(session: Session, reading: sessionmaker[Session], delivery_id: int,
            policy: RetryPolicy, *, expected: int | None = None) -> WebhookAttempt | None:
    """Make one attempt of a pending delivery and record it in ``session``; schedules
    the next one or marks the delivery failed. Answers the attempt, or None when there
    was nothing to do (delivered already, superseded by a re-send, or its subscription
    is gone or switched off).

    The delivery is read in a short transaction of its own (``reading``) and the POST
    is made outside any: on SQLite a transaction holds the one write lock, and a slow
    receiver must not stop every other writer for its timeout."""
    with reading() as read:
        # One statement for both: this runs for every delivery.
        delivery, subscription = read.execute(
            select(WebhookDelivery, WebhookSubscription)
            .outerjoin(WebhookSubscription,
                       WebhookSubscription.id == WebhookDelivery.subscription_id)
            .where(WebhookDelivery.id == delivery_id)).first() or (None, None)
    # Closing (not rolling back) ends the read and keeps the loaded values usable.
    if delivery is None or delivery.status != PENDING:
        return None
    if expected is not None and expected != delivery.attempts + 1:
        return None  # a job of an earlier round; a re-send wrote the current one
    usable = subscription is not None and subscription.active
    if usable:
        started = time.monotonic()
        code, error = post(subscription, delivery, policy)
        duration = int((time.monotonic() - started) * 1000)
    current = session.get(WebhookDelivery, delivery_id)
    if current is None or current.status != PENDING or current.attempts != delivery.attempts:
        return None  # deleted or changed meanwhile; the newer state stands
    if not usable:
        current.status, current.next_attempt_at = FAILED, None
        current.last_error = "the subscription was switched off before it was delivered"
        return None
    return _record(session, current, code, error, duration, policy)


def _record(session: Session, delivery: WebhookDelivery, code: int | None,
            error: str | None, duration: int, policy: RetryPolicy) -> WebhookAttempt:
    finished = utcnow()
    delivery.attempts += 1
    if code is not None and 200 <= code < 300:
        error = None
    elif error is None:
        error = f"answered {code}"
    record = WebhookAttempt(delivery_id=delivery.id, number=delivery.attempts, at=finished,
                            status_code=code, error=error and error[:ERROR_LENGTH],
                            duration_ms=duration)
    session.add(record)
    delivery.last_status_code, delivery.last_error = code, record.error
    if error is not None:
        metrics.webhook_attempt_failed()
    if error is None:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = (
            DELIVERED, finished, None)
        log.info("webhook delivery %s (%s) delivered on attempt %s", delivery.id,
                 delivery.event_type, delivery.attempts)
    elif delivery.attempts - delivery.attempts_before_resend >= policy.attempts:
        delivery.status, delivery.next_attempt_at = FAILED, None
        log.warning("webhook delivery %s (%s) failed %s times; giving up: %s", delivery.id,
                    delivery.event_type, delivery.attempts, error)
    else:
        wait = policy.wait_after(delivery.attempts - delivery.attempts_before_resend)
        schedule(session, delivery, finished + wait)
        log.info("webhook delivery %s (%s) attempt %s failed (%s); next in %s s",
                 delivery.id, delivery.event_type, delivery.attempts, error,
                 wait.total_seconds())
    return record


def resend(session: Session, delivery: WebhookDelivery, now: datetime | None = None) -> None:
    """An admin's re-send: the same delivery (same Idempotency-Key) goes out again now,
    with a fresh round of attempts; the attempts made before stay in the log."""
    now = now or utcnow()
    delivery.status, delivery.delivered_at = PENDING, None
    delivery.attempts_before_resend = delivery.attempts
    schedule(session, delivery, now)


def run_webhook_delivery(session: Session, job: Job, runner: Any) -> None:
    attempt(session, runner.sessions, job.payload["delivery"], retry_policy(),
            expected=job.payload.get("attempt"))


register_handler(JOB_KIND, run_webhook_delivery)
