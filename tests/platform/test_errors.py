"""Every API error is problem+json; pages get HTML; nothing leaks internals."""
from __future__ import annotations

import html

import pytest

from orderloom.platform.app import create_app
from tests.platform.test_api_tokens import assert_problem, bearer


def test_unknown_api_path_is_404_problem_json(client):
    body = assert_problem(client.get("/api/v1/no-such-thing"), 404)
    assert body["instance"] == "/api/v1/no-such-thing"


def test_wrong_method_is_405_with_allow_header(client, token_for):
    response = client.put("/api/v1/me", headers=bearer(token_for("staff")))
    assert_problem(response, 405)
    assert "GET" in response.headers["Allow"]


def test_malformed_json_is_400_and_says_so(client, token_for):
    response = client.post("/api/v1/tokens", headers={**bearer(token_for("staff")),
                                                      "Content-Type": "application/json"},
                           data='{"name": "x",')
    body = assert_problem(response, 400)
    assert body["detail"] == "the request body is not valid JSON"


def test_a_body_that_is_not_json_is_415(client, token_for):
    response = client.post("/api/v1/tokens", headers=bearer(token_for("staff")),
                           data="name=x")
    assert "Content-Type: application/json" in assert_problem(response, 415)["detail"]


def test_schema_errors_point_at_each_field(client, token_for):
    admin = bearer(token_for("admin"))
    body = assert_problem(client.post("/api/v1/users", headers=admin,
                                      json={"username": 7, "roles": ["staff"], "shoe": 1}), 422)
    pointers = {e["pointer"]: e["detail"] for e in body["errors"]}
    assert pointers == {
        "/password": "is required",
        "/shoe": "is not a known field here",
        "/username": "must be of type string",
    }


def test_an_oversized_body_is_413_and_stores_nothing(tmp_path, sqlite_url, make_user_in):
    from orderloom.platform.settings import load_settings

    settings = load_settings({}, overrides={"instance_path": tmp_path / "i",
                                            "database_url": sqlite_url,
                                            "secret_key": "k" * 40, "max_body_bytes": 1024})
    app = create_app(settings)
    token = make_user_in(app, "staff")
    client = app.test_client()
    response = client.post("/api/v1/tokens", headers=bearer(token),
                           json={"name": "x" * 5000})
    body = assert_problem(response, 413)
    assert "larger than" in body["detail"]
    tokens = client.get("/api/v1/tokens", headers=bearer(token)).get_json()
    assert [t["name"] for t in tokens] == ["test"]


def test_an_unexpected_failure_is_500_without_internals(app, client, caplog):
    @app.get("/api/v1/explode")
    def explode():
        raise RuntimeError("secret internal detail")

    body = assert_problem(client.get("/api/v1/explode"), 500)
    assert "secret internal detail" not in str(body)
    assert "nothing was changed" in body["detail"]
    assert "secret internal detail" in caplog.text  # the operator can still find it


