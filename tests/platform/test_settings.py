"""Settings from the environment: defaults, and one clear line for each bad value."""
from __future__ import annotations

import pytest

from orderloom.platform.settings import SettingsError, load_settings


def test_defaults_are_an_embedded_instance(tmp_path):
    settings = load_settings({"ORDERLOOM_INSTANCE_PATH": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path}/orderloom.db"
    assert settings.redis_url is None
    assert settings.jobs_in_process
    assert settings.trusted_proxies == 0  # X-Forwarded-For is ignored


def test_a_secret_key_is_generated_once_and_kept(tmp_path):
    first = load_settings({"ORDERLOOM_INSTANCE_PATH": str(tmp_path)}).secret_key
    second = load_settings({"ORDERLOOM_INSTANCE_PATH": str(tmp_path)}).secret_key
    assert first == second
    assert len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    other = load_settings({"ORDERLOOM_INSTANCE_PATH": str(tmp_path / "other")}).secret_key
    assert other != first


def test_the_public_address_is_read_once_without_its_trailing_slash(tmp_path):
    settings = load_settings({"ORDERLOOM_INSTANCE_PATH": str(tmp_path),
                              "ORDERLOOM_PUBLIC_URL": " https://orders.example.com/ "})
    assert settings.public_url == "https://orders.example.com"
    assert load_settings({"ORDERLOOM_INSTANCE_PATH": str(tmp_path)}).public_url is None


def test_pages_show_times_in_utc_unless_an_iana_zone_is_given(tmp_path):
    assert load_settings({"ORDERLOOM_INSTANCE_PATH": str(tmp_path)}).time_zone == "UTC"
    settings = load_settings({"ORDERLOOM_INSTANCE_PATH": str(tmp_path),
                              "ORDERLOOM_TIME_ZONE": " Asia/Shanghai "})
    assert settings.time_zone == "Asia/Shanghai"


def test_plain_postgresql_urls_use_psycopg_3(tmp_path):
    settings = load_settings({"ORDERLOOM_INSTANCE_PATH": str(tmp_path),
                              "ORDERLOOM_DATABASE_URL": "postgresql://u:pw@db/orders"})
    assert settings.database_url == "postgresql+psycopg://u:pw@db/orders"
    assert settings.database_url_safe == "postgresql+psycopg://u:***@db/orders"


@pytest.mark.parametrize(("name", "value", "message"), [
    ("DATABASE_URL", "not a url", "is not a database URL"),
    ("DATABASE_URL", "mysql://u@h/db", "database 'mysql' is not supported"),
    ("DATABASE_URL", "postgresql+asyncpg://u@h/db", "use the psycopg driver"),
    ("DATABASE_URL", "postgresql://u@h", "the URL names no database"),
    ("DATABASE_URL", "sqlite://", "in-memory SQLite database would lose every order"),
    ("REDIS_URL", "localhost:6379", "is not a Redis URL"),
    ("SECRET_KEY", "short", "too short"),
    ("MAX_BODY_BYTES", "ten", "is not a positive whole number"),
    ("SECURE_COOKIES", "maybe", "is not true or false"),
    ("LOG_LEVEL", "LOUD", "is not one of"),
    ("TRUSTED_PROXIES", "one", "is not a whole number from 0 to 10"),
    ("TRUSTED_PROXIES", "-1", "is not a whole number from 0 to 10"),
    ("TRUSTED_PROXIES", "11", "is not a whole number from 0 to 10"),
    ("PUBLIC_URL", "orders.example.com", "expected e.g. https://orders.example.com"),
    ("PUBLIC_URL", "https://", "expected e.g. https://orders.example.com"),
    ("TIME_ZONE", "Beijing", "is not a time zone name"),
    ("TIME_ZONE", "Asia", "is not a time zone name"),
    ("TIME_ZONE", "../etc/passwd", "is not a time zone name"),
])
def test_a_bad_value_names_the_variable_and_the_fault(tmp_path, name, value, message):
    with pytest.raises(SettingsError) as caught:
        load_settings({"ORDERLOOM_INSTANCE_PATH": str(tmp_path), f"ORDERLOOM_{name}": value})
    text = str(caught.value)
    assert text.startswith(f"ORDERLOOM_{name}: ")
    assert message in text
    assert "\n" not in text
