"""The webhooks page for administrators: who is told of which events, the delivery
log with each attempt's answer, and re-sending a delivery."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import func, select

from orderloom.db import utcnow
from orderloom.platform.api.webhooks import (
    check_events,
    check_may_subscribe,
    check_url,
    delivery_filters,
    resend_delivery,
)
from orderloom.platform.auth import current_actor, requires
from orderloom.platform.database import db_session
from orderloom.platform.field_sight import roles_of_request
from orderloom.platform.pages import pages
from orderloom.platform.problems import Problem
from orderloom.platform.query_args import ParameterError
from orderloom.runtime import audit
from orderloom.runtime.notify.webhooks import (
    EVENTS,
    STATUSES,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
    new_secret,
)

PAGE = 50


def _page(*, error: str | None = None, form: dict | None = None, created=None,
          status: int = 200):
    session = db_session()
    try:
        where = delivery_filters()
    except ParameterError as refused:
        where, error = [], refused.page_message
    subscriptions = list(session.scalars(select(WebhookSubscription)
                                         .order_by(WebhookSubscription.id)))
    failed = dict(session.execute(
        select(WebhookDelivery.subscription_id, func.count())
        .where(WebhookDelivery.status == "failed")
        .group_by(WebhookDelivery.subscription_id)).all())
    deliveries = list(session.scalars(select(WebhookDelivery).where(*where)
                                      .order_by(WebhookDelivery.id.desc()).limit(PAGE)))
    attempts: dict[int, list[WebhookAttempt]] = {}
    if deliveries:
        for attempt in session.scalars(
                select(WebhookAttempt)
                .where(WebhookAttempt.delivery_id.in_([d.id for d in deliveries]))
                .order_by(WebhookAttempt.number)):
            attempts.setdefault(attempt.delivery_id, []).append(attempt)
    names = {s.id: s.name for s in subscriptions}
    return render_template(
        "webhooks/index.html", subscriptions=subscriptions, failed=failed,
        deliveries=deliveries, attempts=attempts, names=names, events=EVENTS,
        statuses=STATUSES, filters=request.args, error=error, form=form or {},
        created=created), status


@pages.get("/admin/webhooks")
@requires("webhooks.manage")
def webhooks_page():
    return _page()


@pages.post("/admin/webhooks")
@requires("webhooks.manage")
def create_webhook_page():
    form = request.form
    events = form.getlist("events") + [
        name.strip() for name in form.get("custom_events", "").split(",") if name.strip()]
    name, url = form.get("name", "").strip(), form.get("url", "").strip()
    kept = {"name": name, "url": url, "events": events,
            "custom_events": form.get("custom_events", "")}
    try:
        check_may_subscribe()
    except Problem as problem:
        return _page(error=problem.detail, form=kept, status=problem.status)
    try:
        if not name:
            raise Problem(422, gettext("Name: give the receiving system a name."))
        check_url(url)
        if not events:
            raise Problem(422, gettext("Events: choose at least one event."))
        check_events(events)
    except Problem as problem:
        return _page(error=problem.detail, form=kept, status=422)
    session = db_session()
    now = utcnow()
    subscription = WebhookSubscription(name=name[:200], url=url[:500], events=events,
                                       secret=new_secret(), active=True, created_at=now,
                                       updated_at=now, seen_as=sorted(roles_of_request()))
    session.add(subscription)
    session.flush()
    audit.record(session, current_actor(), "webhook.created", "webhook_subscription",
                 subscription.id, url=subscription.url, events=events)
    session.commit()
    # The secret is shown on this answer only, never put in the session cookie.
    return _page(created=subscription, status=201)


def _subscription(subscription_id: int) -> WebhookSubscription:
    found = db_session().get(WebhookSubscription, subscription_id)
    if found is None:
        abort(404)
    return found


@pages.post("/admin/webhooks/<int:subscription_id>/active")
@requires("webhooks.manage")
def switch_webhook_page(subscription_id: int):
    try:
        check_may_subscribe()
    except Problem as problem:
        flash(problem.detail, "error")
        return redirect(url_for("pages.webhooks_page"))
    session = db_session()
    subscription = _subscription(subscription_id)
    subscription.active = request.form.get("active") == "1"
    subscription.updated_at = utcnow()
    if subscription.active:
        # Switched on by someone who sees every order: it is now seen as their roles.
        # Switched off, it keeps the roles it was seen as and any reason it was paused.
        subscription.seen_as = sorted(roles_of_request())
        subscription.paused_reason = None
    audit.record(session, current_actor(), "webhook.changed", "webhook_subscription",
                 subscription.id, changed=["active"])
    session.commit()
    flash(gettext("%(name)s is switched on.", name=subscription.name) if subscription.active
          else gettext("%(name)s is switched off.", name=subscription.name))
    return redirect(url_for("pages.webhooks_page"))


@pages.post("/admin/webhooks/deliveries/<int:delivery_id>/resend")
@requires("webhooks.manage")
def resend_webhook_page(delivery_id: int):
    delivery = db_session().get(WebhookDelivery, delivery_id)
    if delivery is None:
        abort(404)
    try:
        resend_delivery(delivery)
    except Problem as problem:
        flash(problem.detail, "error")
    else:
        flash(gettext("Delivery %(id)s (%(event)s) is being sent again with the same "
                      "Idempotency-Key.", id=delivery_id, event=delivery.event_type))
    return redirect(url_for("pages.webhooks_page", **request.args))
