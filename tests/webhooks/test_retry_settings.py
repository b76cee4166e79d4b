"""The webhook retry settings: the waits grow and stop at the cap; a bad value stops
start-up naming the variable."""
from __future__ import annotations

from datetime import timedelta

import pytest

from orderloom.platform.settings import SettingsError, load_settings
from orderloom.runtime.notify.webhook_sending import retry_policy, sign, verify


def test_the_waits_double_up_to_the_longest():
    policy = retry_policy({"ORDERLOOM_WEBHOOK_RETRY_FIRST_SECONDS": "30",
                           "ORDERLOOM_WEBHOOK_RETRY_LONGEST_SECONDS": "100"})
    assert [policy.wait_after(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 100, 100]
    assert retry_policy({}).attempts == 8 and retry_policy({}).first_wait == timedelta(
        seconds=30)


@pytest.mark.parametrize("name, value", [
    ("ORDERLOOM_WEBHOOK_ATTEMPTS", "0"), ("ORDERLOOM_WEBHOOK_ATTEMPTS", "2.5"),
    ("ORDERLOOM_WEBHOOK_RETRY_FIRST_SECONDS", "-1"),
    ("ORDERLOOM_WEBHOOK_TIMEOUT_SECONDS", "nan"), ("ORDERLOOM_WEBHOOK_TIMEOUT_SECONDS", "soon")])
def test_a_bad_value_stops_start_up_naming_the_variable(tmp_path, name, value):
    with pytest.raises(SettingsError, match=f"^{name}: '{value}' is not a positive"):
        load_settings({name: value, "ORDERLOOM_INSTANCE_PATH": str(tmp_path)})


def test_a_signature_fails_on_another_body_secret_or_an_old_time():
    body = b'{"id":"1"}'
    header = sign("s3cret-for-the-erp", body, 1_764_000_000)
    assert verify("s3cret-for-the-erp", body, header, now=1_764_000_100)
    assert not verify("s3cret-for-the-erp", body + b" ", header, now=1_764_000_100)
    assert not verify("another-secret", body, header, now=1_764_000_100)
    assert not verify("s3cret-for-the-erp", body, header, now=1_764_000_000 + 301)
    assert not verify("s3cret-for-the-erp", body, "v1=abc", now=1_764_000_000)
