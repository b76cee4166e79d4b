"""Attack cases: forged cross-site requests, planted sessions, hostile JSON, path
traversal and template escapes. Each is answered with a clear 4xx and changes
nothing."""
from __future__ import annotations

import json

import pytest

from orderloom.platform.api.body import LARGEST_NUMBER, MAX_NESTING
from orderloom.platform.permissions import PUBLIC_ENDPOINTS
from tests.conftest import TEST_PASSWORD, csrf_from
from tests.designer.samples import retail
from tests.platform.test_api_tokens import assert_problem, bearer
from tests.platform.test_permissions import _url

UNSAFE = ("POST", "PUT", "PATCH", "DELETE")


# --- CSRF -------------------------------------------------------------------------------

def test_every_unsafe_request_riding_on_the_session_needs_the_csrf_token(app, actions, db):
    """Walks the URL map: a route added later is covered too. A forged request is
    refused before its handler runs, so nothing is written."""
    from sqlalchemy import func, select

    from orderloom.runtime.audit import AuditEvent

    actions.login_as("admin")
    client = actions.client
    before = db.scalar(select(func.count()).select_from(AuditEvent))
    db.commit()
    walked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(set(rule.methods) & set(UNSAFE)):
            url = _url(rule)
            # What a forged form or fetch() from another site could send: the cookie,
            # but not the token, which that site cannot read.
            response = client.open(url, method=method, data={"username": "x"},
                                   headers={"Origin": "https://evil.example"})
            walked += 1
            assert response.status_code == 403, f"{method} {url}: {response.status_code}"
            if url.startswith("/api/"):
                assert "CSRF" in response.get_json()["detail"]
    assert walked > 50
    assert client.get("/").status_code == 200  # still logged in: logout was refused too
    assert db.scalar(select(func.count()).select_from(AuditEvent)) == before


def test_a_csrf_token_from_another_session_is_refused(app, actions, make_user):
    actions.login_as("admin")
    stranger = app.test_client()
    foreign_token = csrf_from(stranger.get("/login").get_data(as_text=True))
    response = actions.client.post("/api/v1/tokens", json={"name": "x"},
                                   headers={"X-CSRF-Token": foreign_token})
    assert_problem(response, 403)


# --- sessions -----------------------------------------------------------------------------

def _session_cookie(client) -> str | None:
    cookie = client.get_cookie("orderloom_session")
    return cookie.value if cookie else None


