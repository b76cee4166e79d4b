"""The template gallery: the built-in order systems, and importing one from the browser."""
from __future__ import annotations

import logging

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext

from orderloom.platform.auth import current_user, requires
from orderloom.platform.database import db_session
from orderloom.platform.pages import pages
from orderloom.platform.pages.order_view import language
from orderloom.platform.templates import (
    TemplateError,
    TemplateReport,
    available,
    import_template,
)

log = logging.getLogger(__name__)
CONFLICT_CHOICES = ("fail", "rename", "replace")


def _text(label: dict[str, str], lang: str) -> str:
    return label.get(lang) or label.get("en") or next(iter(label.values()), "")


def count_of(kind: str, count: int) -> str:
    """What a template brings of one kind, as a reader says it: "10 products"."""
    words = {
        "roles": lambda n: ngettext("%(num)d role", "%(num)d roles", n),
        "warehouses": lambda n: ngettext("%(num)d warehouse", "%(num)d warehouses", n),
        "products": lambda n: ngettext("%(num)d product", "%(num)d products", n),
        "customers": lambda n: ngettext("%(num)d customer", "%(num)d customers", n),
        "channel presets": lambda n: ngettext("%(num)d channel preset",
                                              "%(num)d channel presets", n),
        "rules": lambda n: ngettext("%(num)d rule", "%(num)d rules", n),
        "print templates": lambda n: ngettext("%(num)d print template",
                                              "%(num)d print templates", n)}
    return words[kind](count) if kind in words else f"{count} {kind}"


def report_sentences(report: TemplateReport) -> list[str]:
    """What an import did, in the reader's language (the CLI prints
    TemplateReport.lines in English)."""
    types = report.order_types
    said = [gettext("created order type %(key)s (version %(version)s)", key=key,
                    version=types.published.get(key, "-"))
            for key in types.created if key not in types.renamed.values()]
    said += [gettext("renamed order type %(old)s to %(new)s (version %(version)s)", old=old,
                     new=new, version=types.published.get(new, "-"))
             for old, new in types.renamed.items()]
    said += [gettext("replaced order type %(key)s (version %(version)s)", key=key,
                     version=types.published.get(key, gettext("unchanged")))
             for key in types.replaced]
    for kind, created, kept in (("roles", report.roles_created, report.roles_kept),
                                ("warehouses", report.warehouses_created,
                                 report.warehouses_kept),
                                ("products", report.products_created, report.products_kept),
                                ("customers", report.customers_created,
                                 report.customers_kept),
                                ("channels", report.channels_created, report.channels_kept)):
        if created:
            said.append(gettext("created %(what)s: %(names)s", what=KIND_NAMES[kind](),
                                names=", ".join(created)))
        if kept:
            said.append(gettext("kept existing %(what)s: %(names)s", what=KIND_NAMES[kind](),
                                names=", ".join(kept)))
    if report.units_received:
        said.append(ngettext("received %(num)d unit of opening stock",
                             "received %(num)d units of opening stock",
                             report.units_received))
    if report.returns_sla_hours:
        said.append(gettext("set the returns' time limit to %(hours)s hours",
                            hours=report.returns_sla_hours))
    return said


# The kinds of thing an import creates or keeps, as a list of them is headed.
KIND_NAMES = {"roles": lambda: gettext("roles"), "warehouses": lambda: gettext("warehouses"),
              "products": lambda: gettext("products"), "customers": lambda: gettext("customers"),
              "channels": lambda: gettext("channels")}


@pages.get("/templates")
@requires("definitions.view")
def template_gallery():
    lang = language()
    cards = [{"key": info.key, "name": _text(info.name, lang),
              "description": _text(info.description, lang),
              "order_types": [(_text(name, lang),
                               ngettext("%(num)d state", "%(num)d states", states))
                              for name, states in info.type_names],
              "contents": {kind: count_of(kind, count)
                           for kind, count in info.contents.items() if count}}
             for info in available()]
    return render_template("templates/gallery.html", cards=cards,
                           may_import=current_user().can("templates.import"))


@pages.post("/templates/<key>/import")
@requires("templates.import")
def import_from_gallery(key: str):
    on_conflict = request.form.get("on_conflict", "fail")
    if key not in {info.key for info in available()} or on_conflict not in CONFLICT_CHOICES:
        flash(gettext("There is no template %(key)s to import, or no such choice "
                      "%(choice)s.", key=repr(key), choice=repr(on_conflict)), "error")
        return redirect(url_for("pages.template_gallery")), 303
    session = db_session()
    try:
        report = import_template(session, current_user().username, key, on_conflict,
                                 via="web",  # type: ignore[arg-type]
                                 publisher=current_user().permissions)
    except TemplateError as error:
        reason = (gettext("an order type it brings exists already. Choose “import beside "
                          "it” or “replace it” to go on") if error.conflict
                  else "; ".join(error.problems))
        flash(gettext("Template %(key)s was not imported: %(reason)s.", key=key,
                      reason=reason), "error")
        return redirect(url_for("pages.template_gallery")), 303
    session.commit()
    log.info("template %s imported from the gallery by %s", key, current_user().username)
    flash(gettext("Template %(key)s imported: %(report)s.", key=key,
                  report="; ".join(report_sentences(report))), "success")
    return redirect(url_for("pages.template_gallery")), 303
