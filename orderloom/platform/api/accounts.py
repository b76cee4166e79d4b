"""Users, roles and API tokens over the API."""
from __future__ import annotations

from flask import url_for
from sqlalchemy import select

from orderloom.platform import accounts, order_scope
from orderloom.platform.api import api
from orderloom.platform.api.body import json_body
from orderloom.platform.api.representations import (
    ROLE_SCHEMA,
    TOKEN_SCHEMA,
    USER_SCHEMA,
    role_json,
    token_json,
    user_json,
)
from orderloom.platform.auth import current_actor, current_user, requires
from orderloom.platform.database import db_session
from orderloom.platform.lookups import get_or_404
from orderloom.platform.models import ApiToken, Role, User
from orderloom.platform.openapi import documented
from orderloom.platform.permissions import ROW_RULES
from orderloom.platform.problems import Problem, invalid

PASSWORD = {
    "type": "string", "maxLength": 1000,
    "description": "At least 10 characters; not one character repeated, not containing the "
                   "username, not common or easily guessed (docs/security.md#passwords)",
}
NEW_USER = {
    "type": "object",
    "required": ["username", "password", "roles"],
    "additionalProperties": False,
    "properties": {
        "username": {"type": "string", "maxLength": 150},
        "password": PASSWORD,
        "display_name": {"type": "string", "maxLength": 150},
        "roles": {"type": "array", "items": {"type": "string"}, "maxItems": 50},
    },
}
USER_CHANGE = {
    "type": "object",
    "additionalProperties": False,
    "minProperties": 1,
    "properties": {
        "roles": {"type": "array", "items": {"type": "string"}, "maxItems": 50},
        "active": {"type": "boolean"},
        "password": PASSWORD,
        "channels": {"type": "array", "items": {"type": "string", "maxLength": 40},
                     "maxItems": 200, "description": "Keys of channels (or manual) whose "
                     "orders the row rule my_channels shows this user"},
        "warehouses": {"type": "array", "items": {"type": "string", "maxLength": 50},
                       "maxItems": 200, "description": "Codes of warehouses whose orders "
                       "the row rule my_warehouses shows this user"},
        "team": {"type": ["string", "null"], "maxLength": 63,
                 "description": "The user's team or department, for the row rule my_team; "
                                "null for none"},
    },
}
ROW_RULE = {"type": "string", "enum": list(ROW_RULES),
            "description": "Which orders holders of the role see: " + "; ".join(
                f"{key}: {meaning}" for key, meaning in ROW_RULES.items())}
NEW_ROLE = {
    "type": "object",
    "required": ["name"],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "maxLength": 50},
        "description": {"type": "string", "maxLength": 200},
        "permissions": {"type": "array", "items": {"type": "string"}, "maxItems": 100},
        "row_rule": ROW_RULE,
    },
}
ROLE_CHANGE = {
    "type": "object",
    "additionalProperties": False,
    "minProperties": 1,
    "properties": {
        "description": {"type": "string", "maxLength": 200},
        "permissions": {"type": "array", "items": {"type": "string"}, "maxItems": 100},
        "row_rule": ROW_RULE,
    },
}
NEW_TOKEN = {
    "type": "object",
    "required": ["name"],
    "additionalProperties": False,
    "properties": {"name": {"type": "string", "maxLength": 100}},
}


@api.get("/users")
@requires("users.manage")
@documented("All users", tags=("accounts",),
            responses={200: ("Users, by name", {"type": "array", "items": USER_SCHEMA})})
def list_users():
    users = db_session().scalars(select(User).order_by(User.username))
    return [user_json(u) for u in users]


@api.post("/users")
@requires("users.manage")
@documented("Create a user", request=NEW_USER, tags=("accounts",),
            responses={201: ("The new user", USER_SCHEMA)})
def create_user():
    body = json_body(NEW_USER)
    session = db_session()
    user = accounts.create_user(session, current_actor(), body["username"], body["password"],
                                body["roles"], body.get("display_name", ""))
    session.commit()
    return user_json(user), 201, {"Location": url_for("api.get_user", user_id=user.id)}


def _user_or_404(user_id: int) -> User:
    return get_or_404(User, user_id, "user")


@api.get("/users/<int:user_id>")
@requires("users.manage")
@documented("One user", tags=("accounts",), responses={200: ("The user", USER_SCHEMA)})
def get_user(user_id: int):
    return user_json(_user_or_404(user_id))


@api.patch("/users/<int:user_id>")
@requires("users.manage")
@documented("Change a user's roles, password, whether they may log in, or the channels, "
            "warehouses and team that row rules measure their orders against (only someone "
            "who sees every order may change those: 403)",
            request=USER_CHANGE, tags=("accounts",),
            responses={200: ("The changed user", USER_SCHEMA)})
