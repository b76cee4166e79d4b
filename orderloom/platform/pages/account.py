"""A person's own account: API tokens."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext
from sqlalchemy import select

from orderloom.platform import accounts
from orderloom.platform.accounts import AccountError
from orderloom.platform.auth import current_actor, current_user, requires
from orderloom.platform.database import db_session
from orderloom.platform.models import ApiToken
from orderloom.platform.pages import pages
from orderloom.platform.refusals import refusal_text

NEW_TOKEN_KEY = "new_api_token"


def _tokens_page(new_secret: str | None = None, error: str | None = None, status: int = 200):
    tokens = db_session().scalars(
        select(ApiToken).where(ApiToken.user_id == current_user().id).order_by(ApiToken.id))
    return render_template("tokens.html", tokens=list(tokens), new_secret=new_secret,
                           error=error), status


@pages.get("/account/tokens")
@requires("tokens.own")
def tokens():
    # Popped: shown on the one page view right after it was created, never again.
    return _tokens_page(new_secret=session.pop(NEW_TOKEN_KEY, None))


@pages.post("/account/tokens")
@requires("tokens.own")
def create_token():
    db = db_session()
    try:
        _token, secret = accounts.issue_token(db, current_actor(), current_user(),
                                              request.form.get("name", ""))
    except AccountError as error:
        return _tokens_page(error=gettext("Name: %(reason)s.", reason=refusal_text(error)),
                            status=422)
    db.commit()
    # Redirect after POST, so reloading the page cannot create a second token. The
    # token rides to the next page in the signed, HttpOnly session cookie (never
    # in a URL) and is removed from it when shown.
    session[NEW_TOKEN_KEY] = secret
    return redirect(url_for("pages.tokens"))


@pages.post("/account/tokens/<int:token_id>/revoke")
@requires("tokens.own")
def revoke_token(token_id: int):
    db = db_session()
    token = db.get(ApiToken, token_id)
    if token is None or token.user_id != current_user().id:
        flash(gettext("That token does not exist."), "error")
    else:
        accounts.revoke_token(db, current_actor(), token)
        db.commit()
        flash(gettext("Token “%(name)s” is revoked.", name=token.name))
    return redirect(url_for("pages.tokens"))
