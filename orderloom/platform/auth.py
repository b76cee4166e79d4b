"""Who is asking: a session cookie for people, a Bearer token for integrations;
and the checks every route makes (logged in, permitted, CSRF token present).
"""
from __future__ import annotations

import functools
import hmac
import secrets
from collections.abc import Callable
from typing import TypeVar

from flask import Flask, abort, current_app, g, redirect, request, session, url_for

from orderloom.platform import accounts
from orderloom.platform.database import database, db_session
from orderloom.platform.models import User
from orderloom.platform.permissions import PERMISSIONS
from orderloom.platform.problems import Problem, wants_problem_json
from orderloom.platform.token_cache import TokenCache
from orderloom.runtime.audit import WHOLE_WORKFLOW, Actor

F = TypeVar("F", bound=Callable)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
TOKEN_CACHE = "orderloom.token_cache"


def current_user() -> User | None:
    return g.get("user")


def current_actor() -> Actor:
    user = current_user()
    if user is None:
        raise RuntimeError("no user is logged in")
    return Actor(user_id=user.id, name=user.username, via=g.get("auth_via", "web"),
                 whole_workflow=user.can(WHOLE_WORKFLOW))


def log_in(user: User) -> None:
    # A fresh session on every login: nothing a visitor carried in before
    # (a planted session) survives into the logged-in one.
    session.clear()
    session["user_id"] = user.id
    session["epoch"] = user.session_epoch
    session[CSRF_FIELD] = secrets.token_urlsafe(32)
    session.permanent = True


def log_out() -> None:
    session.clear()


def csrf_token() -> str:
    token = session.get(CSRF_FIELD)
    if token is None:
        token = session[CSRF_FIELD] = secrets.token_urlsafe(32)
    return token


def checks_its_own_bearer(view: F) -> F:
    """Marks a view whose Authorization header is not a user's API token but a secret of
    its own (the metrics scraper's), which the view checks itself."""
    view.checks_its_own_bearer = True  # type: ignore[attr-defined]
    # A guard of its own, recorded as the permission walk reads it.
    view.requires_login = True  # type: ignore[attr-defined]
    view.required_permission = None  # type: ignore[attr-defined]
    return view


def _load_user() -> None:
    g.user = None
    header = request.headers.get("Authorization", "")
    view = current_app.view_functions.get(request.endpoint or "")
    if header and getattr(view, "checks_its_own_bearer", False):
        return
    if header:
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise Problem(401, "the Authorization header must be 'Bearer <token>'")
        secret = secret.strip()
        g.auth_via = "api"
        cache: TokenCache = current_app.extensions[TOKEN_CACHE]
        digest = accounts.token_digest(secret)
        g.user = cache.owner(db_session(), digest)
        if g.user is not None:
            return
        generation = cache.generation
        found = accounts.user_for_token(db_session(), secret)
        if found is None:
            raise Problem(401, "the API token is unknown, revoked, or its user is deactivated")
        g.user = found[0]
        db_session().commit()  # keeps the token's last-used time, when it was due
        cache.remember(digest, g.user, generation)
        return
    user_id = session.get("user_id")
    if user_id is not None:
        user = db_session().get(User, user_id)
        if user is not None and user.active and user.session_epoch == session.get("epoch"):
            g.user = user
            g.auth_via = "web"
        else:
            session.clear()


def _check_csrf() -> None:
    # Bearer requests carry no ambient credential, so they cannot be forged
    # cross-site; everything riding on the session cookie must prove itself.
    if request.method in SAFE_METHODS or g.get("auth_via") == "api":
        return
    if "user_id" not in session and not request.path.startswith("/login"):
        return
    sent = request.headers.get(CSRF_HEADER) or request.form.get(CSRF_FIELD, "")
    expected = session.get(CSRF_FIELD, "")
    if not expected or not sent or not hmac.compare_digest(sent, expected):
        if wants_problem_json():
            raise Problem(403, f"missing or wrong CSRF token: send the {CSRF_HEADER} header")
        abort(403, "The form expired or did not come from this site. Reload the page and "
                   "try again.")


def init_app(app: Flask) -> None:
    cache = app.extensions[TOKEN_CACHE] = TokenCache()
    with app.app_context():
        cache.watch(database().sessions)
    app.before_request(_load_user)
    app.before_request(_check_csrf)
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.jinja_env.globals["current_user"] = current_user


def requires(permission: str | None = None) -> Callable[[F], F]:
    """Route decorator: a logged-in user, and, when given, one with ``permission``.

    API routes answer 401/403 problem+json; pages send a visitor to the login page.
    The permission is recorded on the view so the permission walk can read it.
    """
    if permission is not None and permission not in PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}")

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            user = current_user()
            if user is None:
                if wants_problem_json():
                    raise Problem(401, "log in or send an API token "
                                       "(Authorization: Bearer <token>)")
                return redirect(url_for("pages.login", next=request.full_path.rstrip("?")))
            if permission is not None and not user.can(permission):
                raise Problem(403, f"your roles do not include the permission {permission!r}")
            return view(*args, **kwargs)

        wrapper.required_permission = permission  # type: ignore[attr-defined]
        wrapper.requires_login = True  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate
