"""How accounts look in JSON, and the schemas that describe them."""
from __future__ import annotations

from typing import Any

from orderloom.platform.models import ApiToken, Role, User

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
