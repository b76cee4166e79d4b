"""Setting data permissions: a role's row rule, and the channels, warehouses and team
of a user that the rules measure orders against (platform/row_access.py reads them).

Every function takes a session, leaves the commit to its caller and puts the change
on the audit trail.
"""
from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from orderloom.platform.accounts import AccountError
from orderloom.platform.models import Role, User
from orderloom.platform.permissions import EVERY_ORDER, ROW_RULES
from orderloom.platform.row_access import sees_every_order
from orderloom.runtime import audit
from orderloom.runtime.audit import Actor
from orderloom.runtime.channels.hand_entry import MANUAL
from orderloom.runtime.channels.models import Channel
from orderloom.runtime.notify.webhooks import WebhookSubscription
from orderloom.runtime.stock.catalog import Warehouse

TEAM_PATTERN = re.compile(r"^[\w .&-]{1,63}$")
MAX_ENTRIES = 200
# Why a subscription was switched off (the API's paused_reason; the Webhooks page says
# it in the reader's language).
NARROW_SUBSCRIPTION = (
    "paused: it is seen as roles whose row rules do not show every order, so its events "
    "could tell of orders hidden from them; someone who sees every order may switch it on "
    "again, as their own roles")


def check_may_change_scopes(session: Session, actor: Actor) -> None:
    """Only someone who sees every order may change who sees which: anyone else could
    widen their own view (give their role ``all``, add a channel to themselves)."""
    if actor.user_id is None:
        return  # the operator's command line and the system act for the instance
    person = session.get(User, actor.user_id)
    if person is None or not sees_every_order(person):
        raise AccountError("", "only someone who sees every order may change row rules, "
                               "channels, warehouses or teams", status=403)


def set_row_rule(session: Session, actor: Actor, role: Role, rule: str) -> None:
    if rule not in ROW_RULES:
        raise AccountError("row_rule", f"there is no row rule {rule!r}; use one of "
                                       f"{', '.join(ROW_RULES)}")
    check_may_change_scopes(session, actor)
    before = role.row_rule
    if before == rule:
        return
    role.row_rule = rule
    audit.record(session, actor, "role.row_rule_changed", "role", role.id, name=role.name,
                 before=before, after=rule)
    pause_narrow_subscriptions(session, actor)


def pause_narrow_subscriptions(session: Session, actor: Actor) -> list[WebhookSubscription]:
    """Switch off, with the reason, every active subscription seen only as roles whose
    row rules hide some orders: a subscription is told of every order's events, and
    filtering them by a rule such as ``mine`` would need the person, whom a
    subscription does not keep. Someone who sees every order switches it on again."""
    session.flush()
    every = set(session.scalars(select(Role.name).where(Role.row_rule == EVERY_ORDER)))
    paused = []
    # Those from before fields had access have no seen_as and are seen as the instance.
    for subscription in session.scalars(select(WebhookSubscription).where(
            WebhookSubscription.active.is_(True))):
        if subscription.seen_as is not None and every.isdisjoint(subscription.seen_as):
            subscription.active = False
            subscription.paused_reason = NARROW_SUBSCRIPTION
            audit.record(session, actor, "webhook.paused", "webhook_subscription",
                         subscription.id, reason=NARROW_SUBSCRIPTION,
                         seen_as=subscription.seen_as)
            paused.append(subscription)
    return paused


def set_scope(session: Session, actor: Actor, user: User, *,
              channels: list[str] | None = None, warehouses: list[str] | None = None,
              team: str | None = None, clear_team: bool = False) -> None:
    """Change what of ``user`` the row rules read; None leaves a part as it is, an
    empty list clears it. Every channel and warehouse named must exist."""
    check_may_change_scopes(session, actor)
    before = scope_of(user)
    if channels is not None:
        known = set(session.scalars(select(Channel.key).where(Channel.key.in_(channels))))
        _check_known("channels", channels, known | {MANUAL}, "channel")
        user.channels = sorted(set(channels))
    if warehouses is not None:
        known = set(session.scalars(select(Warehouse.code)
                                    .where(Warehouse.code.in_(warehouses))))
        _check_known("warehouses", warehouses, known, "warehouse")
        user.warehouses = sorted(set(warehouses))
    if clear_team:
        user.team = None
    elif team is not None:
        if not TEAM_PATTERN.match(team.strip()):
            raise AccountError("team", "use 1 to 63 letters, digits, spaces or . & - _")
        user.team = team.strip()
    after = scope_of(user)
    if after != before:
        audit.record(session, actor, "user.scope_changed", "user", user.id,
                     before=before, after=after)


def scope_of(user: User) -> dict[str, object]:
    return {"channels": list(user.channels or []), "warehouses": list(user.warehouses or []),
            "team": user.team}


def _check_known(field: str, names: list[str], known: set[str], what: str) -> None:
    if len(names) > MAX_ENTRIES:
        raise AccountError(field, f"name at most {MAX_ENTRIES}")
    for index, name in enumerate(names):
        if name not in known:
            raise AccountError(f"{field}/{index}", f"there is no {what} {name!r}")
