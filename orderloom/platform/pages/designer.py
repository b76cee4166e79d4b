"""The designer's pages: the list of order types (create, duplicate, import, export)
and the editor, where a business user builds the form, the workflow, the rules, the
routing and the print templates, tries them on a sample order and publishes.

The editor is one server-rendered page holding the draft; small JS modules under
static/designer/ edit it in the browser and talk to the definitions API
(/api/v1/order-types/...) with the session cookie and the CSRF token.
"""
from __future__ import annotations

import copy
import json
import re
from dataclasses import replace

from flask import flash, redirect, render_template, request, session, url_for
from sqlalchemy import select

from orderloom.designer import actions, exchange, state_categories, versions
from orderloom.designer.form import LINE_MEANINGS, ORDER_MEANINGS
from orderloom.designer.models import OrderType
from orderloom.designer.problems import DefinitionError
from orderloom.platform.api.designer_preview import problems_as_typed
from orderloom.platform.auth import current_actor, current_user, requires
from orderloom.platform.database import db_session
from orderloom.platform.design import my_design_context
from orderloom.platform.pages import pages
from orderloom.platform.pages.designer_text import LANGUAGES, text_for
from orderloom.platform.pages.order_view import label
from orderloom.platform.pages.order_view import language as browser_language
from orderloom.platform.problem_words import problem_text, problems_json
from orderloom.platform.row_access import find_type, sees_type
from orderloom.runtime import audit

KEY = re.compile(r"^[a-z][a-z0-9_]*$")
MAX_IMPORT_BYTES = 5 * 1024 * 1024


def designer_language() -> str:
    """?lang=zh or ?lang=en switches and is remembered; else the browser's preference."""
    chosen = request.args.get("lang")
    if chosen in LANGUAGES:
        session["designer_lang"] = chosen
    return session.get("designer_lang") or browser_language()


def starter(key: str, name_en: str, name_zh: str) -> dict:
    """A new order type that can be published as it is: one field, one section and a
    two-state workflow, so the user starts from something that works."""
    name = {k: v for k, v in (("en", name_en), ("zh", name_zh)) if v}
    return {
        "key": key,
        "name": name or {"en": key},
        "number_prefix": key[:3].upper(),
        "currency": "CNY",
        "form": {
            "fields": [{"key": "customer_name", "type": "text", "required": True,
                        "label": {"en": "Customer name", "zh": "客户名称"}}],
            "layout": [{"title": {"en": "Order", "zh": "订单"}, "columns": 2,
                        "fields": ["customer_name"]}],
        },
        "workflow": {
            "states": [{"key": "draft", "kind": "start", "category": "open",
                        "label": {"en": "Draft", "zh": "草稿"}},
                       {"key": "done", "kind": "terminal", "category": "fulfilled",
                        "label": {"en": "Done", "zh": "完成"}}],
            "transitions": [{"key": "complete", "from": ["draft"], "to": "done",
                             "label": {"en": "Complete", "zh": "完成"}}],
        },
    }


def _key_error(key: str, t: dict[str, str]) -> str | None:
    if not KEY.match(key):
        return t["key_rule"]
    if versions.find(db_session(), key) is not None:
        return t["key_taken"].format(key=key)
    return None


@pages.get("/designer")
@requires("definitions.view")
def designer_list():
    lang = designer_language()
    t = text_for(lang)
    rows = []
    user = current_user()
    for order_type in db_session().scalars(select(OrderType).order_by(OrderType.key)):
        if not sees_type(user, order_type):
            continue
        latest = order_type.latest
        rows.append({
            "key": order_type.key,
            "name": label(order_type.draft.get("name"), lang, order_type.key),
            "version": latest.number if latest else None,
            "unpublished": latest is None or latest.definition != order_type.draft,
            "saved_at": order_type.draft_saved_at,
        })
    return render_template("designer/list.html", rows=rows, t=t, lang=lang,
                           can_edit=user.can("definitions.edit"),
                           can_publish=user.can("definitions.publish"))


@pages.post("/designer/new")
@requires("definitions.edit")
def designer_create():
    t = text_for(designer_language())
    key = request.form.get("key", "").strip()
    problem = _key_error(key, t)
    if problem:
        flash(problem, "error")
        return redirect(url_for("pages.designer_list"))
    definition = starter(key, request.form.get("name_en", "").strip(),
                         request.form.get("name_zh", "").strip())
    return _store_new(definition, t["created"].format(key=key))


