"""The template gallery: the built-in order systems, and importing one from the browser."""
from __future__ import annotations

import logging

from flask import flash, redirect, render_template, request, url_for

from orderloom.platform.auth import current_user, requires
from orderloom.platform.database import db_session
from orderloom.platform.pages import pages
from orderloom.platform.pages.order_view import language
from orderloom.platform.templates import TemplateError, available, import_template

log = logging.getLogger(__name__)
CONFLICT_CHOICES = ("fail", "rename", "replace")


def _text(label: dict[str, str], lang: str) -> str:
    return label.get(lang) or label.get("en") or next(iter(label.values()), "")


@pages.get("/templates")
@requires("definitions.view")
def template_gallery():
    lang = language()
    cards = [{"key": info.key, "name": _text(info.name, lang),
              "description": _text(info.description, lang),
              "order_types": [(_text(name, lang), states) for name, states in info.type_names],
              "contents": {kind: count for kind, count in info.contents.items() if count}}
             for info in available()]
    return render_template("templates/gallery.html", cards=cards,
                           may_import=current_user().can("templates.import"))


@pages.post("/templates/<key>/import")
@requires("templates.import")
def import_from_gallery(key: str):
    on_conflict = request.form.get("on_conflict", "fail")
    if key not in {info.key for info in available()} or on_conflict not in CONFLICT_CHOICES:
        flash(f"There is no template {key!r} to import, or no such choice "
              f"{on_conflict!r}.", "error")
        return redirect(url_for("pages.template_gallery")), 303
    session = db_session()
    try:
        report = import_template(session, current_user().username, key, on_conflict,
                                 via="web",  # type: ignore[arg-type]
                                 publisher=current_user().permissions)
    except TemplateError as error:
        reason = ("an order type it brings exists already. Choose “import beside it” or "
                  "“replace it” to go on" if error.conflict else "; ".join(error.problems))
        flash(f"Template {key} was not imported: {reason}.", "error")
        return redirect(url_for("pages.template_gallery")), 303
    session.commit()
    log.info("template %s imported from the gallery by %s", key, current_user().username)
    flash(f"Template {key} imported: " + "; ".join(report.lines()) + ".", "success")
    return redirect(url_for("pages.template_gallery")), 303
