"""The carriers page for administrators: the carriers set up, what each kind can do,
the address a carrier or tracking service pushes to, a connection test, and a form
that sets a carrier up from its kind's config schema (secrets as password fields,
the carriers a tracking service follows one per line)."""
from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext
from jsonschema import Draft202012Validator
from sqlalchemy import select

from orderloom.platform.api.shipments import NEW_CARRIER, connection_test, set_up_carrier
from orderloom.platform.auth import requires
from orderloom.platform.database import db_session
from orderloom.platform.pages import pages
from orderloom.platform.problems import Problem
from orderloom.runtime.shipping.carriers import base, companies, kinds
from orderloom.runtime.shipping.models import Carrier, find_carrier

_CHECK = Draft202012Validator(NEW_CARRIER)
# Kinds set up on a page of their own (their settings are more than text fields), and
# kinds set up over the API only: neither is in this page's form.
OWN_PAGES = {"sf_express": "pages.sf_express_page"}
NOT_IN_FORM = {"http", *OWN_PAGES}
ABILITIES = {base.TRACK_BY_QUERY: lazy_gettext("tracks on request"),
             base.SUBSCRIBE: lazy_gettext("pushes news"),
             base.BOOK: lazy_gettext("books parcels"),
             base.E_WAYBILL: lazy_gettext("e-waybills"),
             base.QUOTE: lazy_gettext("quotes prices")}


def ability_words(ability: str) -> str:
    """What a kind of carrier can do, in the reader's language."""
    return str(ABILITIES.get(ability, ability))


def _fields(kind: str) -> list[dict[str, Any]]:
    """The form fields of a kind: its config schema's text members."""
    spec = kinds()[kind]
    properties = spec.config_schema.get("properties", {})
    required = set(spec.config_schema.get("required", []))
    return [{"name": name, "secret": name in spec.secrets, "required": name in required,
             "hint": member.get("description", "")}
            for name, member in properties.items() if member.get("type") == "string"]


def _page(form: dict[str, str] | None = None, error: str | None = None, status: int = 200):
    rows = list(db_session().scalars(select(Carrier).order_by(Carrier.code)))
    carriers = [{"row": row, "spec": kinds().get(row.kind),
                 "follows": companies(row),
                 "push_url": url_for("api.carrier_webhook", code=row.code, _external=True)}
                for row in rows]
    return render_template(
        "carriers/index.html", carriers=carriers, error=error, form=form or {},
        ability_words=ability_words,
        kinds={name: {"label": spec.label, "abilities": sorted(spec.abilities),
                      "fields": _fields(name), "follows": spec.tracks_others}
               for name, spec in kinds().items() if name not in NOT_IN_FORM},
        own_pages=[{"label": kinds()[name].label, "url": url_for(endpoint)}
                   for name, endpoint in OWN_PAGES.items() if name in kinds()]), status


@pages.get("/admin/carriers")
@requires("carriers.manage")
def carriers_page():
    return _page()


def _followed(text: str) -> list[dict[str, str]]:
    """``sf 顺丰速运 shunfeng`` per line: Orderloom's code, the name, the service's code."""
    entries = []
    for line in text.splitlines():
        parts = line.split()
        if not parts:
            continue
        if len(parts) < 2:
            raise Problem(422, gettext("Followed carriers: “%(line)s” needs Orderloom's code "
                                       "and the service's company code", line=line.strip()))
        entry = {"carrier": parts[0], "company": parts[-1]}
        if len(parts) > 2:
            entry["name"] = " ".join(parts[1:-1])
        entries.append(entry)
    return entries


@pages.post("/admin/carriers")
@requires("carriers.manage")
def create_carrier_page():
    form = request.form
    kind = form.get("kind", "")
    # Shown again on a refusal, but never a secret.
    secret = {f"{name}-{member}" for name, spec in kinds().items() for member in spec.secrets}
    kept = {k: v for k, v in form.items() if k != "csrf_token" and k not in secret}
    if kind not in kinds() or kind in NOT_IN_FORM:
        return _page(kept, gettext("Choose the kind of carrier."), 422)
    try:
        # Each kind's fields are named after it: two kinds may share a member name.
        config: dict[str, Any] = {field["name"]: form[f"{kind}-{field['name']}"].strip()
                                  for field in _fields(kind)
                                  if form.get(f"{kind}-{field['name']}", "").strip()}
        if kinds()[kind].tracks_others:
            config["companies"] = _followed(form.get("companies", ""))
        body = {"code": form.get("code", "").strip(), "name": form.get("name", "").strip(),
                "kind": kind, "config": config}
        errors = sorted(_CHECK.iter_errors(body), key=lambda e: list(e.absolute_path))
        if errors:
            first = errors[0]
            where = "/" + "/".join(str(p) for p in first.absolute_path)
            raise Problem(422, f"{where}: {first.message}")
        carrier = set_up_carrier(body)
    except Problem as problem:
        db_session().rollback()
        return _page(kept, problem.detail, problem.status)
    db_session().commit()
    flash(gettext("Carrier %(code)s is set up. Register its push address with the service.",
                  code=carrier.code))
    return redirect(url_for("pages.carriers_page"))


@pages.post("/admin/carriers/<code>/test")
@requires("carriers.manage")
def test_carrier_page(code: str):
    carrier = find_carrier(db_session(), code)
    if carrier is None:
        flash(gettext("There is no carrier %(code)s.", code=code), "error")
        return redirect(url_for("pages.carriers_page"))
    outcome = connection_test(carrier)
    if outcome["ok"]:
        flash(f"{carrier.name}: {outcome['detail']}.")
    else:
        flash(gettext("%(carrier)s: the connection test failed: %(reason)s",
                      carrier=carrier.name, reason=outcome["detail"]), "error")
    return redirect(url_for("pages.carriers_page"))
