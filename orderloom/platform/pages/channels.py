"""The Channels page for administrators: every sales channel with the address its
store posts to, a form that asks only for what the merchant has, and each channel's
deliveries and dead letters.

Saving, testing and replaying go through the channels API from the page's script
(static/channels.js), so the page and the API refuse the same input with the same
message, placed at the input its JSON pointer names.
"""
from __future__ import annotations

from datetime import timedelta

from flask import abort, current_app, render_template, url_for
from flask_babel import lazy_gettext
from sqlalchemy import func, select

from orderloom.db import utcnow
from orderloom.designer.models import DefinitionVersion, OrderType
from orderloom.platform.auth import requires
from orderloom.platform.database import db_session
from orderloom.platform.pages import pages
from orderloom.runtime import sealing
from orderloom.runtime.channels import crm_deals, crm_updates
from orderloom.runtime.channels.marketplace_api_presets import MARKETPLACE_API_PRESETS
from orderloom.runtime.channels.marketplace_pull import marketplace_summary
from orderloom.runtime.channels.models import (
    ACCEPTED,
    CRM_KINDS,
    DEAD_LETTER,
    PUSHED_KINDS,
    STORE_KINDS,
    STORE_UPDATE_POLICIES,
    Channel,
    InboundOrder,
    find_channel,
)
from orderloom.runtime.channels.platforms import PLATFORMS
from orderloom.runtime.channels.presets import PRESETS

# Counted on the list: what arrived lately, not since the channel was made.
RECENT_DAYS = 7
SHOWN = 50

# The kinds a merchant sets up on the page; the others (rest, pos, manual) stay
# API-only and are listed with their key as their name.
KIND_WORDS = {
    "shopify": lazy_gettext("Shopify store"),
    "woocommerce": lazy_gettext("WooCommerce store"),
    "webhook": lazy_gettext("Webhook"),
    "file": lazy_gettext("File import"),
}
POLICY_WORDS = {
    "apply_until_picked": lazy_gettext("Apply the store's changes until the order is "
                                       "picked, then hold it for staff"),
    "hold": lazy_gettext("Hold every change for staff to make"),
}
CREDENTIAL_WORDS = {
    "access_token": lazy_gettext("Admin API access token"),
    "api_key": lazy_gettext("API key"),
    "api_secret": lazy_gettext("API secret key"),
    "consumer_key": lazy_gettext("Consumer key"),
    "consumer_secret": lazy_gettext("Consumer secret"),
}
STATUS_WORDS = {
    "accepted": lazy_gettext("accepted"),
    "duplicate": lazy_gettext("duplicate"),
    "dead_letter": lazy_gettext("dead letter"),
    "applied": lazy_gettext("applied"),
    "held": lazy_gettext("held"),
    "unchanged": lazy_gettext("unchanged"),
}
# The sections of docs/channels.md a channel's instructions point to.
GUIDES = {"shopify": "#shopify", "woocommerce": "#woocommerce", "webhook": "#sending-orders",
          "file": "#importing-orders-from-csv-or-excel"}


# Kinds set up by a form of their own (not the channel form's kind list).
OWN_FORM_KIND_WORDS = {
    "crm_hubspot": lazy_gettext("HubSpot CRM (won deals)"),
    "crm": lazy_gettext("CRM posting its deals"),
}


def kind_words(kind: str) -> str:
    return str(KIND_WORDS.get(kind) or OWN_FORM_KIND_WORDS.get(kind, kind))


def _endpoint(channel: Channel) -> str | None:
    if channel.kind in CRM_KINDS:
        return url_for("api.crm_deal_webhook", key=channel.key, _external=True)
    if channel.kind not in PUSHED_KINDS:
        return None
    return url_for("api.channel_orders", key=channel.key, _external=True)


