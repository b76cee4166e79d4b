"""The roles page for administrators: every role with what it may do, custom roles
made, changed and deleted. What a person may grant is decided by accounts.py; a
refusal is shown beside the box that caused it."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import func, select

from orderloom.platform import accounts
from orderloom.platform.accounts import AccountError
from orderloom.platform.auth import current_actor, current_user, requires
from orderloom.platform.database import db_session
from orderloom.platform.models import Role, user_roles
from orderloom.platform.pages import pages
from orderloom.platform.permissions import PERMISSIONS
from orderloom.platform.refusals import refusal_text

NEW = ""  # the form that makes a role, among the forms of the roles it lists


def refusal(error: AccountError, form: str, chosen: list[str]) -> dict:
    """Where on the page a refusal is shown: which form, and the box (the name, a
    permission's checkbox) or, when it concerns the whole role, the form's top."""
    field, _, index = error.field.partition("/")
    permission = chosen[int(index)] if field == "permissions" and index.isdigit() else None
    return {"form": form, "field": field, "permission": permission, "text": refusal_text(error)}


def _page(error: dict | None = None, kept: dict | None = None, status: int = 200):
    session = db_session()
    roles = list(session.scalars(select(Role).order_by(Role.builtin.desc(), Role.name)))
    holders = dict(session.execute(select(user_roles.c.role_id, func.count())
                                   .group_by(user_roles.c.role_id)).all())
    return render_template("admin/roles.html", roles=roles, holders=holders,
                           permissions=PERMISSIONS, mine=current_user().permissions,
                           error=error, kept=kept or {}, new=NEW), status


@pages.get("/admin/roles")
@requires("users.manage")
def roles_page():
    return _page()


@pages.post("/admin/roles")
@requires("users.manage")
def create_role_page():
    form = request.form
    name, description = form.get("name", "").strip(), form.get("description", "").strip()
    chosen = form.getlist("permissions")
    session = db_session()
    try:
        role = accounts.create_role(session, current_actor(), name, description[:200], chosen)
    except AccountError as error:
        session.rollback()
        return _page(refusal(error, NEW, chosen),
                     {NEW: {"name": name, "description": description, "permissions": chosen}},
                     error.status)
    session.commit()
    flash(gettext("Role %(name)s is created.", name=role.name))
    return redirect(url_for("pages.roles_page"))


def _role(name: str) -> Role | None:
    role = accounts.find_role(db_session(), name)
    if role is None:
        flash(gettext("There is no role %(name)s.", name=name), "error")
    return role


@pages.post("/admin/roles/<name>")
@requires("users.manage")
def change_role_page(name: str):
    role = _role(name)
    if role is None:
        return redirect(url_for("pages.roles_page"))
    form = request.form
    chosen = form.getlist("permissions")
    description = form.get("description", "").strip()
    session = db_session()
    try:
        accounts.change_role(session, current_actor(), role, description[:200], chosen)
    except AccountError as error:
        session.rollback()
        return _page(refusal(error, name, chosen),
                     {name: {"description": description, "permissions": chosen}},
                     error.status)
    session.commit()
    flash(gettext("Role %(name)s is saved.", name=name))
    return redirect(url_for("pages.roles_page"))


@pages.post("/admin/roles/<name>/delete")
@requires("users.manage")
def delete_role_page(name: str):
    role = _role(name)
    if role is None:
        return redirect(url_for("pages.roles_page"))
    session = db_session()
    try:
        accounts.delete_role(session, current_actor(), role)
    except AccountError as error:
        session.rollback()
        return _page(refusal(error, name, []), status=error.status)
    session.commit()
    flash(gettext("Role %(name)s is deleted.", name=name))
    return redirect(url_for("pages.roles_page"))