def _store_new(definition: dict, message: str):
    db = db_session()
    actor = current_actor()
    order_type, _problems = versions.create(db, actor.name, definition, my_design_context(db))
    audit.record(db, actor, "order_type.created", "order_type", order_type.key)
    db.commit()
    flash(message)
    return redirect(url_for("pages.designer_edit", key=order_type.key))


@pages.post("/designer/<key>/duplicate")
@requires("definitions.edit")
def designer_duplicate(key: str):
    t = text_for(designer_language())
    original = find_type(db_session(), current_user(), key)
    if original is None:
        flash(t["no_such_type"].format(key=key), "error")
        return redirect(url_for("pages.designer_list"))
    new_key = request.form.get("new_key", "").strip()
    problem = _key_error(new_key, t)
    if problem:
        flash(problem, "error")
        return redirect(url_for("pages.designer_list"))
    definition = copy.deepcopy(original.draft)
    definition["key"] = new_key
    return _store_new(definition, t["duplicated"].format(key=key, new_key=new_key))


@pages.post("/designer/import")
@requires("definitions.publish")
def designer_import():
    t = text_for(designer_language())
    upload = request.files.get("package")
    raw = upload.read(MAX_IMPORT_BYTES + 1) if upload else b""
    if not raw:
        flash(t["import_no_file"], "error")
        return redirect(url_for("pages.designer_list"))
    try:
        document = json.loads(raw) if len(raw) <= MAX_IMPORT_BYTES else None
    except ValueError:
        document = None
    if not isinstance(document, dict):
        flash(t["import_not_json"], "error")
        return redirect(url_for("pages.designer_list"))
    db = db_session()
    actor = current_actor()
    try:
        report = exchange.import_package(db, actor.name, document, my_design_context(db),
                                         "rename")
    except (DefinitionError, versions.VersionConflict) as error:
        problems = getattr(error, "problems", None)
        detail = ("; ".join(str(replace(p, message=problem_text(p.code, p.message, p.values)))
                            for p in problems[:5]) if problems else str(error))
        flash(t["import_failed"].format(detail=detail), "error")
        return redirect(url_for("pages.designer_list"))
    audit.record(db, actor, "package.imported", "package", document.get("key", "-"),
                 **report.as_json())
    db.commit()
    renamed = set(report.renamed.values())
    names = ([k for k in report.created if k not in renamed] + report.replaced
             + [f"{old} → {new}" for old, new in report.renamed.items()])
    flash(t["imported"].format(names=", ".join(names) or "-"))
    return redirect(url_for("pages.designer_list"))


@pages.get("/designer/<key>")
@requires("definitions.edit")
def designer_edit(key: str):
    lang = designer_language()
    t = text_for(lang)
    db = db_session()
    order_type = find_type(db, current_user(), key)
    if order_type is None:
        flash(t["no_such_type"].format(key=key), "error")
        return redirect(url_for("pages.designer_list"))
    context = my_design_context(db)
    problems = problems_as_typed(order_type.draft, context)
    latest = order_type.latest
    boot = {
        "key": key,
        "draft": order_type.draft,
        "problems": problems_json(problems),
        "latest_version": latest.number if latest else None,
        "roles": sorted(context.roles),
        "users": sorted(context.users or []),
        "warehouses": sorted(context.warehouses or []),
        "state_categories": state_categories.for_editor(),
        # meaning -> the field types that can hold it, for the field panel's choice
        "meanings": {"order": ORDER_MEANINGS, "line": LINE_MEANINGS},
        "language": lang,
        "text": t,
        "action_types": actions.designer_list(lang),
        "can_publish": current_user().can("definitions.publish"),
        "urls": {
            "order_type": url_for("api.get_order_type", key=key),
            "draft": url_for("api.save_draft", key=key),
            "check": url_for("api.check_draft"),
            "formula_tree": url_for("api.formula_tree"),
            "simulate": url_for("api.simulate_unsaved"),
            "cover": url_for("api.cover_unsaved"),
            "replay": url_for("api.replay_draft", key=key),
            "print_preview": url_for("api.print_preview"),
            "publish": url_for("api.publish", key=key),
            "diff": url_for("api.version_diff", key=key),
            "versions": url_for("api.list_versions", key=key),
            "list": url_for("pages.designer_list"),
        },
    }
    return render_template("designer/editor.html", t=t, lang=lang, key=key,
                           name=label(order_type.draft.get("name"), lang, key),
                           boot=boot)
