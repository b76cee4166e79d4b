"""The outbox in embedded mode: jobs run in-process right after the commit that wrote
them, exactly once, with retries, backoff and an admin's re-run of failed jobs."""
from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from orderloom.db import utcnow
from orderloom.runtime.jobs.models import DONE, FAILED, PENDING, Job, register_handler
from orderloom.runtime.jobs.outbox import enqueue
from orderloom.runtime.jobs.runner import BACKOFF_FIRST, JobRunner
from orderloom.runtime.jobs.sweeper import sweep
from orderloom.runtime.notify.in_app import Notification
from tests.designer.samples import retail
from tests.platform.test_api_tokens import bearer
from tests.runtime.support import SAMPLE, create

NOTIFY = {"type": "notify", "to": {"roles": ["staff"], "customer": True},
          "subject": "Order {{ order.number }} received",
          "template": "Hello {{ order.data.customer.name }}, order {{ order.number }} is "
                      "{{ order.state }} ({{ order.tags | join(', ') }})."}


def notifying_retail() -> dict:
    """The sample order type, telling staff (and the customer) about every new order,
    and the order's creator's role when it is submitted."""
    definition = retail()
    definition["rules"].append({"key": "tell_staff", "when": "total > 0", "then": [NOTIFY]})
    submit = next(t for t in definition["workflow"]["transitions"] if t["key"] == "submit")
    submit["actions"] = [{"type": "notify", "to": {"roles": ["admin"]},
                          "subject": "{{ order.number }} submitted",
                          "template": "{{ order.number }} waits in {{ order.state }}"}]
    return definition


def publish(client, token_for) -> dict:
    designer = bearer(token_for("designer"))
    response = client.post("/api/v1/import", headers=designer, json={
        "format": "orderloom-package/1", "order_types": [notifying_retail()]})
    assert response.status_code == 201, response.get_json()
    return bearer(token_for("staff"))


def count(session, model, *where) -> int:
    value = session.scalar(select(func.count()).select_from(model).where(*where))
    session.rollback()  # end the read: on SQLite it holds the write lock
    return value


def state_of(session, job_id: int) -> tuple:
    job = session.get(Job, job_id, populate_existing=True)
    state = (job.status, job.attempts, job.run_after, job.last_error, job.finished_at)
    session.rollback()
    return state


def sessions_of(app):
    return app.extensions["orderloom.db"].sessions


@pytest.fixture
def staff(client, token_for):
    return publish(client, token_for)


def test_a_message_without_a_subject_is_titled_in_english_and_chinese(client, db, token_for):
    definition = notifying_retail()
    definition["rules"][-1]["then"] = [{k: v for k, v in NOTIFY.items() if k != "subject"}]
    assert client.post("/api/v1/import", headers=bearer(token_for("designer")), json={
        "format": "orderloom-package/1", "order_types": [definition]}).status_code == 201
    response = create(client, bearer(token_for("staff")))
    assert response.status_code == 201, response.get_json()
    number = response.get_json()["number"]
    assert [n.title for n in db.scalars(select(Notification))] == [f"Order 订单 {number}"]


def test_a_new_order_whose_rule_notifies_gets_its_notification_once(client, db, staff, app):
    response = create(client, staff)
    assert response.status_code == 201, response.get_json()
    number = response.get_json()["number"]
    notes = db.scalars(select(Notification)).all()
    assert [(n.role, n.title) for n in notes] == [("staff", f"Order {number} received")]
    tags = ", ".join(response.get_json()["tags"])
    assert notes[0].body == f"Hello Li Wei, order {number} is draft ({tags})."
    job = db.scalars(select(Job)).one()
    assert (job.kind, job.status, job.attempts, job.order_id) == ("notify", DONE, 1,
                                                                  notes[0].order_id)
    job_id = job.id
    db.rollback()
    # Handed over again (a duplicate from RQ, a sweep): nothing more happens.
    runner = JobRunner(sessions_of(app))
    assert runner.run(job_id).status is None
    assert sweep(sessions_of(app), runner=runner) == []
    assert count(db, Notification) == 1


def test_a_transition_with_a_notify_action_notifies_its_role(client, db, staff):
    number = create(client, staff).get_json()["number"]
    response = client.post(f"/api/v1/orders/{number}/transitions/submit", headers=staff)
    assert response.status_code == 200, response.get_json()
    titles = db.scalars(select(Notification.title).where(Notification.role == "admin")).all()
    db.rollback()
    assert titles == [f"{number} submitted"]
    timeline = client.get(f"/api/v1/orders/{number}/timeline", headers=staff).get_json()
    submitted = next(e for e in timeline if e["transition"] == "submit")
    assert [a["type"] for a in submitted["details"]["actions"]] == ["notify"], timeline
    assert "not_carried_out" not in submitted["details"]


