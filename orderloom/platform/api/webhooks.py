"""Outbound webhooks over the API: subscriptions, the delivery log, re-sending."""
from __future__ import annotations

import difflib
from typing import Any

from flask import request, url_for
from flask_babel import gettext
from sqlalchemy import delete, select

from orderloom.db import utcnow
from orderloom.platform import query_args
from orderloom.platform.api import api
from orderloom.platform.api.body import json_body
from orderloom.platform.api.destinations import check_destination
from orderloom.platform.auth import current_actor, current_user, requires
from orderloom.platform.database import db_session
from orderloom.platform.field_sight import roles_of_request
from orderloom.platform.lookups import get_or_404
from orderloom.platform.openapi import documented
from orderloom.platform.problems import Problem, invalid
from orderloom.platform.query_args import ParameterError
from orderloom.platform.row_access import sees_every_order
from orderloom.platform.url_ids import LARGEST_ID
from orderloom.runtime import audit
from orderloom.runtime.notify.webhook_sending import resend
from orderloom.runtime.notify.webhooks import (
    ALL_EVENTS,
    EVENT_NAME,
    EVENTS,
    PENDING,
    STATUSES,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
    new_secret,
)

MAX_PAGE = 200
EVENT_LIST = {"type": "array", "minItems": 1, "maxItems": 50, "uniqueItems": True,
              "items": {"type": "string", "minLength": 1, "maxLength": 100},
              "description": "Event names (order.created, ...), or [\"*\"] for every event"}
SUBSCRIPTION_FIELDS = {
    "name": {"type": "string", "minLength": 1, "maxLength": 200},
    "url": {"type": "string", "minLength": 1, "maxLength": 500,
            "description": "http(s) URL the events are POSTed to, at a public address "
                           "unless ORDERLOOM_OUTBOUND_ALLOW allows it"},
    "events": EVENT_LIST,
    "active": {"type": "boolean"},
    "secret": {"type": "string", "minLength": 16, "maxLength": 100,
               "description": "Signing secret; generated when not given"},
}
NEW_SUBSCRIPTION = {"type": "object", "required": ["name", "url", "events"],
                    "additionalProperties": False, "properties": SUBSCRIPTION_FIELDS}
CHANGE_SUBSCRIPTION = {"type": "object", "additionalProperties": False, "properties": {
    **SUBSCRIPTION_FIELDS,
    "rotate_secret": {"type": "boolean", "description": "true: a new generated secret, "
                                                        "shown in this answer only"}}}
SUBSCRIPTION = {"type": "object", "properties": {
    "id": {"type": "integer"}, "name": {"type": "string"}, "url": {"type": "string"},
    "events": EVENT_LIST, "active": {"type": "boolean"},
    "seen_as": {"type": ["array", "null"], "items": {"type": "string"},
                "description": "The roles of whoever last saved the subscription: orders "
                               "it receives leave out the fields hidden from them"},
    "paused_reason": {"type": ["string", "null"],
                      "description": "Why Orderloom switched it off (a row rule of the roles "
                                     "it is seen as hides some orders); any change by "
                                     "someone who sees every order clears it"},
    "secret": {"type": "string", "description": "Only when created or rotated"}}}
DELIVERY = {"type": "object", "properties": {
    "id": {"type": "integer"}, "subscription": {"type": "integer"},
    "event_id": {"type": "string", "description": "The Idempotency-Key header"},
    "event_type": {"type": "string"}, "status": {"enum": list(STATUSES)},
    "attempts": {"type": "integer"}, "last_status_code": {"type": ["integer", "null"]},
    "last_error": {"type": ["string", "null"]},
    "next_attempt_at": {"type": ["string", "null"]}, "payload": {"type": "object"},
    "attempt_log": {"type": "array", "items": {"type": "object"}}}}


def subscription_json(subscription: WebhookSubscription) -> dict[str, Any]:
    return {"id": subscription.id, "name": subscription.name, "url": subscription.url,
            "events": subscription.events, "active": subscription.active,
            "created_at": subscription.created_at.isoformat(),
            "updated_at": subscription.updated_at.isoformat(),
            "seen_as": subscription.seen_as, "paused_reason": subscription.paused_reason}


def delivery_json(delivery: WebhookDelivery, attempts: list[WebhookAttempt] | None = None
                  ) -> dict[str, Any]:
    answer = {
        "id": delivery.id, "subscription": delivery.subscription_id,
        "event_id": delivery.event_id, "event_type": delivery.event_type,
        "status": delivery.status, "attempts": delivery.attempts,
        "last_status_code": delivery.last_status_code, "last_error": delivery.last_error,
        "next_attempt_at": delivery.next_attempt_at and delivery.next_attempt_at.isoformat(),
        "delivered_at": delivery.delivered_at and delivery.delivered_at.isoformat(),
        "created_at": delivery.created_at.isoformat()}
    if attempts is not None:
        answer["payload"] = delivery.payload
        answer["attempt_log"] = [
            {"number": a.number, "at": a.at.isoformat(), "status_code": a.status_code,
             "error": a.error, "duration_ms": a.duration_ms} for a in attempts]
    return answer


