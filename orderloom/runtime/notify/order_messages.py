"""The ``notify`` job: tell people about an order, in the app and by mail.

In-app notifications are rows written in the job's transaction, so they appear
exactly once. Mail is sent last, just before that transaction commits: a
worker that dies between the two leaves the job to be run again, and the mail
is then sent a second time (at least once, never lost). Users and roles have no
mail address in Orderloom, so they are notified in the app only; the customer,
who has no account, by mail to the order's ``customer.email``.
"""
from __future__ import annotations

import logging
from typing import Any

from jinja2 import TemplateError, TemplateSyntaxError
from jinja2.sandbox import SecurityError
from sqlalchemy import column, select, table
from sqlalchemy.orm import Session

from orderloom.runtime import template_sandbox
from orderloom.runtime.errors import OrderError
from orderloom.runtime.jobs.models import Job, register_handler
from orderloom.runtime.notify.in_app import Notification
from orderloom.runtime.notify.mail import send_mail
from orderloom.runtime.orders.models import Order  # noqa: F401 (Notification's foreign key names it)
from orderloom.runtime.shipping.models import tracking_codes

log = logging.getLogger(__name__)

# Plain-text mail and notification text: nothing is HTML, so nothing to escape.
# The sandbox keeps a designer's template from reaching Python internals or changing
# the order, and its budget (runtime/template_sandbox.py) from holding the worker.
_TEMPLATES = template_sandbox.BudgetedEnvironment(autoescape=False)
TITLE_LENGTH = 300
MAX_MESSAGE = 100_000  # characters of one rendered subject or body

# The accounts live in the platform layer, which the runtime does not import;
# only the columns needed to find a user by name are named here.
_users = table("users", column("id"), column("username"), column("active"))


class MessageTemplateProblem(OrderError):
    """A notify action's subject or body that cannot be rendered, and why."""


def render(source: str, order: dict[str, Any], part: str = "template") -> str:
    """The message; MessageTemplateProblem naming the part and line when the template
    fails, or asks for more time, work or text than one message may have."""
    name = f"<notify {part}>"
    try:
        template = template_sandbox.compiled(_TEMPLATES, source, name)
        budget = template_sandbox.Budget(output=MAX_MESSAGE)
        return template_sandbox.render(template, {"order": order}, budget)
    except (SecurityError, TemplateError, ArithmeticError, TypeError, ValueError,
            LookupError, AttributeError, RecursionError, MemoryError) as error:
        line = template_sandbox.template_line(error, name)
        where = f"the notify action's {part}" + (f", line {line}" if line else "")
        if isinstance(error, TemplateSyntaxError):
            what = f"the template is not valid Jinja2: {error.message}"
        elif isinstance(error, SecurityError):
            what = str(error)
        else:
            what = f"{type(error).__name__}: {error}"
        raise MessageTemplateProblem(f"{where}: {what}") from None


def _user_ids(session: Session, usernames: list[str]) -> dict[str, int]:
    if not usernames:
        return {}
    rows = session.execute(select(_users.c.username, _users.c.id)
                           .where(_users.c.username.in_(usernames), _users.c.active.is_(True)))
    return {name: user_id for name, user_id in rows}


def customer_email(order: dict[str, Any]) -> str | None:
    customer = (order.get("data") or {}).get("customer")
    email = customer.get("email") if isinstance(customer, dict) else None
    return email.strip() if isinstance(email, str) and "@" in email else None


def tracking_links(session: Session, order_id: int | None,
                   public_url: str | None = None) -> list[str]:
    """The links to the public tracking page of the order's parcels: by each parcel's
    unguessable token, never by its tracking number (which can be guessed). They start
    with ``public_url``, where customers reach this instance (the setting
    ORDERLOOM_PUBLIC_URL, docs/logistics.md); without it they are paths (``/track/...``)."""
    if order_id is None:
        return []
    base = (public_url or "").rstrip("/")
    return [f"{base}/track/{code}" for code in tracking_codes(session, order_id)]


def run_notify(session: Session, job: Job, runner: Any) -> None:
    action = job.payload["action"]
    # Read when the message is sent: the parcels booked by the same transition are known.
    order = {**job.payload["order"], "tracking_links": tracking_links(
        session, job.order_id, runner.public_url)}
    to = action.get("to", {})
    subject = render(action.get("subject") or "Order {{ order.number }}", order,
                     "subject").strip()
    subject = " ".join(subject.split())[:TITLE_LENGTH]  # one line: it is a mail header
    body = render(action["template"], order)

    for role in to.get("roles", []):
        session.add(Notification(role=role, order_id=job.order_id, title=subject, body=body))
    found = _user_ids(session, to.get("users", []))
    for name in to.get("users", []):
        if name in found:
            session.add(Notification(user_id=found[name], order_id=job.order_id,
                                     title=subject, body=body))
        else:
            log.warning("notify job %s: there is no active user %r; skipped", job.id, name)
    session.flush()

    if to.get("customer"):
        email = customer_email(order)
        if email is None:
            log.info("notify job %s: order %s has no customer email; no mail sent",
                     job.id, order.get("number"))
        elif runner.smtp is None:
            log.info("notify job %s: ORDERLOOM_SMTP_HOST is not set; no mail sent", job.id)
        else:
            send_mail(runner.smtp, [email], subject, body)


register_handler("notify", run_notify)
