"""The ``notify`` job: tell people about an order, in the app and by mail.

In-app notifications are rows written in the job's transaction, so they appear
exactly once. Mail is sent last, just before that transaction commits: a
worker that dies between the two leaves the job to be run again, and the mail
is then sent a second time (at least once, never lost). Users and roles have no
mail address in Orderloom, so they are notified in the app only; the customer,
who has no account, by mail to the order's ``customer.email``.

A message is rendered for each recipient from the order as that recipient sees it
(designer/field_access.py): a role's notification from the fields that role sees, a
person's from the fields their roles see, so a designer's template that quotes a
hidden field shows nothing of it to someone who may not see it.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from jinja2 import TemplateError, TemplateSyntaxError
from jinja2.sandbox import SecurityError
from sqlalchemy import column, select, table
from sqlalchemy.orm import Session

from orderloom.designer.blueprint import Blueprint
from orderloom.designer.field_access import FieldAccess, field_access
from orderloom.designer.models import DefinitionVersion
from orderloom.designer.published import blueprint_of
from orderloom.designer.template_reasons import render_reason, template_reason
from orderloom.runtime import template_sandbox
from orderloom.runtime.errors import OrderError
from orderloom.runtime.jobs.models import Job, register_handler
from orderloom.runtime.notify.in_app import Notification
from orderloom.runtime.notify.mail import send_mail
from orderloom.runtime.orders.models import Order
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
_roles = table("roles", column("id"), column("name"))
_user_roles = table("user_roles", column("user_id"), column("role_id"))


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
            reason = template_reason(error.message or "")
        elif isinstance(error, SecurityError):
            what, reason = str(error), {}
        else:
            what, reason = f"{type(error).__name__}: {error}", render_reason(error)
        # The part and the reason (designer/template_reasons.py) let a page say it in
        # its reader's language; ``why`` is the English it falls back to.
        code = f"notify.{part}_failed" + ("_at_line" if line else "")
        raise MessageTemplateProblem(f"{where}: {what}", code=code, line=line, why=what,
                                     **reason) from None


def _user_ids(session: Session, usernames: list[str]) -> dict[str, int]:
    if not usernames:
        return {}
    rows = session.execute(select(_users.c.username, _users.c.id)
                           .where(_users.c.username.in_(usernames), _users.c.active.is_(True)))
    return {name: user_id for name, user_id in rows}


def roles_of(session: Session, user_ids: list[int]) -> dict[int, frozenset[str]]:
    """The role names each of these users holds."""
    held: dict[int, set[str]] = {user_id: set() for user_id in user_ids}
    if user_ids:
        for user_id, name in session.execute(
                select(_user_roles.c.user_id, _roles.c.name)
                .join(_roles, _roles.c.id == _user_roles.c.role_id)
                .where(_user_roles.c.user_id.in_(user_ids))):
            held[user_id].add(name)
    return {user_id: frozenset(names) for user_id, names in held.items()}


def seen_as(order: dict[str, Any], access: FieldAccess, total_hidden: bool) -> dict[str, Any]:
    """The order a template reads, without what ``access`` hides."""
    shown = {**order, "data": access.visible(order.get("data"))}
    if total_hidden:
        shown.pop("total", None)
    return shown


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


def _blueprint_of_order(session: Session, order_id: int | None,
                        pinned: list[Any] | None = None) -> Blueprint | None:
    """The blueprint of the order's version, by its id: loading the order would load its
    version's whole definition with it, for every message. ``pinned`` is the version the
    job was written with (outbox.version_of), which spares the query; jobs written
    before it was recorded look it up."""
    if pinned is not None:
        return blueprint_of(session, pinned[0], datetime.fromisoformat(pinned[1]))
    if order_id is None:
        return None
    pinned = session.execute(
        select(DefinitionVersion.id, DefinitionVersion.published_at)
        .join(Order, Order.version_id == DefinitionVersion.id)
        .where(Order.id == order_id)).first()
    return blueprint_of(session, *pinned) if pinned is not None else None


# When the designer wrote no subject. A job knows no reader's language (a customer has
# none on record), so it says it in both, as the built-in slip and label do.
DEFAULT_SUBJECT = "Order 订单 {{ order.number }}"


def run_notify(session: Session, job: Job, runner: Any) -> None:
    action = job.payload["action"]
    order = dict(job.payload["order"])
    # Read when the message is sent: the parcels booked by the same transition are known.
    # Only for a message that shows them: most never do, and it was a query a job.
    if "tracking_links" in f"{action.get('subject') or ''}{action['template']}":
        order["tracking_links"] = tracking_links(session, job.order_id, runner.public_url)
    to = action.get("to", {})
    blueprint = _blueprint_of_order(session, job.order_id, job.payload.get("version"))

    def message(roles: frozenset[str] | None) -> tuple[str, str]:
        """Subject and body as holders of ``roles`` see the order (None: every field,
        for the customer, who has no roles and is sent what the designer wrote)."""
        shown = order
        if roles is not None and blueprint is not None:
            access = field_access(blueprint.definition, roles)
            if access.restricts:
                shown = seen_as(order, access, blueprint.total_key in access.hidden)
        subject = render(action.get("subject") or DEFAULT_SUBJECT, shown, "subject").strip()
        # One line: it is a mail header.
        return " ".join(subject.split())[:TITLE_LENGTH], render(action["template"], shown)

    # Rendered whole first: a template that cannot be rendered fails the job before
    # anyone is told anything.
    whole = message(None)
    for role in to.get("roles", []):
        subject, body = message(frozenset({role}))
        session.add(Notification(role=role, order_id=job.order_id, title=subject, body=body))
    found = _user_ids(session, to.get("users", []))
    held = roles_of(session, sorted(found.values()))
    for name in to.get("users", []):
        if name in found:
            subject, body = message(held[found[name]])
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
            send_mail(runner.smtp, [email], *whole)


register_handler("notify", run_notify)
