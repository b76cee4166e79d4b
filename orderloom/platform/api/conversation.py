"""Comments on orders and the caller's in-app notifications over the API."""
from __future__ import annotations

from typing import Any

from flask import request
from flask_babel import get_locale, gettext
from sqlalchemy import select

from orderloom.platform import query_args
from orderloom.platform.api import api
from orderloom.platform.api.body import json_body
from orderloom.platform.auth import current_actor, current_user, requires
from orderloom.platform.database import db_session
from orderloom.platform.lookups import order_or_404
from orderloom.platform.openapi import documented
from orderloom.platform.problems import invalid
from orderloom.platform.row_access import visible_orders
from orderloom.runtime.errors import OrderError
from orderloom.runtime.notify import in_app
from orderloom.runtime.notify.in_app import Notification
from orderloom.runtime.orders import comments
from orderloom.runtime.orders.comments import Comment
from orderloom.runtime.orders.models import Order

TIMESTAMP = {"type": ["string", "null"], "format": "date-time"}
NEW_COMMENT = {"type": "object", "required": ["body"], "additionalProperties": False,
               "properties": {"body": {"type": "string", "minLength": 1,
                                       "maxLength": comments.MAX_LENGTH,
                                       "description": "The note; @username notifies them"}}}
COMMENT = {"type": "object", "properties": {
    "id": {"type": "integer"}, "author": {"type": "string"}, "body": {"type": "string"},
    "internal": {"type": "boolean"},
    "mentions": {"type": "array", "items": {"type": "string"}}, "created_at": TIMESTAMP}}
NOTIFICATION = {"type": "object", "properties": {
    "id": {"type": "integer"}, "title": {"type": "string"}, "body": {"type": "string"},
    "order": {"type": ["string", "null"]}, "to_role": {"type": ["string", "null"]},
    "to_permission": {"type": ["string", "null"]},
    "created_at": TIMESTAMP, "read_at": TIMESTAMP}}


def comment_json(comment: Comment) -> dict[str, Any]:
    return {"id": comment.id, "author": comment.author, "body": comment.body,
            "internal": comment.internal, "mentions": comment.mentions,
            "created_at": comment.created_at.isoformat()}


def _waited(details: dict[str, Any]) -> str:
    amount = f"{details.get('amount', 0):g}"
    counts = details.get("counts")
    if counts == "business_hours":
        return gettext("%(amount)s business hours", amount=amount)
    if counts == "business_days":
        return gettext("%(amount)s business days", amount=amount)
    return gettext("%(amount)s h", amount=amount)


def worded(notification: Notification) -> str:
    """A timer's notification in the reader's language, from what it keeps; any other
    as it was written."""
    details = notification.details or {}
    number = details.get("order", "")
    if notification.what == "sla_breached":
        labels = details.get("state") or {}
        state = labels.get(str(get_locale())) or labels.get("en") or details.get("state_key", "")
        return gettext("Order %(number)s has been in %(state)s longer than its %(waited)s SLA",
                       number=number, state=state, waited=_waited(details))
    if notification.what == "escalated":
        return gettext("Order %(number)s needs your approval: escalated after %(waited)s",
                       number=number, waited=_waited(details))
    if notification.what == "reminded":
        return gettext("Reminder: order %(number)s has waited %(waited)s for your approval",
                       number=number, waited=_waited(details))
    return notification.title


def notification_json(notification: Notification) -> dict[str, Any]:
    order = (db_session().get(Order, notification.order_id)
             if notification.order_id is not None else None)
    return {"id": notification.id, "title": worded(notification), "body": notification.body,
            "order": order.number if order else None, "to_role": notification.role,
            "to_permission": notification.permission,
            "created_at": notification.created_at.isoformat(),
            "read_at": notification.read_at.isoformat() if notification.read_at else None}


@api.get("/orders/<number>/comments")
@requires("orders.view")
@documented("The order's internal comments, oldest first (they are on its timeline too)",
            tags=("orders",), responses={200: ("Comments", {"type": "array",
                                                            "items": COMMENT})})
def list_comments(number: str):
    return [comment_json(c) for c in comments.comments_on(db_session(), order_or_404(number))]


@api.post("/orders/<number>/comments")
@requires("orders.act")
@documented("Comment on an order; each @username mentioned gets a notification",
            request=NEW_COMMENT, tags=("orders",),
            responses={201: ("The comment", COMMENT)})
def add_comment(number: str):
    body = json_body(NEW_COMMENT)
    if not body["body"].strip():
        raise invalid("/body", "a comment needs some text")
    session = db_session()
    order = order_or_404(number)
    try:
        comment = comments.add_comment(session, current_actor(), order, body["body"])
    except OrderError as error:
        # Every refusal here is about the comment's text.
        raise invalid("/body", error.message) from None
    session.commit()
    return comment_json(comment), 201


@api.get("/notifications")
@requires("orders.view")
@documented("Your notifications, newest first: to you, to one of your roles or to a "
            "permission your roles grant (?unread=1)",
            tags=("notifications",),
            responses={200: ("Notifications", {"type": "array", "items": NOTIFICATION})})
def list_notifications():
    unread = query_args.choice(request.args, "unread", ("0", "1", "true", "false"), "0")
    user = current_user()
    found = in_app.notifications_for(db_session(), user.id, set(user.role_names),
                                       permissions=user.permissions,
                                       unread=unread in ("1", "true"),
                                       orders_seen=_orders_seen(user))
    return [notification_json(n) for n in found]


def _orders_seen(user):
    return select(Order.id).where(visible_orders(user))


@api.post("/notifications/<int:notification_id>/read")
@requires("orders.view")
@documented("Mark one of your notifications read", tags=("notifications",),
            responses={200: ("The notification", NOTIFICATION)})
def read_notification(notification_id: int):
    session = db_session()
    user = current_user()
    found = in_app.mark_read(session, user.id, set(user.role_names), notification_id,
                             permissions=user.permissions, orders_seen=_orders_seen(user))
    session.commit()
    return notification_json(found)
