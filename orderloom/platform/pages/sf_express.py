"""The SF Express page for administrators: set up SF carriers with the account
details 丰桥 gives (partner ID, check word, monthly account, environment) and test
the connection. The check word goes in and never comes back out."""
from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from jsonschema import Draft202012Validator
from sqlalchemy import select

from orderloom.db import utcnow
from orderloom.platform.auth import current_actor, requires
from orderloom.platform.database import db_session
from orderloom.platform.pages import pages
from orderloom.runtime import audit
from orderloom.runtime.channels import sealing
from orderloom.runtime.shipping.carriers import UnknownCarrier, adapter_for, sf_express
from orderloom.runtime.shipping.carriers.base import CarrierError
from orderloom.runtime.shipping.models import CODE_PATTERN, LOCAL, Carrier, find_carrier, new_secret

CONFIG = Draft202012Validator(sf_express.CONFIG_SCHEMA)
# The form's fields, in the words 丰桥 uses, for the messages of a refused form.
CAPTIONS = {"partner_id": "Partner ID (顾客编码)", "check_word": "Check word (校验码)",
            "monthly_account": "Monthly account (月结卡号)", "environment": "Environment",
            "express_type": "Product (expressTypeId)"}


def _page(form: dict[str, Any] | None = None, errors: list[str] | None = None,
          status: int = 200):
    carriers = list(db_session().scalars(select(Carrier).where(
        Carrier.kind == sf_express.KIND).order_by(Carrier.code)))
    return render_template("carriers/sf_express.html", carriers=carriers, form=form or {},
                           errors=errors or [], types=sf_express.EXPRESS_TYPES), status


@pages.get("/admin/carriers/sf-express")
@requires("carriers.manage")
def sf_express_page():
    return _page()


def _config(form: dict[str, Any], stored: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
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
        what = "is required" if error.validator == "required" else "is not valid here"
        errors.append(f"{CAPTIONS.get(member, member)} {what}.")
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
        return _page(kept_form, ["Code: lower-case letters, digits, - and _, starting with "
                                 "a letter (not 'local')."], 422)
    if carrier is not None and carrier.kind != sf_express.KIND:
        return _page(kept_form, [f"Code: {code!r} is another kind of carrier."], 422)
    config, errors = _config(request.form, carrier.config if carrier else {})
    if errors:
        return _page(kept_form, errors, 422)
    if not sealing.is_sealed(config["check_word"]):
        config["check_word"] = sealing.seal(current_app.config["SECRET_KEY"],
                                            config["check_word"])
    now = utcnow()
    if carrier is None:
        carrier = Carrier(code=code, name=name, kind=sf_express.KIND, config=config,
                          webhook_secret=new_secret(), poll_interval_seconds=0, active=True,
                          created_at=now, updated_at=now)
        session.add(carrier)
        session.flush()
        audit.record(session, current_actor(), "carrier.created", "carrier", code)
    else:
        carrier.name, carrier.config, carrier.updated_at = name, config, now
        audit.record(session, current_actor(), "carrier.changed", "carrier", code,
                     members=["name", "config"])
    session.commit()
    flash(f"SF Express carrier {code} saved.")
    return redirect(url_for("pages.sf_express_page"))


@pages.post("/admin/carriers/sf-express/<code>/test")
@requires("carriers.manage")
def test_sf_express_page(code: str):
    session = db_session()
    try:
        adapter = adapter_for(session, code, current_app.config["SECRET_KEY"])
        said = adapter.test_connection()
    except (UnknownCarrier, CarrierError, AttributeError) as error:
        flash(f"The connection test of {code} failed: {error}", "error")
    else:
        flash(said + ".")
    return redirect(url_for("pages.sf_express_page"))
