"""Administration: users and their roles."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext
from sqlalchemy import select

from orderloom.platform import accounts
from orderloom.platform.accounts import AccountError
from orderloom.platform.auth import current_actor, requires
from orderloom.platform.database import db_session
from orderloom.platform.models import Role, User
from orderloom.platform.pages import pages

# The boxes of the form, as a refusal names them (AccountError.field).
FIELD_WORDS = {"username": lazy_gettext("Username"), "display_name": lazy_gettext("Full name"),
               "password": lazy_gettext("Password"), "roles": lazy_gettext("Roles")}


def _users_page(error: str | None = None, form: dict | None = None, status: int = 200):
    session = db_session()
    users = session.scalars(select(User).order_by(User.username))
    roles = session.scalars(select(Role).order_by(Role.builtin.desc(), Role.name))
    return render_template("users.html", users=list(users), roles=list(roles), error=error,
                           form=form or {}), status


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
                                         reason=error.message),
                           form={"username": form.get("username", ""),
                                 "display_name": form.get("display_name", ""),
                                 "roles": form.getlist("roles")},
                           status=error.status)
    session.commit()
    flash(gettext("User %(name)s is created.", name=user.username))
    return redirect(url_for("pages.users"))
