"""The SF Express page for administrators: set up SF carriers with the account
details 丰桥 gives (partner ID, check word, monthly account, environment) and test
the connection. The carrier is one of the registry's kinds: its settings are checked
with the kind's config schema and the check word is sealed in the carrier's
credentials like every kind's secrets; it goes in and never comes back out. The
carriers page links here."""
from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext
from jsonschema import Draft202012Validator
from sqlalchemy import select

from orderloom.db import utcnow
from orderloom.platform.api.shipments import connection_test, sealed_config, stored_secrets
from orderloom.platform.auth import current_actor, requires
from orderloom.platform.database import db_session
from orderloom.platform.pages import pages
from orderloom.runtime import audit
from orderloom.runtime.shipping.carriers import kind_of, sf_express
from orderloom.runtime.shipping.models import CODE_PATTERN, LOCAL, Carrier, find_carrier, new_secret

SF = kind_of(sf_express.KIND.kind) or sf_express.KIND
CONFIG = Draft202012Validator(SF.config_schema)
# The form's fields, in the words 丰桥 uses, for the messages of a refused form.
CAPTIONS = {"partner_id": lazy_gettext("Partner ID (顾客编码)"),
            "check_word": lazy_gettext("Check word (校验码)"),
            "monthly_account": lazy_gettext("Monthly account (月结卡号)"),
            "environment": lazy_gettext("Environment"),
            "express_type": lazy_gettext("Product (expressTypeId)")}


def _page(form: dict[str, Any] | None = None, errors: list[str] | None = None,
          status: int = 200):
    carriers = list(db_session().scalars(select(Carrier).where(
        Carrier.kind == SF.kind).order_by(Carrier.code)))
    return render_template("carriers/sf_express.html", carriers=carriers, form=form or {},
                           errors=errors or [], types=sf_express.EXPRESS_TYPES), status


@pages.get("/admin/carriers/sf-express")
@requires("carriers.manage")
def sf_express_page():
    return _page()


def _config(form: dict[str, Any], stored: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The carrier's config from the form; ``stored``: its config now, secrets opened."""
    config: dict[str, Any] = {k: form.get(k, "").strip() for k in
                              ("partner_id", "monthly_account", "environment")}
    word = form.get("check_word", "")
    if word:
        config["check_word"] = word
    elif stored.get("check_word") and \
            stored.get("environment", "sandbox") == config["environment"]:
        # Left empty: kept, unless the environment changed (each has its own word).
        config["check_word"] = stored["check_word"]
    for kept in ("url", "sender", "cargo"):
        if kept in stored:
            config[kept] = stored[kept]
    product = form.get("express_type", "").strip()
    config["express_type"] = int(product) if product.isdigit() else product or 2
    errors = []
    for error in sorted(CONFIG.iter_errors(config), key=lambda e: list(e.path)):
        member = error.path[0] if error.path else (error.message.split("'")[1]
                                                    if "'" in error.message else "")
        caption = CAPTIONS.get(member, member)
        errors.append(gettext("%(field)s is required.", field=caption)
                      if error.validator == "required"
                      else gettext("%(field)s is not valid here.", field=caption))
    return config, errors


@pages.post("/admin/carriers/sf-express")
@requires("carriers.manage")
def save_sf_express_page():
    session = db_session()
    code = request.form.get("code", "").strip()
    name = request.form.get("name", "").strip() or "SF Express"
    carrier = find_carrier(session, code)
    kept_form = {k: v for k, v in request.form.items() if k != "check_word"}
    if not CODE_PATTERN.match(code) or code == LOCAL:
        return _page(kept_form, [gettext("Code: lower-case letters, digits, - and _, "
                                         "starting with a letter (not 'local').")], 422)
    if carrier is not None and carrier.kind != SF.kind:
        return _page(kept_form, [gettext("Code: “%(code)s” is another kind of carrier.",
                                         code=code)], 422)
    stored = {**(carrier.config or {}), **stored_secrets(carrier, SF)} if carrier else {}
    config, errors = _config(request.form, stored)
    if errors:
        return _page(kept_form, errors, 422)
    config, credentials = sealed_config(SF, config)
    now = utcnow()
    if carrier is None:
        carrier = Carrier(code=code, name=name, kind=SF.kind, config=config,
                          credentials=credentials, webhook_secret=new_secret(),
                          poll_interval_seconds=0, active=True, created_at=now,
                          updated_at=now)
        session.add(carrier)
        session.flush()
        audit.record(session, current_actor(), "carrier.created", "carrier", code)
    else:
        carrier.name, carrier.config, carrier.credentials = name, config, credentials
        carrier.updated_at = now
        audit.record(session, current_actor(), "carrier.changed", "carrier", code,
                     members=["name", "config"])
    session.commit()
    flash(gettext("SF Express carrier %(code)s saved.", code=code))
    return redirect(url_for("pages.sf_express_page"))


@pages.post("/admin/carriers/sf-express/<code>/test")
@requires("carriers.manage")
def test_sf_express_page(code: str):
    carrier = find_carrier(db_session(), code)
    if carrier is None or carrier.kind != SF.kind:
        flash(gettext("There is no SF Express carrier %(code)s.", code=code), "error")
        return redirect(url_for("pages.sf_express_page"))
    outcome = connection_test(carrier)
    if outcome["ok"]:
        flash(outcome["detail"] + ".")
    else:
        flash(gettext("The connection test of %(code)s failed: %(reason)s", code=code,
                      reason=outcome["detail"]), "error")
    return redirect(url_for("pages.sf_express_page"))
