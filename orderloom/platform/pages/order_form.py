"""Entering and changing orders through their configured form.

A new order uses the latest published version of its type; an edit uses the order's
own (pinned) version. The page is rendered here; static/order_form.js reads it,
recalculates the computed fields as you type with static/formula.js (each formula
sent already checked and parsed, see orderloom.dsl.ast_json), shows visibility and
validation in place, and saves through the orders API (POST /api/v1/orders, PATCH
/api/v1/orders/<number> with If-Match). The server recomputes on save and is the one
that decides: its problems come back as problem+json pointers shown by their field.
"""
from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext
from sqlalchemy import select

from orderloom.designer import type_access
from orderloom.designer.blueprint import Blueprint, money_places
from orderloom.designer.dependencies import computed_order
from orderloom.designer.field_access import FieldAccess, field_access
from orderloom.designer.form import line_fields, order_fields
from orderloom.designer.models import OrderType
from orderloom.designer.published import blueprint_for
from orderloom.dsl.ast_json import to_ast_json
from orderloom.platform.auth import csrf_token, current_user, requires
from orderloom.platform.database import db_session
from orderloom.platform.field_sight import access_to, roles_of_request, seen_data
from orderloom.platform.lookups import order_or_404
from orderloom.platform.pages import pages
from orderloom.platform.pages.order_view import Labels, label, language
from orderloom.platform.problems import Problem
from orderloom.platform.refusals import refusal_text
from orderloom.runtime import business_calendar
from orderloom.runtime.channels.hand_entry import MANUAL
from orderloom.runtime.engine import edits as order_edits
from orderloom.runtime.order_edits import refusals as edit_refusals

ADDRESS_PARTS = ("country", "province", "city", "district", "street", "postcode")
CUSTOMER_PARTS = ("code", "name", "tier", "email", "phone")
PART_LABELS = {"country": {"en": "Country", "zh": "国家"},
               "province": {"en": "Province", "zh": "省份"}, "city": {"en": "City", "zh": "城市"},
               "district": {"en": "District", "zh": "区县"},
               "street": {"en": "Street", "zh": "街道"},
               "postcode": {"en": "Postcode", "zh": "邮编"}, "code": {"en": "Code", "zh": "编号"},
               "name": {"en": "Name", "zh": "名称"}, "tier": {"en": "Tier", "zh": "等级"},
               "email": {"en": "Email", "zh": "邮箱"}, "phone": {"en": "Phone", "zh": "电话"}}


def _field(spec: dict[str, Any], scope: dict[str, Any], places: int, lang: str,
           locked: dict[str, str]) -> dict[str, Any]:
    """One field as the page and its script need it, formulas as checked JSON."""
    kind = spec["type"]
    view: dict[str, Any] = {
        "key": spec["key"], "type": kind, "label": label(spec.get("label"), lang, spec["key"]),
        "help": label(spec.get("help"), lang, ""), "required": bool(spec.get("required")),
        "options": [{"value": o["value"], "label": label(o.get("label"), lang, o["value"])}
                    for o in spec.get("options", [])],
        "min": spec.get("min"), "max": spec.get("max"),
        "currency": spec.get("currency"), "locked": locked.get(spec["key"]),
        "meaning": spec.get("meaning"),
    }
    if kind == "computed":
        view["result_type"] = spec["result_type"]
        view["formula"] = to_ast_json(spec["formula"], scope, spec["result_type"],
                                      money_places=places)
    if spec.get("visible_when"):
        view["visible"] = to_ast_json(spec["visible_when"], scope, "boolean",
                                      money_places=places)
    if "validation" in spec:
        view["validation"] = {
            "formula": to_ast_json(spec["validation"]["formula"], scope, "boolean",
                                   money_places=places),
            "message": label(spec["validation"]["message"], lang, "is not valid")}
    if kind == "address":
        view["parts"] = [(p, label(PART_LABELS[p], lang)) for p in ADDRESS_PARTS]
    if kind == "customer":
        view["parts"] = [(p, label(PART_LABELS[p], lang)) for p in CUSTOMER_PARTS]
    return view


def form_spec(blueprint: Blueprint, lang: str, locked: dict[str, str] | None = None,
              access: FieldAccess | None = None) -> dict[str, Any]:
    """The form as its page needs it; ``access`` leaves out the fields the person may
    not see and locks those they may not change."""
    definition = blueprint.definition
    fields = order_fields(definition)
    places = money_places(definition.get("currency"))
    access = access or FieldAccess()
    not_yours = gettext("your role may not change this field")
    locked = {**{k: not_yours for k in access.read_only}, **(locked or {})}
    views = []
    whole = {f["key"]: f for f in definition["form"]["fields"]}
    for spec in access.without_hidden(definition)["form"]["fields"]:
        view = _field(spec, fields, places, lang, locked)
        if spec["type"] == "line_items":
            # Formulas of a line still read the columns the person does not see.
            scope = line_fields(definition, whole[spec["key"]])
            fixed = {k: not_yours for k in access.read_only_columns.get(spec["key"], ())}
            view["columns"] = [_field(sub, scope, places, lang, fixed)
                               for sub in spec["fields"]]
        views.append(view)
    return {"fields": views, "computed_order": computed_order(definition) or [],
            "currency": definition.get("currency", ""), "money_places": places}