def test_a_refused_order_leaves_no_job_behind(client, db, staff):
    response = create(client, staff, {**SAMPLE, "items": []})
    assert response.status_code == 422
    assert count(db, Job) == 0


# --- failures -------------------------------------------------------------------------------

FAILURES = {"left": 0}


def flaky(session, job, runner):
    if FAILURES["left"] > 0:
        FAILURES["left"] -= 1
        raise RuntimeError("the carrier answered 503")
    session.add(Notification(role="ops", title=f"flaky job {job.id} ran"))


register_handler("test_flaky", flaky)


def test_a_failing_job_backs_off_then_fails_keeping_its_error(app, db):
    FAILURES["left"] = 10
    job = enqueue(db, "test_flaky", {}, max_attempts=2)
    started = utcnow()
    db.commit()  # runs it in-process: the first attempt fails
    job_id = job.id
    status, attempts, run_after, error, _ = state_of(db, job_id)
    assert (status, attempts) == (PENDING, 1)
    assert error == "RuntimeError: the carrier answered 503"
    assert run_after >= started + BACKOFF_FIRST
    sessions = sessions_of(app)
    assert sweep(sessions) == []  # not due yet
    assert sweep(sessions, now=run_after + timedelta(seconds=1)) == [job_id]
    status, attempts, _, error, finished_at = state_of(db, job_id)
    assert (status, attempts, error) == (FAILED, 2, "RuntimeError: the carrier answered 503")
    assert finished_at is not None
    assert count(db, Notification) == 0


def test_an_admin_lists_failed_jobs_and_runs_one_again(app, db, client, token_for):
    FAILURES["left"] = 1
    failed = enqueue(db, "test_flaky", {"note": "x"}, max_attempts=1)
    fine = enqueue(db, "test_flaky", {})
    db.commit()
    failed_id, fine_id = failed.id, fine.id
    admin = bearer(token_for("admin"))
    listed = client.get("/api/v1/jobs?status=failed", headers=admin)
    assert listed.status_code == 200
    jobs = listed.get_json()["jobs"]
    assert [(j["id"], j["kind"], j["last_error"]) for j in jobs] == [
        (failed_id, "test_flaky", "RuntimeError: the carrier answered 503")]
    again = client.post(f"/api/v1/jobs/{failed_id}/retry", headers=admin)
    assert again.status_code == 200, again.get_json()
    assert (again.get_json()["status"], again.get_json()["attempts"]) == (DONE, 1)
    assert count(db, Notification, Notification.title == f"flaky job {failed_id} ran") == 1
    done = client.post(f"/api/v1/jobs/{fine_id}/retry", headers=admin)
    assert done.status_code == 409
    assert done.get_json()["current"] == {"status": DONE}
    assert client.post("/api/v1/jobs/999999/retry", headers=admin).status_code == 404
    bad = client.get("/api/v1/jobs?status=broken", headers=admin)
    assert bad.status_code == 422
    assert bad.headers["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("role", ["staff", "designer", "viewer"])
def test_only_admins_see_and_retry_jobs(client, token_for, role):
    headers = bearer(token_for(role))
    listed = client.get("/api/v1/jobs?status=failed", headers=headers)
    assert listed.status_code == 403
    assert "jobs.manage" in listed.get_json()["detail"]
    assert client.post("/api/v1/jobs/1/retry", headers=headers).status_code == 403


def test_a_bulk_transition_runs_each_orders_jobs_after_its_commit(client, db, staff):
    """Each order of a bulk transition is a savepoint; its jobs are handed over when
    the whole request commits, not when the savepoint is released (they would not be
    visible to the runner yet), and a refused order's savepoint does not drop the
    jobs of the orders before it."""
    first = create(client, staff).get_json()["number"]
    second = create(client, staff).get_json()["number"]
    began = time.monotonic()
    response = client.post("/api/v1/orders/bulk/transitions/submit", headers=staff,
                           json={"numbers": [first, "SO-999999", second]})
    assert response.status_code == 200, response.get_json()
    assert [r["status"] for r in response.get_json()["results"]] == [200, 404, 200]
    assert time.monotonic() - began < 10  # no job waited on the request's own lock
    titles = db.scalars(select(Notification.title).where(Notification.role == "admin")
                        .order_by(Notification.title)).all()
    statuses = db.scalars(select(Job.status).where(Job.kind == "notify")).all()
    db.rollback()
    assert titles == sorted([f"{first} submitted", f"{second} submitted"])
    assert statuses == [DONE] * 4  # two for the new orders, two for the submits
