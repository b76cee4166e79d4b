"""ERP connections have their own permission, ``erp.manage``: a role that may manage
webhooks no longer reaches the ERP by that, an administrator does, and a custom role
stored before the change keeps the ERP pages it had (revision 0028)."""
from __future__ import annotations

import json

from sqlalchemy import text

from orderloom.db import make_engine
from orderloom.platform import schema
from tests.customers.test_upgrade import empty_url  # noqa: F401  (the databases to upgrade)
from tests.platform.test_api_tokens import assert_problem, bearer


def _role(client, admin, name, permissions) -> None:
    assert client.post("/api/v1/roles", headers=admin, json={
        "name": name, "description": name, "permissions": permissions}).status_code == 201


def test_webhooks_manage_alone_does_not_reach_the_erp(client, token_for, actions):
    admin = bearer(token_for("admin"))
    _role(client, admin, "integrations", ["webhooks.manage"])
    _role(client, admin, "bookkeeping", ["erp.manage"])
    assert client.get("/api/v1/erp/connections", headers=admin).status_code == 200
    for role, status in (("integrations", 403), ("bookkeeping", 200)):
        token = token_for(role)
        answer = client.get("/api/v1/erp/connections", headers=bearer(token))
        if status == 403:
            assert "erp.manage" in assert_problem(answer, 403)["detail"]
        else:
            assert answer.status_code == 200
    actions.login_as("integrations")
    page = client.get("/admin/erp")
    assert page.status_code == 403 and "erp.manage" in page.get_data(as_text=True)
    assert "/admin/erp" not in client.get("/admin/webhooks").get_data(as_text=True)


def test_a_custom_role_with_webhooks_manage_keeps_the_erp_after_the_upgrade(
        empty_url):  # noqa: F811
    engine = make_engine(empty_url)
    schema.upgrade(engine, "0027")
    with engine.begin() as db:
        for role_id, name, held in ((90, "integrations", ["orders.view", "webhooks.manage"]),
                                    (91, "clerk", ["orders.view"])):
            db.execute(text("INSERT INTO roles (id, name, description, builtin, permissions) "
                            "VALUES (:i, :n, '', false, :p)"),
                       {"i": role_id, "n": name, "p": json.dumps(held)})
    schema.upgrade(engine, "0028")
    with engine.connect() as db:
        held = {n: p if isinstance(p, list) else json.loads(p) for n, p in db.execute(
            text("SELECT name, permissions FROM roles WHERE builtin = false"))}
    engine.dispose()
    assert held == {"integrations": ["orders.view", "webhooks.manage", "erp.manage"],
                    "clerk": ["orders.view"]}