def check_url(url: str) -> None:
    check_destination(url, "/url")


def check_events(events: list[str]) -> None:
    problems = []
    for index, name in enumerate(events):
        pointer = f"/events/{index}"
        if name == ALL_EVENTS:
            continue
        if not EVENT_NAME.match(name):
            problems.append({"pointer": pointer, "detail": f"{name!r} is not an event name; "
                             "use lower-case words joined by dots, e.g. order.created"})
            continue
        close = difflib.get_close_matches(name, EVENTS, n=1, cutoff=0.8)
        if name not in EVENTS and close:
            # A near miss of a built-in event is a typo, not a custom event.
            problems.append({"pointer": pointer,
                             "detail": f"there is no event {name!r}; did you mean {close[0]!r}?"})
    if problems:
        raise Problem(422, "; ".join(f"{p['pointer']}: {p['detail']}" for p in problems[:3]),
                      errors=problems)


def _subscription(subscription_id: int) -> WebhookSubscription:
    return get_or_404(WebhookSubscription, subscription_id, "webhook subscription")


def _delivery(delivery_id: int) -> WebhookDelivery:
    return get_or_404(WebhookDelivery, delivery_id, "webhook delivery")


@api.get("/webhooks/events")
@requires("webhooks.manage")
@documented("The events Orderloom announces (a definition's webhook action may add more)",
            tags=("webhooks",), responses={200: ("Event names", {"type": "array"})})
def list_webhook_events():
    return list(EVENTS)


def check_may_subscribe() -> None:
    """Only someone who sees every order may create or change a subscription: a
    subscription is told of the events of every order, so a person whose row rule
    hides some orders could otherwise read them through a URL of their own."""
    if not sees_every_order(current_user()):
        refusal = gettext("Only someone who sees every order may create or change webhook "
                          "subscriptions, since a subscription is told of every order's "
                          "events.")
        raise Problem(403, refusal, errors=[{"pointer": "", "detail": refusal}])


@api.get("/webhooks")
@requires("webhooks.manage")
@documented("Every webhook subscription", tags=("webhooks",),
            responses={200: ("Subscriptions", {"type": "array", "items": SUBSCRIPTION})})
def list_webhooks():
    found = db_session().scalars(select(WebhookSubscription).order_by(WebhookSubscription.id))
    return [subscription_json(s) for s in found]


@api.post("/webhooks")
@requires("webhooks.manage")
@documented("Subscribe a URL to events; the answer holds the signing secret, shown this once",
            request=NEW_SUBSCRIPTION, tags=("webhooks",),
            responses={201: ("The subscription", SUBSCRIPTION)})
def create_webhook():
    check_may_subscribe()
    body = json_body(NEW_SUBSCRIPTION)
    check_url(body["url"])
    check_events(body["events"])
    session = db_session()
    now = utcnow()
    subscription = WebhookSubscription(
        name=body["name"], url=body["url"], events=body["events"],
        secret=body.get("secret") or new_secret(), active=body.get("active", True),
        created_at=now, updated_at=now, seen_as=sorted(roles_of_request()))
    session.add(subscription)
    session.flush()
    audit.record(session, current_actor(), "webhook.created", "webhook_subscription",
                 subscription.id, url=subscription.url, events=subscription.events)
    answer = {**subscription_json(subscription), "secret": subscription.secret}
    session.commit()
    return answer, 201, {"Location": url_for("api.get_webhook",
                                             subscription_id=subscription.id)}


@api.get("/webhooks/<int:subscription_id>")
@requires("webhooks.manage")
@documented("One subscription (its secret is never shown again)", tags=("webhooks",),
            responses={200: ("The subscription", SUBSCRIPTION)})
def get_webhook(subscription_id: int):
    return subscription_json(_subscription(subscription_id))


@api.patch("/webhooks/<int:subscription_id>")
@requires("webhooks.manage")
@documented("Change a subscription's name, URL, events, active switch or secret",
            request=CHANGE_SUBSCRIPTION, tags=("webhooks",),
            responses={200: ("The subscription", SUBSCRIPTION)})
def change_webhook(subscription_id: int):
    check_may_subscribe()
    body = json_body(CHANGE_SUBSCRIPTION)
    if "url" in body:
        check_url(body["url"])
    if "events" in body:
        check_events(body["events"])
    if "secret" in body and body.get("rotate_secret"):
        raise invalid("/rotate_secret", "give a secret or ask for a new one, not both")
    session = db_session()
    subscription = _subscription(subscription_id)
    for member in ("name", "url", "events", "active", "secret"):
        if member in body:
            setattr(subscription, member, body[member])
    if body.get("rotate_secret"):
        subscription.secret = new_secret()
    subscription.updated_at = utcnow()
    if subscription.active:
        # Switched on (or kept on) now as this person's roles: a pause is over. One
        # left off keeps its reason and the roles it was seen as until it is switched on.
        subscription.seen_as = sorted(roles_of_request())
        subscription.paused_reason = None
    audit.record(session, current_actor(), "webhook.changed", "webhook_subscription",
                 subscription.id, changed=sorted(body))
    answer = subscription_json(subscription)
    if body.get("rotate_secret"):
        answer["secret"] = subscription.secret
    session.commit()
    return answer


