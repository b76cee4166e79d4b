"""Logging in and out, and the start page."""
from __future__ import annotations

import math
from urllib.parse import urlsplit

from flask import flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext

from orderloom.db import utcnow
from orderloom.platform import accounts, login_throttle
from orderloom.platform.auth import current_user, log_in, log_out, requires
from orderloom.platform.database import db_session
from orderloom.platform.pages import pages
from orderloom.platform.problems import Problem, problem_response
from orderloom.runtime import audit
from orderloom.runtime.audit import Actor


def _safe_next(target: str | None) -> str:
    # Only a path on this site: a login link must not bounce people elsewhere.
    if not target:
        return url_for("pages.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("pages.home")
    return target


@pages.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        if current_user() is not None:
            return redirect(_safe_next(request.args.get("next")))
        return render_template("login.html", next=request.args.get("next", ""))
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    session = db_session()
    # The peer, or what the trusted proxies forwarded (ORDERLOOM_TRUSTED_PROXIES).
    address = request.remote_addr or "unknown"
    # Checked before the password, so guesses made during a lock reveal nothing.
    locked = login_throttle.lockout(session, username, address)
    if locked is not None:
        return _locked_out(locked, username)
    user = accounts.authenticate(session, username, password)
    if user is None:
        audit.record(session, Actor(None, username[:150] or "?", "web"), "login.failed",
                     "user", username[:80] or "?")
        locked = login_throttle.record_failure(session, username, address)
        session.commit()
        if locked is not None:
            return _locked_out(locked, username)
        return render_template("login.html", next=request.form.get("next", ""),
                               username=username,
                               error=gettext("Wrong username or password.")), 401
    login_throttle.forget_failures(session, username, address)
    user.last_login_at = utcnow()
    audit.record(session, Actor(user.id, user.username, "web"), "login", "user", user.id)
    session.commit()
    log_in(user)
    return redirect(_safe_next(request.form.get("next")))


def _locked_out(locked: login_throttle.Lockout, username: str):
    """429 with Retry-After: the login page with the reason, or problem+json for a
    client that asked for JSON."""
    if "json" in (request.accept_mimetypes.best or ""):
        response = problem_response(Problem(429, locked.message))
    else:
        minutes = max(1, math.ceil(locked.retry_after / 60))
        if locked.reason == "username_and_address":
            said = ngettext("Too many failed logins for this username from your network "
                            "address. Try again in %(num)s minute.",
                            "Too many failed logins for this username from your network "
                            "address. Try again in %(num)s minutes.", minutes)
        else:
            said = ngettext("Too many failed logins for your network address. Try again "
                            "in %(num)s minute.",
                            "Too many failed logins for your network address. Try again "
                            "in %(num)s minutes.", minutes)
        response = make_response(render_template(
            "login.html", next=request.form.get("next", ""), username=username,
            error=said), 429)
    response.headers["Retry-After"] = str(locked.retry_after)
    return response


@pages.post("/logout")
def logout():
    log_out()
    flash(gettext("You are logged out."))
    return redirect(url_for("pages.login"))


@pages.get("/")
@requires()
def home():
    return render_template("home.html")