def change_user(user_id: int):
    body = json_body(USER_CHANGE)
    session = db_session()
    user = _user_or_404(user_id)
    actor = current_actor()
    if user.id == actor.user_id and (body.get("active") is False
                                     or ("roles" in body and "admin" not in body["roles"])):
        raise invalid("/active" if "active" in body else "/roles",
                      "you cannot lock yourself out: another administrator must do this",
                      status=409)
    accounts.check_may_manage(session, actor, user)
    if "roles" in body:
        accounts.set_roles(session, actor, user, body["roles"])
    if "password" in body:
        accounts.set_password(session, actor, user, body["password"])
    if "active" in body:
        accounts.set_active(session, actor, user, body["active"])
    if {"channels", "warehouses", "team"} & body.keys():
        order_scope.set_scope(session, actor, user, channels=body.get("channels"),
                              warehouses=body.get("warehouses"), team=body.get("team"),
                              clear_team="team" in body and body["team"] is None)
    session.commit()
    return user_json(user)


@api.get("/roles")
@requires("users.manage")
@documented("Built-in and custom roles with what each may do", tags=("accounts",),
            responses={200: ("Roles", {"type": "array", "items": ROLE_SCHEMA})})
def list_roles():
    roles = db_session().scalars(select(Role).order_by(Role.builtin.desc(), Role.name))
    return [role_json(r) for r in roles]


@api.post("/roles")
@requires("users.manage")
@documented("Create a custom role, for workflows to name in approvals", request=NEW_ROLE,
            tags=("accounts",), responses={201: ("The new role", ROLE_SCHEMA)})
def create_role():
    body = json_body(NEW_ROLE)
    session = db_session()
    role = accounts.create_role(session, current_actor(), body["name"],
                                body.get("description", ""), body.get("permissions", []))
    if "row_rule" in body:
        order_scope.set_row_rule(session, current_actor(), role, body["row_rule"])
    session.commit()
    return role_json(role), 201


@api.patch("/roles/<name>")
@requires("users.manage")
@documented("Change a custom role's description or permissions (only permissions you hold "
            "yourself; built-in roles are fixed: 409), or any role's row rule (only if you "
            "see every order yourself: 403)", request=ROLE_CHANGE,
            tags=("accounts",), responses={200: ("The changed role", ROLE_SCHEMA)})
def change_role(name: str):
    body = json_body(ROLE_CHANGE)
    session = db_session()
    role = accounts.find_role(session, name)
    if role is None:
        raise Problem(404, f"there is no role named {name!r}")
    if "description" in body or "permissions" in body:
        accounts.change_role(session, current_actor(), role, body.get("description"),
                             body.get("permissions"))
    if "row_rule" in body:
        order_scope.set_row_rule(session, current_actor(), role, body["row_rule"])
    session.commit()
    return role_json(role)


@api.delete("/roles/<name>")
@requires("users.manage")
@documented("Delete a custom role that nobody holds and no published order type names "
            "(built-in roles, held roles and named roles: 409)", tags=("accounts",),
            responses={204: ("Deleted", None)})
def delete_role(name: str):
    session = db_session()
    role = accounts.find_role(session, name)
    if role is None:
        raise Problem(404, f"there is no role named {name!r}")
    accounts.delete_role(session, current_actor(), role)
    session.commit()
    return "", 204


@api.get("/tokens")
@requires("tokens.own")
@documented("Your API tokens (never the token text itself)", tags=("accounts",),
            responses={200: ("Tokens", {"type": "array", "items": TOKEN_SCHEMA})})
def list_tokens():
    tokens = db_session().scalars(
        select(ApiToken).where(ApiToken.user_id == current_user().id).order_by(ApiToken.id))
    return [token_json(t) for t in tokens]


@api.post("/tokens")
@requires("tokens.own")
@documented("Create an API token; the answer is the only time the token is shown",
            request=NEW_TOKEN, tags=("accounts",),
            responses={201: ("The token, with its text in `token`", TOKEN_SCHEMA)})
def create_token():
    body = json_body(NEW_TOKEN)
    session = db_session()
    token, secret = accounts.issue_token(session, current_actor(), current_user(),
                                         body["name"])
    session.commit()
    return {**token_json(token), "token": secret}, 201


@api.delete("/tokens/<int:token_id>")
@requires("tokens.own")
@documented("Revoke one of your API tokens; it stops working at once", tags=("accounts",),
            responses={200: ("The revoked token", TOKEN_SCHEMA)})
def revoke_token(token_id: int):
    session = db_session()
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user().id:
        raise Problem(404, f"you have no API token {token_id}")
    accounts.revoke_token(session, current_actor(), token)
    session.commit()
    return token_json(token)
