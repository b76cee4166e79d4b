"""A notify action whose template would run for ever, or write megabytes, fails its
job with the reason within the budget; the order goes on and nothing half-written
is left (tests/documents/test_template_budget.py has every kind of hostile template)."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from orderloom.runtime.jobs.models import Job
from orderloom.runtime.notify.in_app import Notification
from tests.designer.samples import retail
from tests.platform.test_api_tokens import bearer
from tests.runtime.support import create

BOMBS = {
    "nested empty loops": ("{% for a in range(100000) %}{% for b in range(100000) %}"
                           "{% endfor %}{% endfor %}", "more than 1000000 steps"),
    "a 20 MB message": ("{% for i in range(20000) %}{{ 'x' * 1000 }}{% endfor %}",
                        "the output grew beyond 100000 characters"),
    "padding": ("{{ order.number.ljust(500000000) }}", "more than the 200000 allowed"),
}


@pytest.mark.parametrize(("template", "reason"), BOMBS.values(), ids=BOMBS.keys())
def test_a_notify_template_bomb_fails_its_job_with_the_reason(client, db, token_for,
                                                               template, reason):
    definition = retail()
    definition["rules"].append({"key": "tell_staff", "when": "total > 0", "then": [
        {"type": "notify", "to": {"roles": ["staff"]}, "template": template}]})
    designer = bearer(token_for("designer"))
    response = client.post("/api/v1/import", headers=designer, json={
        "format": "orderloom-package/1", "order_types": [definition]})
    assert response.status_code == 201, response.get_json()

    started = time.perf_counter()
    response = create(client, bearer(token_for("staff")))  # the job runs right after
    assert time.perf_counter() - started < 5
    assert response.status_code == 201, response.get_json()
    job = db.scalars(select(Job).where(Job.kind == "notify")).one()
    assert job.last_error is not None and reason in job.last_error, job.last_error
    assert "the notify action's template" in job.last_error
    assert db.scalars(select(Notification)).all() == []
    db.rollback()
