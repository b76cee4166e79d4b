"""The template gallery page and the templates API: see what there is, import one."""
from __future__ import annotations

from sqlalchemy import func, select

from orderloom.designer.models import OrderType
from orderloom.runtime.stock.catalog import Product
from tests.pages.conftest import errors, notices
from tests.platform.test_api_tokens import assert_problem, bearer


def test_the_gallery_shows_every_template_with_what_it_brings(actions, client):
    actions.login_as("designer")
    page = client.get("/templates").get_data(as_text=True)
    for key in ("retail", "wholesale", "manufacturing", "catering", "returns"):
        assert f'id="template-{key}"' in page
    assert "Multichannel retail" in page
    assert '<span data-kind="products">10 products</span>' in page
    # A designer may look but not import: no import forms for them.
    assert 'name="on_conflict"' not in page
    assert client.post("/templates/retail/import",
                       data={"csrf_token": actions.csrf()}).status_code == 403


def test_an_admin_imports_from_the_gallery_and_a_second_import_is_stopped(actions, client,
                                                                           db):
    actions.login_as("admin")
    response = client.post("/templates/retail/import",
                           data={"csrf_token": actions.csrf("/templates"),
                                 "on_conflict": "fail"})
    assert response.status_code == 303
    page = client.get("/templates").get_data(as_text=True)
    assert any(n.startswith("Template retail imported: created order type retail_order")
               for n in notices(page)), notices(page)
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Product)) == 10
    db.rollback()  # SQLite: a reading session holds the write lock until it ends

    client.post("/templates/retail/import", data={"csrf_token": actions.csrf("/templates"),
                                                   "on_conflict": "fail"})
    page = client.get("/templates").get_data(as_text=True)
    assert errors(page) == [
        "Template retail was not imported: an order type it brings exists already. Choose "
        "“import beside it” or “replace it” to go on."]
    client.post("/templates/retail/import", data={"csrf_token": actions.csrf("/templates"),
                                                   "on_conflict": "rename"})
    db.rollback()
    keys = set(db.scalars(select(OrderType.key)))
    assert len(keys) == 2 and "retail_order" in keys


def test_the_gallery_refuses_a_form_without_its_csrf_token(actions, client, db):
    actions.login_as("admin")
    response = client.post("/templates/retail/import", data={"on_conflict": "fail"})
    assert response.status_code in (400, 403)
    db.rollback()
    assert db.scalar(select(func.count()).select_from(OrderType)) == 0


def test_templates_over_the_api(client, token_for, db):
    admin = bearer(token_for("admin"))
    listed = client.get("/api/v1/templates", headers=admin).get_json()["templates"]
    assert [t["key"] for t in listed] == ["catering", "manufacturing", "retail", "returns",
                                          "wholesale"]
    retail = next(t for t in listed if t["key"] == "retail")
    assert retail["order_types"] == ["retail_order"]
    assert retail["contents"]["warehouses"] == 3

    created = client.post("/api/v1/templates/wholesale/import", headers=admin, json={})
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["summary"][0].startswith("created order type")
    again = assert_problem(client.post("/api/v1/templates/wholesale/import", headers=admin,
                                       json={"on_conflict": "fail"}), 409)
    assert "exists already" in again["detail"]
    bad = assert_problem(client.post("/api/v1/templates/wholesale/import", headers=admin,
                                     json={"on_conflict": "merge"}), 422)
    assert bad["errors"][0]["pointer"] == "/on_conflict"
    assert_problem(client.post("/api/v1/templates/bakery/import", headers=admin, json={}), 404)
    staff = bearer(token_for("staff"))
    assert_problem(client.post("/api/v1/templates/retail/import", headers=staff, json={}), 403)