@api.delete("/webhooks/<int:subscription_id>")
@requires("webhooks.manage")
@documented("Delete a subscription and its delivery log", tags=("webhooks",),
            responses={204: ("Deleted", None)})
def delete_webhook(subscription_id: int):
    session = db_session()
    subscription = _subscription(subscription_id)
    audit.record(session, current_actor(), "webhook.deleted", "webhook_subscription",
                 subscription.id, url=subscription.url)
    # Explicitly, not by the foreign key alone: SQLite enforces ON DELETE only
    # with its foreign key switch on.
    deliveries = select(WebhookDelivery.id).where(
        WebhookDelivery.subscription_id == subscription.id)
    session.execute(delete(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(deliveries)))
    session.execute(delete(WebhookDelivery).where(
        WebhookDelivery.subscription_id == subscription.id))
    session.delete(subscription)
    session.commit()
    return "", 204


def delivery_filters() -> list[Any]:
    """The delivery log's filters from the query string (shared with the admin page)."""
    where: list[Any] = []
    subscription = query_args.whole(request.args, "subscription", low=1,
                                    high=LARGEST_ID)
    if subscription is not None:
        where.append(WebhookDelivery.subscription_id == subscription)
    status = request.args.get("status")
    if status:
        if status not in STATUSES:
            raise ParameterError("status", "must be one of " + ", ".join(STATUSES))
        where.append(WebhookDelivery.status == status)
    event_type = request.args.get("event_type")
    if event_type:
        where.append(WebhookDelivery.event_type == event_type)
    event_id = request.args.get("event_id")
    if event_id:
        where.append(WebhookDelivery.event_id == event_id)
    before = query_args.cursor(request.args)
    if before is not None:
        where.append(WebhookDelivery.id < before)
    return where


@api.get("/webhook-deliveries")
@requires("webhooks.manage")
@documented("The delivery log, newest first: ?subscription=, ?status=pending|delivered|failed, "
            "?event_type=, ?event_id=, ?limit= (at most 200), ?before=<id> for the next page",
            tags=("webhooks",),
            responses={200: ("Deliveries", {"type": "array", "items": DELIVERY})})
def list_webhook_deliveries():
    limit = query_args.whole(request.args, "limit", 50, low=1, high=MAX_PAGE)
    found = db_session().scalars(select(WebhookDelivery).where(*delivery_filters())
                                 .order_by(WebhookDelivery.id.desc()).limit(limit))
    return [delivery_json(d) for d in found]


@api.get("/webhook-deliveries/<int:delivery_id>")
@requires("webhooks.manage")
@documented("One delivery with the body sent and every attempt", tags=("webhooks",),
            responses={200: ("The delivery", DELIVERY)})
def get_webhook_delivery(delivery_id: int):
    delivery = _delivery(delivery_id)
    attempts = list(db_session().scalars(
        select(WebhookAttempt).where(WebhookAttempt.delivery_id == delivery.id)
        .order_by(WebhookAttempt.number)))
    return delivery_json(delivery, attempts)


def resend_delivery(delivery: WebhookDelivery) -> None:
    """Send a delivered or failed delivery again (same Idempotency-Key); commits."""
    if delivery.status == PENDING:
        when = delivery.next_attempt_at.isoformat() if delivery.next_attempt_at else "soon"
        raise Problem(409, f"delivery {delivery.id} is still being sent; its next attempt "
                           f"is at {when}")
    session = db_session()
    subscription = session.get(WebhookSubscription, delivery.subscription_id)
    if subscription is None or not subscription.active:
        raise Problem(409, "its subscription is switched off; switch it on to re-send")
    resend(session, delivery)
    audit.record(session, current_actor(), "webhook.resent", "webhook_delivery", delivery.id,
                 event_id=delivery.event_id, event_type=delivery.event_type)
    session.commit()


@api.post("/webhook-deliveries/<int:delivery_id>/resend")
@requires("webhooks.manage")
@documented("Send a delivered or failed delivery again, with the same Idempotency-Key; "
            "409 while it is still being sent", tags=("webhooks",),
            responses={202: ("The delivery, pending again (or already sent)", DELIVERY)})
def resend_webhook_delivery(delivery_id: int):
    delivery = _delivery(delivery_id)
    resend_delivery(delivery)
    session = db_session()
    session.refresh(delivery)
    return delivery_json(delivery), 202