def test_a_session_planted_before_login_stays_anonymous(app, make_user):
    """Session fixation: an attacker hands the victim a session cookie they know, waits
    for the victim to log in, then uses the cookie."""
    make_user("admin", username="victim")
    attacker = app.test_client()
    attacker.get("/login")
    planted = _session_cookie(attacker)
    assert planted

    victim = app.test_client()
    victim.set_cookie("orderloom_session", planted)
    token = csrf_from(victim.get("/login").get_data(as_text=True))
    response = victim.post("/login", data={"username": "victim", "password": TEST_PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302
    issued = _session_cookie(victim)
    assert issued and issued != planted
    assert victim.get("/").status_code == 200

    # The planted cookie is still the anonymous session it was.
    assert attacker.get("/").status_code == 302
    assert attacker.get("/admin/users").headers["Location"].startswith("/login")


def test_nothing_from_before_login_survives_into_the_logged_in_session(app, make_user):
    make_user("staff", username="li.wei")
    client = app.test_client()
    with client.session_transaction() as before:
        before["planted"] = "by someone else"
        before["user_id"] = 999  # a forged claim in an unsigned cookie would do this
    token = csrf_from(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"username": "li.wei", "password": TEST_PASSWORD,
                                "csrf_token": token})
    with client.session_transaction() as after:
        assert "planted" not in after
        assert after["csrf_token"] != token
        assert after["user_id"] != 999


def test_a_tampered_session_cookie_is_ignored(app, actions):
    actions.login_as("admin")
    cookie = _session_cookie(actions.client)
    forged = app.test_client()
    forged.set_cookie("orderloom_session", cookie[:-2] + ("AA" if cookie[-2:] != "AA" else "BB"))
    assert forged.get("/").status_code == 302


# --- hostile JSON ---------------------------------------------------------------------------

def _post_raw(client, headers, raw: str):
    return client.post("/api/v1/tokens", headers={**headers, "Content-Type": "application/json"},
                       data=raw)


def test_deeply_nested_json_is_refused_with_a_pointer(client, token_for):
    headers = bearer(token_for("staff"))
    deep = {"name": "x", "extra": json.loads("[" * (MAX_NESTING + 5) + "]" * (MAX_NESTING + 5))}
    body = assert_problem(client.post("/api/v1/tokens", headers=headers, json=deep), 400)
    assert f"nested deeper than {MAX_NESTING} levels" in body["detail"]
    assert body["errors"][0]["pointer"].startswith("/extra/0/0/")


def test_json_nested_beyond_the_parser_is_400_not_500(client, token_for):
    headers = bearer(token_for("staff"))
    body = assert_problem(_post_raw(client, headers, "[" * 200_000 + "]" * 200_000), 400)
    assert body["detail"] == "the request body is not valid JSON"


def test_a_number_beyond_any_column_is_refused_with_a_pointer(client, token_for):
    headers = bearer(token_for("admin"))
    response = client.post("/api/v1/products", headers=headers,
                           json={"sku": "A-1", "name": "Tea", "weight_grams": 10**30})
    body = assert_problem(response, 422)
    assert body["errors"] == [{"pointer": "/weight_grams",
                               "detail": f"is too large (at most {LARGEST_NUMBER})"}]


@pytest.mark.parametrize("raw", ['{"name": NaN}', '{"name": Infinity}', '{"name": -Infinity}'])
def test_nan_and_infinity_are_not_json(client, token_for, raw):
    body = assert_problem(_post_raw(client, bearer(token_for("staff")), raw), 400)
    assert body["detail"] == "the request body is not valid JSON"


@pytest.mark.parametrize(("raw", "detail"), [
    ('{"name": "tea\\u0000"}', "must not contain the NUL character"),
    ('{"name": "tea\\ud800"}', "is not valid Unicode text"),
])
def test_text_a_database_cannot_store_is_refused_with_a_pointer(client, token_for, raw,
                                                                 detail):
    body = assert_problem(_post_raw(client, bearer(token_for("staff")), raw), 422)
    assert body["errors"][0]["pointer"] == "/name"
    assert body["errors"][0]["detail"].startswith(detail)


def test_a_huge_id_in_the_url_is_404_not_500(client, token_for):
    headers = bearer(token_for("admin"))
    for url in ("/api/v1/users/123456789012345678901234567890",
                "/api/v1/jobs/99999999999999999999",
                "/api/v1/users/2147483648",  # one beyond a 32-bit id column
                "/api/v1/users/2147483647"):  # the largest id there can be
        assert_problem(client.get(url, headers=headers), 404)
    assert_problem(client.delete("/api/v1/tokens/184611688636534", headers=headers), 404)


def test_an_oversized_upload_is_413_and_imports_nothing(tmp_path, sqlite_url):
    import io

    from orderloom.platform import accounts
    from orderloom.platform.app import create_app
    from orderloom.platform.settings import load_settings
    from orderloom.runtime.audit import SYSTEM

    app = create_app(load_settings({}, overrides={
        "instance_path": tmp_path / "i", "database_url": sqlite_url,
        "secret_key": "k" * 40, "max_body_bytes": 4096}))
    with app.extensions["orderloom.db"].sessions() as session:
        user = accounts.create_user(session, SYSTEM, "boss", TEST_PASSWORD, ["admin"])
        _token, secret = accounts.issue_token(session, SYSTEM, user, "t")
        session.commit()
    client = app.test_client()
    rows = b"code,name\n" + b"".join(b"C%d,Name %d\n" % (i, i) for i in range(2000))
    response = client.post("/api/v1/customers/import", headers=bearer(secret),
                           data={"file": (io.BytesIO(rows), "big.csv")})
    assert_problem(response, 413)
    listed = client.get("/api/v1/customers", headers=bearer(secret))
    assert listed.status_code == 200 and "Name 1" not in listed.get_data(as_text=True)
    app.extensions["orderloom.db"].engine.dispose()


# --- path traversal -------------------------------------------------------------------------

@pytest.mark.parametrize("url", [
    "/static/../instance/secret_key", "/static/..%2f..%2fpyproject.toml",
    "/static/%2e%2e/%2e%2e/pyproject.toml", "/api/v1/schemas/..%2f..%2fpyproject",
    "/api/v1/schemas/../../settings",
])
def test_paths_cannot_climb_out_of_their_folder(client, url, token_for):
    response = client.get(url, headers=bearer(token_for("admin")))
    assert response.status_code == 404
    assert b"[project]" not in response.data and b"test-secret-key" not in response.data


def test_a_template_name_cannot_name_a_file_elsewhere():
    from orderloom.platform.templates import TemplateError, load

    for name in ("../../pyproject", "/etc/passwd", "..\\..\\pyproject", "retail/../../x"):
        with pytest.raises(TemplateError) as refused:
            load(name)
        assert "there is no built-in template" in str(refused.value.args[0])


def test_an_upload_named_like_a_path_writes_no_file(client, token_for, tmp_path, settings):
    """Imported files are read from the request and kept in the database; the name a
    client gives is only a label, so '../../x' cannot place a file anywhere."""
    import io

    before = sorted(p for p in settings.instance_path.rglob("*")) \
        if settings.instance_path.exists() else []
    response = client.post("/api/v1/customers/import",
                           headers=bearer(token_for("admin")),
                           data={"file": (io.BytesIO(b"code,name\nC1,Li Wei\n"),
                                          "../../../../tmp/evil.csv")})
    assert response.status_code < 500
    after = sorted(p for p in settings.instance_path.rglob("*")) \
        if settings.instance_path.exists() else []
    assert [p for p in after if "evil" in p.name] == []
    assert len(after) - len(before) <= 1  # at most the generated secret key


# --- template sandbox over HTTP ------------------------------------------------------------

@pytest.mark.parametrize("template", [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ order | attr('__class__') }}",
])
def test_a_print_template_escape_is_422_and_shows_no_internals(client, token_for, template):
    response = client.post("/api/v1/definitions/print-preview",
                           headers=bearer(token_for("designer")),
                           json={"definition": retail(), "template": template, "data": {}})
    body = assert_problem(response, 422)
    assert "Python internals" in json.dumps(body)
    assert "<class" not in json.dumps(body)


def test_public_routes_are_only_the_listed_ones():
    assert set(PUBLIC_ENDPOINTS) >= {"pages.login", "system.healthz"}
    assert not any(e.startswith("api.") and "user" in e for e in PUBLIC_ENDPOINTS)
