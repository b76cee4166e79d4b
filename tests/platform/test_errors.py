"""Every API error is problem+json; pages get HTML; nothing leaks internals."""
from __future__ import annotations

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
    assert "404 · Not Found" in response.get_data(as_text=True)


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
