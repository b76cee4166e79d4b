"""The roles page: every role with its permissions, custom roles made, changed and
deleted, and each refusal shown beside the box that caused it."""
from __future__ import annotations

import html
import re

from tests.conftest import csrf_from
from tests.designer.samples import retail


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _post(client, path: str, data: dict):
    token = csrf_from(client.get("/admin/roles").get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **data})


def _section(page: str, role: str) -> str:
    found = re.search(rf'<section class="card role" id="role-{role}".*?</section>', page, re.S)
    assert found, f"the page has no section for the role {role}"
    return found.group(0)


def test_an_admin_makes_changes_and_deletes_a_custom_role(client, actions):
    actions.login_as("admin")
    users = client.get("/admin/users").get_data(as_text=True)
    main = users[users.index("<main>"):]
    assert 'href="/admin/roles"' in main  # from the Users page itself to the roles
    page = _text(client.get("/admin/roles"))
    admin = _section(page, "admin")
    assert "built-in" in admin and "payments.manage" in admin
    assert "<form" not in admin  # a built-in role is read-only

    made = _post(client, "/admin/roles", {"name": "finance", "description": "Books money",
                                          "permissions": ["payments.view", "orders.view"]})
    assert made.status_code == 302
    finance = _section(_text(client.get("/admin/roles")), "finance")
    checked = re.findall(r'value="([a-z_.]+)"\s+checked', finance)
    assert sorted(checked) == ["orders.view", "payments.view"]
    assert "Books money" in finance and "0 users" in finance

    changed = _post(client, "/admin/roles/finance", {
        "description": "Books money", "permissions": ["payments.view", "payments.manage"]})
    assert changed.status_code == 302
    finance = _section(_text(client.get("/admin/roles")), "finance")
    assert sorted(re.findall(r'value="([a-z_.]+)"\s+checked', finance)) == [
        "payments.manage", "payments.view"]

    deleted = _post(client, "/admin/roles/finance/delete", {})
    assert deleted.status_code == 302
    after = _text(client.get("/admin/roles"))
    assert 'id="role-finance"' not in after and "Role finance is deleted." in after


def test_granting_a_permission_one_lacks_is_refused_beside_its_box(client, actions, db,
                                                                    make_user):
    actions.login_as("admin")
    assert _post(client, "/admin/roles", {"name": "people", "permissions": [
        "users.manage", "tokens.own"]}).status_code == 302
    manager = make_user("people")
    client.post("/logout", data={"csrf_token": actions.csrf()})
    assert actions.login(manager.username).status_code == 302

    refused = _post(client, "/admin/roles", {"name": "cashier", "permissions": [
        "tokens.own", "payments.manage"]})
    assert refused.status_code == 403
    page = _text(refused)
    box = re.search(r'value="payments.manage".*?</label>\s*(<p class="error"[^>]*>[^<]*</p>)',
                    page, re.S)
    assert box, "the refusal is not beside the payments.manage box"
    assert "you cannot grant 'payments.manage': you do not hold it yourself" in box.group(1)
    assert 'id="role-cashier"' not in page  # nothing was stored
    assert 'value="cashier"' in page  # what was typed is kept
    assert 'id="role-cashier"' not in _text(client.get("/admin/roles"))


def test_built_in_held_and_named_roles_are_refused_where_the_person_looks(client, actions,
                                                                          make_user,
                                                                          token_for):
    actions.login_as("admin")
    changed = _post(client, "/admin/roles/staff", {"permissions": ["orders.view"]})
    assert changed.status_code == 409
    assert "'staff' is a built-in role" in _section(_text(changed), "staff")

    assert _post(client, "/admin/roles", {"name": "picker"}).status_code == 302
    holder = make_user("picker", username="wei")
    held = _post(client, "/admin/roles/picker/delete", {})
    assert held.status_code == 409
    assert ("the role 'picker' is still held by wei: take it from them first"
            in _section(_text(held), "picker"))
    assert holder.role_names == ["picker"]

    assert _post(client, "/admin/roles", {"name": "finance"}).status_code == 302
    definition = retail()
    definition["workflow"]["transitions"][-1]["roles"] = ["finance"]  # cancel: finance's to take
    designer = {"Authorization": f"Bearer {token_for('designer')}"}
    assert client.post("/api/v1/import", headers=designer, json={
        "format": "orderloom-package/1", "order_types": [definition]}).status_code == 201
    named = _post(client, "/admin/roles/finance/delete", {})
    assert named.status_code == 409
    assert (f"the published order types {definition['key']} name the role 'finance'"
            in _section(_text(named), "finance"))


def test_a_viewer_gets_no_roles_page(client, actions):
    actions.login_as("viewer")
    assert client.get("/admin/roles").status_code == 403
    assert _post_as_viewer(client, actions).status_code == 403
    assert "/admin/roles" not in client.get("/").get_data(as_text=True)


def _post_as_viewer(client, actions):
    return client.post("/admin/roles", data={"csrf_token": actions.csrf(), "name": "mine"})


def test_the_roles_page_speaks_chinese(client, actions):
    actions.login_as("admin")
    page = _text(client.get("/admin/roles?lang=zh"))
    assert "创建自定义角色" in page and "内置" in page
    assert "查看库存水平" in page  # a permission's description
