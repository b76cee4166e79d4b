"""Logging in and out through the pages."""
from __future__ import annotations

from tests.conftest import TEST_PASSWORD, csrf_from


def test_login_with_the_right_password_opens_the_start_page(actions, make_user, client):
    user = make_user("staff", username="li.wei")
    response = actions.login("li.wei")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert "Welcome, li.wei" in page
    assert user.username in page


def test_login_with_a_wrong_password_is_refused_and_says_so(actions, make_user, client):
    make_user("staff", username="li.wei")
    response = actions.login("li.wei", "not-the-password")
    assert response.status_code == 401
    assert "Wrong username or password." in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still not logged in


def test_an_unknown_user_gets_the_same_answer_as_a_wrong_password(actions):
    response = actions.login("nobody-here", TEST_PASSWORD)
    assert response.status_code == 401
    assert "Wrong username or password." in response.get_data(as_text=True)


def test_the_session_cookie_is_httponly_and_samesite(actions, make_user):
    make_user("viewer", username="zhao")
    response = actions.login("zhao")
    cookie = response.headers["Set-Cookie"]
    assert "orderloom_session=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_login_post_without_csrf_token_is_refused(client, make_user):
    make_user("staff", username="li.wei")
    client.get("/login")
    response = client.post("/login", data={"username": "li.wei", "password": TEST_PASSWORD})
    assert response.status_code == 403
    assert "did not come from this site" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_logout_without_csrf_token_is_refused_and_keeps_the_session(actions, client):
    actions.login_as("staff")
    assert client.post("/logout").status_code == 403
    assert client.get("/").status_code == 200


def test_logout_ends_the_session(actions, client):
    actions.login_as("staff")
    token = actions.csrf()
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302
    assert client.get("/").headers["Location"].startswith("/login")


def test_login_gives_a_new_session_so_a_planted_one_is_useless(actions, make_user, client):
    make_user("staff", username="li.wei")
    client.get("/login")
    planted_csrf = csrf_from(client.get("/login").get_data(as_text=True))
    actions.login("li.wei")
    # The CSRF token known before login no longer works after it.
    assert client.post("/logout", data={"csrf_token": planted_csrf}).status_code == 403


def test_a_page_sends_a_visitor_to_login_and_back(actions, make_user, client):
    make_user("admin", username="boss")
    response = client.get("/admin/users")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/admin/users"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    token = csrf_from(page)
    response = client.post("/login", data={"username": "boss", "password": TEST_PASSWORD,
                                           "csrf_token": token, "next": "/admin/users"})
    assert response.headers["Location"] == "/admin/users"


def test_login_never_redirects_to_another_site(make_user, client):
    make_user("staff", username="li.wei")
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"username": "li.wei", "password": TEST_PASSWORD,
                                           "csrf_token": token,
                                           "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"


def test_deactivating_a_user_ends_their_open_session(actions, client, app, db):
    from orderloom.platform import accounts
    from orderloom.runtime.audit import SYSTEM

    user = actions.login_as("staff")
    assert client.get("/").status_code == 200
    accounts.set_active(db, SYSTEM, db.merge(user), False)
    db.commit()
    assert client.get("/").status_code == 302
    assert actions.login(user.username).status_code == 401
