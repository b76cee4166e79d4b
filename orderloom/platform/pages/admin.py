"""Administration: users, their roles, and which orders they see."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext
from sqlalchemy import select

from orderloom.platform import accounts, order_scope
from orderloom.platform.accounts import AccountError
from orderloom.platform.auth import current_actor, requires
from orderloom.platform.database import db_session
from orderloom.platform.models import Role, User
from orderloom.platform.pages import pages
from orderloom.platform.permissions import ROW_RULES
from orderloom.platform.refusals import refusal_text

# The boxes of the form, as a refusal names them (AccountError.field).
FIELD_WORDS = {"username": lazy_gettext("Username"), "display_name": lazy_gettext("Full name"),
               "password": lazy_gettext("Password"), "roles": lazy_gettext("Roles")}


def _users_page(error: str | None = None, form: dict | None = None, status: int = 200):
    session = db_session()
    users = session.scalars(select(User).order_by(User.username))
    roles = session.scalars(select(Role).order_by(Role.builtin.desc(), Role.name))
    return render_template("users.html", users=list(users), roles=list(roles), error=error,
                           form=form or {}, row_rules=ROW_RULES), status


@pages.get("/admin/users")
@requires("users.manage")
def users():
    return _users_page()


@pages.post("/admin/users")
@requires("users.manage")
def create_user():
    session = db_session()
    form = request.form
    try:
        user = accounts.create_user(session, current_actor(), form.get("username", "").strip(),
                                    form.get("password", ""), form.getlist("roles"),
                                    form.get("display_name", "").strip())
    except AccountError as error:
        # The page is drawn again from the database: the refused user must not
        # be flushed into its list.
        session.rollback()
        field = error.field.split("/")[0]
        label = FIELD_WORDS.get(field, field.replace("_", " ").capitalize())
        return _users_page(error=gettext("%(field)s: %(reason)s.", field=label,
                                         reason=refusal_text(error)),
                           form={"username": form.get("username", ""),
                                 "display_name": form.get("display_name", ""),
                                 "roles": form.getlist("roles")},
                           status=error.status)
    session.commit()
    flash(gettext("User %(name)s is created.", name=user.username))
    return redirect(url_for("pages.users"))


def _names(text: str) -> list[str]:
    """Channel keys or warehouse codes as a person types them: separated by commas."""
    return [name.strip() for name in text.split(",") if name.strip()]


def _refused(session, error: AccountError):
    session.rollback()
    field = error.field.split("/")[0]
    label = FIELD_WORDS.get(field, field.replace("_", " ").capitalize()) or gettext("Refused")
    return _users_page(error=gettext("%(field)s: %(reason)s.", field=label,
                                     reason=refusal_text(error)), status=error.status)


@pages.post("/admin/users/<int:user_id>/scope")
@requires("users.manage")
def set_user_scope(user_id: int):
    """A user's channels, warehouses and team: what their roles' row rules measure
    orders against (docs/security.md#data-permissions-who-sees-which-orders)."""
    session = db_session()
    user = session.get(User, user_id)
    if user is None:
        abort(404)
    form = request.form
    team = form.get("team", "").strip()
    try:
        accounts.check_may_manage(session, current_actor(), user)
        order_scope.set_scope(session, current_actor(), user,
                              channels=_names(form.get("channels", "")),
                              warehouses=_names(form.get("warehouses", "")),
                              team=team or None, clear_team=not team)
    except AccountError as error:
        return _refused(session, error)
    session.commit()
    flash(gettext("What %(user)s sees is saved.", user=user.username))
    return redirect(url_for("pages.users"))


@pages.post("/admin/roles/<name>/row-rule")
@requires("users.manage")
def set_role_row_rule(name: str):
    session = db_session()
    role = accounts.find_role(session, name)
    if role is None:
        abort(404)
    try:
        order_scope.set_row_rule(session, current_actor(), role,
                                 request.form.get("row_rule", ""))
    except AccountError as error:
        return _refused(session, error)
    session.commit()
    flash(gettext("Holders of %(role)s now see: %(rule)s.", role=role.name,
            rule=ROW_RULES[role.row_rule]))
    return redirect(url_for("pages.users"))
