"""Administration: users and their roles."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select

from orderloom.platform import accounts
from orderloom.platform.accounts import AccountError
from orderloom.platform.auth import current_actor, requires
from orderloom.platform.database import db_session
from orderloom.platform.models import Role, User
from orderloom.platform.pages import pages


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
        label = error.field.split("/")[0].replace("_", " ").capitalize()
        return _users_page(error=f"{label}: {error.message}.",
                           form={"username": form.get("username", ""),
                                 "display_name": form.get("display_name", ""),
                                 "roles": form.getlist("roles")},
                           status=error.status)
    session.commit()
    flash(f"User {user.username} is created.")
    return redirect(url_for("pages.users"))