def _order_types() -> list[str]:
    """Keys of the order types with a published version: a channel needs one."""
    published = select(DefinitionVersion.order_type_id).distinct()
    return list(db_session().scalars(select(OrderType.key)
                                     .where(OrderType.id.in_(published))
                                     .order_by(OrderType.key)))


def _form_choices() -> dict:
    return {
        "kinds": KIND_WORDS,
        "store_kinds": STORE_KINDS,
        "credentials": {kind: [(name, CREDENTIAL_WORDS.get(name, name))
                               for name in platform.credential_names]
                        for kind, platform in PLATFORMS.items()},
        "platform_names": {kind: platform.name for kind, platform in PLATFORMS.items()},
        "policies": [(policy, POLICY_WORDS.get(policy, policy))
                     for policy in STORE_UPDATE_POLICIES],
        "presets": {kind: [(p["key"], p["name"]) for p in PRESETS if p["kind"] == kind]
                    for kind in ("webhook", "file")},
        "order_types": _order_types(),
        "marketplace_presets": [(k, p["name"]) for k, p in MARKETPLACE_API_PRESETS.items()],
    }


@pages.get("/admin/channels")
@requires("channels.manage")
def channels_page():
    session = db_session()
    channels = list(session.scalars(select(Channel).order_by(Channel.key)))
    since = utcnow() - timedelta(days=RECENT_DAYS)
    accepted = dict(session.execute(
        select(InboundOrder.source, func.count())
        .where(InboundOrder.status == ACCEPTED, InboundOrder.received_at >= since)
        .group_by(InboundOrder.source)).all())
    # Dead letters wait however old they are, until replayed.
    dead = dict(session.execute(
        select(InboundOrder.source, func.count())
        .where(InboundOrder.status == DEAD_LETTER)
        .group_by(InboundOrder.source)).all())
    return render_template(
        "channels/index.html", channels=channels, accepted=accepted, dead=dead,
        endpoints={c.key: _endpoint(c) for c in channels}, kind_words=kind_words,
        recent_days=RECENT_DAYS, **_form_choices())


@pages.get("/admin/channels/<key>")
@requires("channels.manage")
def channel_page(key: str):
    session = db_session()
    channel = find_channel(session, key)
    if channel is None:
        abort(404)
    deliveries = list(session.scalars(
        select(InboundOrder).where(InboundOrder.source == channel.key)
        .order_by(InboundOrder.id.desc()).limit(SHOWN)))
    dead_letters = list(session.scalars(
        select(InboundOrder).where(InboundOrder.source == channel.key,
                                   InboundOrder.status == DEAD_LETTER)
        .order_by(InboundOrder.id.desc()).limit(SHOWN)))
    platform = PLATFORMS.get(channel.kind)
    credentials_set: set[str] = set()
    if platform is not None and channel.credentials:
        # Only which credentials are set is shown; their values never reach the page.
        try:
            credentials_set = set(sealing.unseal_json(current_app.config["SECRET_KEY"],
                                                      channel.credentials))
        except (sealing.SealError, ValueError):
            credentials_set = set()
    return render_template(
        "channels/view.html", channel=channel, endpoint=_endpoint(channel),
        kind_words=kind_words, deliveries=deliveries, dead_letters=dead_letters,
        status_words=STATUS_WORDS, guide=GUIDES.get(channel.kind),
        credentials_set=credentials_set, marketplace=marketplace_summary(session, channel),
        is_store=channel.kind in STORE_KINDS, crm=_crm_summary(channel), **_form_choices())


def _crm_summary(channel: Channel) -> dict | None:
    """A CRM channel's settings and latest updates told back, for its page part."""
    session = db_session()
    connection = crm_deals.connection_of(session, channel)
    if connection is None:
        return None
    return {"api_url": connection.api_url, "won_stages": connection.won_stages,
            "webhook_url": url_for("api.crm_deal_webhook", key=channel.key, _external=True),
            "updates": crm_updates.channel_attempts(session, channel.key, SHOWN)}
