"""About the caller and the API itself."""
from __future__ import annotations

from orderloom.platform.api import api
from orderloom.platform.api.representations import USER_SCHEMA, user_json
from orderloom.platform.auth import current_user, requires
from orderloom.platform.openapi import documented


@api.get("/me")
@requires()
@documented("The user behind this session or token, with roles and permissions",
            responses={200: ("The current user", USER_SCHEMA)}, tags=("accounts",))
def me():
    return user_json(current_user())