def sections(spec: dict[str, Any], blueprint: Blueprint, lang: str) -> list[dict[str, Any]]:
    """The fields in the form's layout; fields the layout does not place come last."""
    by_key = {f["key"]: f for f in spec["fields"]}
    found, placed = [], set()
    for section in blueprint.definition["form"].get("layout", []):
        keys = [k for k in section.get("fields", []) if k in by_key]
        placed.update(keys)
        if keys:
            found.append({"title": label(section.get("title"), lang, ""),
                          "columns": int(section.get("columns", 1)),
                          "fields": [by_key[k] for k in keys]})
    rest = [f for f in spec["fields"] if f["key"] not in placed]
    if rest:
        found.append({"title": gettext("Other fields") if found else "", "columns": 1,
                      "fields": rest})
    return found


def _render(blueprint: Blueprint, lang: str, *, title: str, mode: str, data: dict[str, Any],
            order_type: str, number: str | None = None, revision: int | None = None,
            locked: dict[str, str] | None = None, access: FieldAccess | None = None,
            channel: str = MANUAL, priced_on: str | None = None):
    spec = form_spec(blueprint, lang, locked, access)
    page = {**spec, "mode": mode, "order_type": order_type, "number": number,
            "revision": revision, "data": data,
            "save_url": (url_for("api.create_order") if mode == "create"
                         else url_for("api.edit_order", number=number)),
            "order_url": url_for("pages.order_detail", number="NUMBER"),
            "csrf": csrf_token(),
            # What a computed field's "—" says when hovered, in the page's language.
            "words": {"server_only": gettext("%(function)s is worked out by the server; its "
                                             "value shows once the order is saved"),
                      "not_yet": gettext("Cannot be calculated yet: %(why)s")},
            # WORKDAY, NETWORKDAYS, HOUR and MINUTE preview with the calendar (and its
            # time zone) the server saves with.
            "calendar": {**business_calendar.schedule(db_session()).as_json(),
                         "time_zone": business_calendar.time_zone()},
            # Known customers fill in their details when their code is typed.
            "customer_url": (url_for("api.get_customer", code="CODE")
                             if current_user().can("customers.view") else None),
            # The product picker and the customer search, for those who may read them.
            "products_url": (url_for("api.search_products")
                             if current_user().can("inventory.view") else None),
            # The price a picked product's line gets, as the server fills it on save.
            "unit_price_url": (url_for("api.get_unit_price", sku="SKU")
                               if current_user().can("orders.view") else None),
            # An edited order is priced for its own channel and day, as the server does.
            "currency": blueprint.currency, "channel": channel, "priced_on": priced_on,
            "customers_url": (url_for("api.list_customers")
                              if current_user().can("customers.view") else None)}
    return render_template("orders/form.html", title=title, names=Labels(blueprint, lang),
                           sections=sections(spec, blueprint, lang), mode=mode,
                           number=number, spec=page)


def _defaults(blueprint: Blueprint) -> dict[str, Any]:
    return {f["key"]: f["default"] for f in blueprint.definition["form"]["fields"]
            if "default" in f and f["type"] != "computed"}


@pages.get("/orders/new")
@requires("orders.create")
def new_order_choice():
    session = db_session()
    lang = language()
    user = current_user()
    # Only the types whose access lets this person enter orders (type_access.py).
    types = [(t, Labels(blueprint_for(t.latest), lang))
             for t in session.scalars(select(OrderType).order_by(OrderType.key))
             if t.latest is not None and type_access.allows(
                 blueprint_for(t.latest).definition, "create", user.role_names, user.username)]
    if len(types) == 1:
        return redirect(url_for("pages.new_order", key=types[0][0].key))
    return render_template("orders/new.html", types=types)


@pages.get("/orders/new/<key>")
@requires("orders.create")
def new_order(key: str):
    session = db_session()
    order_type = session.scalar(select(OrderType).where(OrderType.key == key))
    if order_type is None or order_type.latest is None:
        raise Problem(404, f"there is no published order type {key!r}")
    lang = language()
    blueprint = blueprint_for(order_type.latest)
    user = current_user()
    if not type_access.allows(blueprint.definition, "see", user.role_names, user.username):
        raise Problem(404, f"there is no published order type {key!r}")
    if not type_access.allows(blueprint.definition, "create", user.role_names, user.username):
        raise Problem(403, type_access.refusal("create", key))
    access = field_access(blueprint.definition, roles_of_request())
    title = gettext("New %(order_type)s", order_type=Labels(blueprint, lang).name)
    return _render(blueprint, lang, title=title, mode="create",
                   data=access.visible(_defaults(blueprint)), order_type=key, access=access)


@pages.get("/orders/<number>/edit")
@requires("orders.edit")
def edit_order_page(number: str):
    order = order_or_404(number)
    lang = language()
    blueprint = blueprint_for(order.version)
    refused = edit_refusals.refusal(db_session(), order, blueprint)
    if refused is not None:
        # Finished, shipped, or picking has started (runtime/order_edits/refusals.py).
        flash(gettext("This order can no longer be edited: %(reason)s.",
                      reason=refusal_text(refused)), "error")
        return redirect(url_for("pages.order_detail", number=number))
    return _render(blueprint, lang, title=gettext("Edit order %(number)s", number=number),
                   mode="edit", data=seen_data(order), order_type=order.order_type.key,
                   number=number, revision=order.revision, locked=order_edits.locked_fields(
                       order, calendar=business_calendar.formula_calendar(db_session())),
                   access=access_to(order.version), channel=order.channel,
                   priced_on=business_calendar.instance_date(order.created_at).isoformat())
