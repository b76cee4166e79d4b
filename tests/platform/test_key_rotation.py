"""Rotating the secret key: sessions signed with the old key stay valid while it is listed
in ORDERLOOM_SECRET_KEY_FALLBACKS, and only then."""
from __future__ import annotations

import pytest

from orderloom.platform.app import create_app
from orderloom.platform.settings import SettingsError, load_settings

KEY_A = "a" * 40
KEY_B = "b" * 40


def _app(tmp_path, database_url, key, fallbacks=""):
    app = create_app(load_settings({"ORDERLOOM_SECRET_KEY_FALLBACKS": fallbacks}, overrides={
        "instance_path": tmp_path / "instance", "database_url": database_url,
        "secret_key": key}))
    app.testing = True
    return app


def _session_cookie(client) -> str:
    return client.get_cookie("orderloom_session").value


def _orders_page_with(app, cookie: str):
    client = app.test_client()
    client.set_cookie("orderloom_session", cookie)
    return client.get("/orders")


@pytest.mark.parametrize("fallbacks, stays_logged_in", [(KEY_A, True), ("", False)])
def test_a_session_made_under_the_old_key_outlives_the_rotation_only_as_a_fallback(
        tmp_path, database_url, make_user, fallbacks, stays_logged_in):
    from tests.conftest import Actions

    before = _app(tmp_path, database_url, KEY_A)
    client = before.test_client()
    user = make_user("staff")
    assert Actions(client, make_user).login(user.username).status_code == 302
    cookie = _session_cookie(client)
    assert _orders_page_with(before, cookie).status_code == 200

    after = _orders_page_with(_app(tmp_path, database_url, KEY_B, fallbacks), cookie)
    if stays_logged_in:
        assert after.status_code == 200
        assert user.username in after.get_data(as_text=True)
    else:
        assert after.status_code == 302
        assert "/login" in after.headers["Location"]


def test_a_short_old_key_is_refused_with_its_place(tmp_path):
    with pytest.raises(SettingsError) as caught:
        load_settings({"ORDERLOOM_INSTANCE_PATH": str(tmp_path),
                       "ORDERLOOM_SECRET_KEY_FALLBACKS": f"{KEY_A}, short"})
    assert str(caught.value) == ("ORDERLOOM_SECRET_KEY_FALLBACKS: key 2 is too short "
                                 "(5 characters); an old key has at least 32")


@pytest.mark.parametrize("fallbacks, opens", [(KEY_A, True), ("", False)])
def test_a_secret_sealed_under_the_old_key_opens_only_while_it_is_a_fallback(
        tmp_path, database_url, fallbacks, opens):
    from orderloom.runtime import sealing

    stored = sealing.seal(KEY_A, "shop-webhook-secret")
    _app(tmp_path, database_url, KEY_B, fallbacks)
    try:
        if opens:
            assert sealing.unseal(KEY_B, stored) == "shop-webhook-secret"
        else:
            with pytest.raises(sealing.SealError):
                sealing.unseal(KEY_B, stored)
    finally:
        sealing.accept_old_keys(())  # the old keys an app accepts are the process's