def test_pages_get_an_html_error_page(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "404 · Not found" in response.get_data(as_text=True)


def test_the_error_page_speaks_chinese_to_a_chinese_browser(client):
    page = client.get("/no-such-page", headers={"Accept-Language": "zh-CN"}).get_data(
        as_text=True)
    assert "404 · 未找到" in page and "此地址没有页面" in page and "返回首页" in page
    assert "Not found" not in page and "The requested URL" not in page


def test_an_error_page_shows_the_request_id_its_log_lines_carry(app, client, caplog):
    """A person reporting an error page quotes what the operator finds in the log, as a
    problem answer's ``request_id`` does for the API."""
    @app.get("/explode-page")
    def explode_page():
        raise RuntimeError("broken on purpose")

    response = client.get("/explode-page", headers={"X-Request-Id": "report-me-42"})
    assert response.status_code == 500 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "broken on purpose" not in page
    assert '<code class="request-id">report-me-42</code>' in page
    assert any(r.request_id == "report-me-42" and r.levelname == "ERROR"
               for r in caplog.records)

    missing = client.get("/no-such-page", headers={"Accept-Language": "zh-CN"})
    reference = missing.headers["X-Request-Id"]
    page = missing.get_data(as_text=True)
    assert f'<code class="request-id">{reference}</code>' in page
    assert "报告此错误时" in page


@pytest.fixture
def make_user_in():
    from orderloom.platform import accounts
    from orderloom.runtime.audit import SYSTEM

    def make(app, role: str) -> str:
        with app.extensions["orderloom.db"].sessions() as session:
            user = accounts.create_user(session, SYSTEM, "u1", "long-enough-pw", [role])
            _token, secret = accounts.issue_token(session, SYSTEM, user, "test")
            session.commit()
        return secret

    return make


def test_a_transaction_that_lost_a_race_is_409_not_500(app, client):
    from sqlalchemy.exc import OperationalError

    class SerializationFailure(Exception):
        sqlstate = "40001"

    @app.get("/api/v1/race")
    def race():
        raise OperationalError("UPDATE stock_levels ...", {}, SerializationFailure())

    body = assert_problem(client.get("/api/v1/race"), 409)
    assert "send it again" in body["detail"]


def test_a_row_a_unique_constraint_refuses_is_409_naming_the_columns(app, client):
    """Whatever request stores a taken unique value (two at the same moment, each having
    checked before the other stored it), on either database: 409, nothing stored."""
    from orderloom.platform.database import db_session
    from orderloom.runtime.stock.catalog import Warehouse

    @app.get("/api/v1/twice")
    @app.get("/twice")
    def twice():
        session = db_session()
        session.add(Warehouse(code="HZ", name="Hangzhou"))
        session.flush()
        session.add(Warehouse(code="HZ", name="Hangzhou again"))
        session.flush()

    @app.get("/api/v1/unnamed")
    def unnamed():
        session = db_session()
        session.add(Warehouse(code="SH", name=None))
        session.flush()

    body = assert_problem(client.get("/api/v1/twice"), 409)
    assert body["duplicate"] == ["code"]
    assert body["detail"].startswith("a record with the same code exists already")
    page = client.get("/twice")
    assert (page.status_code, page.mimetype) == (409, "text/html")
    # Not every integrity error is a conflict: a missing value is a fault of the server.
    assert_problem(client.get("/api/v1/unnamed"), 500)
    with app.extensions["orderloom.db"].sessions() as session:
        assert session.query(Warehouse).count() == 0


# --- typed errors: one answer per family, whichever view raised them -------------------------

def _families():
    from orderloom.designer.exchange import ImportConflict
    from orderloom.designer.problems import DefinitionError, DefinitionProblem
    from orderloom.designer.versions import VersionConflict
    from orderloom.platform.accounts import AccountError
    from orderloom.platform.query_args import ParameterError
    from orderloom.runtime.errors import OrderInputError, OrderNotFound, StaleOrder
    from orderloom.runtime.jobs.models import Job
    from orderloom.runtime.payments.received import PaymentError
    from orderloom.runtime.shipping.staff_booking import BookingUnderWay
    from orderloom.runtime.stock.keeping import OutOfStock

    clash = DefinitionProblem("/order_types/0/key", "an order type 'shop' exists already")
    booking = Job(id=7, kind="create_shipment", status="pending",
                  payload={"carrier": "sfx", "reference": "SO-1-20261207"})
    return [
        (OrderNotFound("there is no order SO-9"), 404, {}),
        (StaleOrder("SO-1", 4, "review"), 409,
         {"current": {"revision": 4, "state": "review"}}),
        (OrderInputError([DefinitionProblem("/data/items/0/qty", "must be at least 1")]), 422,
         {"errors": [{"pointer": "/data/items/0/qty", "detail": "must be at least 1"}]}),
        (PaymentError("must be more than 0", pointer="/amount"), 422,
         {"detail": "/amount: must be more than 0",
          "errors": [{"pointer": "/amount", "detail": "must be more than 0"}]}),
        (OutOfStock("TEA-01", "HZ", 9, 3), 409, {"available": 3}),
        (DefinitionError([DefinitionProblem("/key", "is required")]), 422,
         {"errors": [{"pointer": "/key", "detail": "is required"}]}),
        (ImportConflict([clash], ["shop"]), 409,
         {"errors": [{"pointer": "/order_types/0/key",
                      "detail": "an order type 'shop' exists already"}]}),
        (VersionConflict("version 3 is published already"), 409, {}),
        (AccountError("username", "is taken", 409), 409,
         {"errors": [{"pointer": "/username", "detail": "is taken"}]}),
        (ParameterError("limit", "must be a whole number from 1 to 200"), 422,
         {"detail": "limit: must be a whole number from 1 to 200",
          "errors": [{"parameter": "limit", "pointer": "/limit",
                      "detail": "must be a whole number from 1 to 200"}]}),
        (BookingUnderWay("carrier sfx is being booked for this parcel", booking), 409,
         {"booking": {"id": 7, "carrier": "sfx", "reference": "SO-1-20261207",
                      "status": "pending"}}),
    ]


def test_every_error_family_is_one_problem_from_the_api_and_one_page_for_people(app, client):
    families = _families()

    @app.get("/api/v1/refuse/<int:which>")
    def refuse_over_api(which: int):
        raise families[which][0]

    @app.get("/refuse/<int:which>")
    def refuse_on_a_page(which: int):
        raise families[which][0]

    for which, (error, status, members) in enumerate(families):
        body = assert_problem(client.get(f"/api/v1/refuse/{which}"), status)
        assert {k: body[k] for k in members} == members, (error, body)
        page = client.get(f"/refuse/{which}")
        assert page.status_code == status, (error, page.get_data(as_text=True))
        assert page.mimetype == "text/html"
        text = page.get_data(as_text=True)
        assert f"{status} · {body['title']}" in text
        assert body["detail"].replace("'", "&#39;") in text


def test_an_unknown_order_is_the_same_404_wherever_it_is_asked_for(client, token_for,
                                                                   published, actions):
    staff = bearer(token_for("admin"))
    asked = {
        "order": client.get("/api/v1/orders/NO-1", headers=staff),
        "timeline": client.get("/api/v1/orders/NO-1/timeline", headers=staff),
        "edit": client.patch("/api/v1/orders/NO-1", headers=staff, json={"data": {}}),
        "transition": client.post("/api/v1/orders/NO-1/transitions/submit", headers=staff),
        "payments": client.get("/api/v1/orders/NO-1/payments", headers=staff),
        "shipments": client.get("/api/v1/orders/NO-1/shipments", headers=staff),
        "comments": client.get("/api/v1/orders/NO-1/comments", headers=staff),
        "documents": client.get("/api/v1/orders/NO-1/documents/invoice", headers=staff),
    }
    for where, response in asked.items():
        body = assert_problem(response, 404)
        assert (body["title"], body["detail"]) == ("Not found", "there is no order NO-1"), where
    actions.login_as("staff")
    for path in ("/orders/NO-1", "/orders/NO-1/edit"):
        page = client.get(path)
        assert page.status_code == 404, path
        assert "there is no order NO-1" in page.get_data(as_text=True)


def test_a_stale_revision_gets_the_same_conflict_from_orders_and_approvals(client, token_for,
                                                                          published):
    from tests.runtime.support import SAMPLE, create

    staff, admin = bearer(token_for("staff")), bearer(token_for("admin"))
    big = {**SAMPLE, "items": [{"sku": "TEA-01", "qty": 5, "price": "1250.50"}]}  # review
    number = create(client, staff, big).get_json()["number"]
    assert client.post(f"/api/v1/orders/{number}/transitions/submit",
                       headers=staff).status_code == 200
    now = client.get(f"/api/v1/orders/{number}", headers=staff).get_json()
    stale = now["revision"] - 1
    (task,) = client.get("/api/v1/approvals", headers=admin).get_json()
    answers = {
        "transition": client.post(f"/api/v1/orders/{number}/transitions/cancel",
                                  headers=staff, json={"revision": stale}),
        "edit": client.patch(f"/api/v1/orders/{number}", headers=staff,
                             json={"data": {"note": "late"}, "revision": stale}),
        "approval": client.post(f"/api/v1/approvals/{task['id']}/approve", headers=admin,
                                json={"revision": stale}),
    }
    for where, response in answers.items():
        body = assert_problem(response, 409)
        assert body["current"] == {"revision": now["revision"], "state": "review"}, where
        assert "changed by someone else" in body["detail"], where
    after = client.get(f"/api/v1/orders/{number}", headers=staff).get_json()
    assert (after["revision"], after["state"], after["data"]) == (
        now["revision"], "review", now["data"])


@pytest.fixture
def short_of_tea(client, token_for):
    """A retail order type whose submit reserves stock, with 3 TEA-01 on the shelf."""
    from tests.designer.samples import retail

    admin = bearer(token_for("admin"))
    client.post("/api/v1/products", headers=admin, json={"sku": "TEA-01", "name": "Tea"})
    for code, region in (("HZ", "Zhejiang"), ("SH", "Shanghai")):
        client.post("/api/v1/warehouses", headers=admin,
                    json={"code": code, "name": code, "regions": [region]})
    client.post("/api/v1/stock/receipts", headers=admin,
                json={"sku": "TEA-01", "warehouse": "HZ", "quantity": 3})
    definition = retail()
    definition["workflow"]["transitions"][0]["actions"] = [{"type": "reserve_stock"}]
    response = client.post("/api/v1/import", headers=admin, json={
        "format": "orderloom-package/1", "order_types": [definition]})
    assert response.status_code == 201, response.get_json()
    return admin


def test_a_transition_refused_half_way_leaves_nothing_stored(client, token_for, short_of_tea,
                                                             actions):
    # The transition saves the order's new state before its stock action finds too
    # little tea: the refusal must take the saved state back too.
    from tests.runtime.support import SAMPLE, create

    staff = bearer(token_for("staff"))
    number = create(client, staff, {**SAMPLE, "items": [
        {"sku": "TEA-01", "qty": 9, "price": "10"}]}).get_json()["number"]
    before = client.get(f"/api/v1/orders/{number}", headers=staff).get_json()
    timeline = client.get(f"/api/v1/orders/{number}/timeline", headers=staff).get_json()

    def unchanged():
        after = client.get(f"/api/v1/orders/{number}", headers=staff).get_json()
        assert (after["state"], after["revision"]) == ("draft", before["revision"])
        assert client.get(f"/api/v1/orders/{number}/timeline",
                          headers=staff).get_json() == timeline
        levels = {row["warehouse"]: (row["on_hand"], row["reserved"])
                  for row in client.get("/api/v1/stock", headers=short_of_tea).get_json()}
        assert levels == {"HZ": (3, 0)}

    body = assert_problem(client.post(f"/api/v1/orders/{number}/transitions/submit",
                                      headers=staff), 409)
    assert body["available"] == 3 and "TEA-01" in body["detail"]
    unchanged()

    actions.login_as("staff")
    page = client.post(f"/orders/{number}/transitions/submit", data={
        "csrf_token": actions.csrf(f"/orders/{number}"), "revision": before["revision"]})
    assert page.status_code == 302
    shown = html.unescape(client.get(f"/orders/{number}").get_data(as_text=True))
    assert f"“Submit” was not taken: {body['detail']}." in shown
    unchanged()


def test_an_edit_refused_by_a_rule_changes_nothing(client, token_for, published):
    from tests.runtime.support import create

    staff = bearer(token_for("staff"))
    number = create(client, staff).get_json()["number"]
    before = client.get(f"/api/v1/orders/{number}", headers=staff).get_json()
    items = [{**before["data"]["items"][0], "qty": 5000}, *before["data"]["items"][1:]]
    body = assert_problem(client.patch(f"/api/v1/orders/{number}", headers=staff, json={
        "data": {"note": "changed", "items": items}}), 422)
    assert body["errors"] == [{"pointer": "/data/items/0/qty",
                               "detail": "At most 1000 per line"}]
    after = client.get(f"/api/v1/orders/{number}", headers=staff).get_json()
    assert (after["data"], after["revision"], after["total"]) == (
        before["data"], before["revision"], before["total"])
    kinds = [e["kind"] for e in client.get(f"/api/v1/orders/{number}/timeline",
                                           headers=staff).get_json()]
    assert "edited" not in kinds
