"""How accounts look in JSON, and the schemas that describe them."""
from __future__ import annotations

from typing import Any

from orderloom.platform.models import ApiToken, Role, User
from orderloom.platform.permissions import EVERY_ORDER, ROW_RULES

TIMESTAMP = {"type": ["string", "null"], "format": "date-time"}

USER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "username": {"type": "string"},
        "display_name": {"type": "string"},
        "active": {"type": "boolean"},
        "roles": {"type": "array", "items": {"type": "string"}},
        "permissions": {"type": "array", "items": {"type": "string"}},
        "channels": {"type": "array", "items": {"type": "string"},
                     "description": "Channel keys the row rule my_channels lets through"},
        "warehouses": {"type": "array", "items": {"type": "string"},
                       "description": "Warehouse codes the row rule my_warehouses lets "
                                      "through"},
        "team": {"type": ["string", "null"],
                 "description": "The team whose orders the row rule my_team lets through"},
        "created_at": TIMESTAMP,
        "last_login_at": TIMESTAMP,
    },
}

ROLE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "description": {"type": "string"},
        "builtin": {"type": "boolean"},
        "permissions": {"type": "array", "items": {"type": "string"}},
        "row_rule": {"type": "string", "enum": list(ROW_RULES),
                     "description": "Which orders holders of the role see "
                                    "(docs/security.md#data-permissions)"},
    },
}

TOKEN_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "prefix": {"type": "string"},
        "created_at": TIMESTAMP,
        "last_used_at": TIMESTAMP,
        "revoked_at": TIMESTAMP,
        "token": {"type": "string", "description": "Only in the answer that creates it"},
    },
}


def _time(value) -> str | None:
    return value.isoformat() if value is not None else None


def user_json(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "active": user.active,
        "roles": user.role_names,
        "permissions": sorted(user.permissions),
        "channels": list(user.channels or []),
        "warehouses": list(user.warehouses or []),
        "team": user.team,
        "created_at": _time(user.created_at),
        "last_login_at": _time(user.last_login_at),
    }


def role_json(role: Role) -> dict[str, Any]:
    return {
        "id": role.id,
        "name": role.name,
        "description": role.description,
        "builtin": role.builtin,
        "permissions": sorted(role.granted),
        "row_rule": role.row_rule or EVERY_ORDER,
    }


def token_json(token: ApiToken) -> dict[str, Any]:
    return {
        "id": token.id,
        "name": token.name,
        "prefix": token.prefix,
        "created_at": _time(token.created_at),
        "last_used_at": _time(token.last_used_at),
        "revoked_at": _time(token.revoked_at),
    }
