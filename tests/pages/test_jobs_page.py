"""The jobs page: counts per state, the failed jobs with their error, and a failed
job run again once its cause is fixed."""
from __future__ import annotations

import html
import re

from orderloom.runtime.jobs.models import register_handler
from orderloom.runtime.jobs.outbox import enqueue
from tests.pages.conftest import errors, notices

SUPPLIER = {"answering": False}


def reorder(session, job, runner):
    # A job that calls a supplier who is down until the test says otherwise.
    if not SUPPLIER["answering"]:
        raise RuntimeError("the supplier's server answered 503")


register_handler("test_reorder", reorder)


def _page(client, path: str = "/admin/jobs") -> str:
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)
    return html.unescape(response.get_data(as_text=True))


def _count(page: str, status: str) -> int:
    found = re.search(rf'data-status="{status}"[^>]*>[^<]*<strong>(\d+)</strong>', page)
    assert found, f"the page shows no count of {status} jobs"
    return int(found.group(1))


def test_an_admin_reads_a_failed_jobs_error_and_runs_it_again(client, actions, db):
    SUPPLIER["answering"] = False
    failed = enqueue(db, "test_reorder", {"sku": "TEA-01"}, max_attempts=1)
    done = enqueue(db, "test_reorder", {"sku": "TEA-02"}, max_attempts=1)
    db.commit()  # run in-process at once: both fail
    SUPPLIER["answering"] = True
    actions.login_as("admin")
    page = _page(client)
    assert _count(page, "failed") == 2 and _count(page, "done") == 0
    row = re.search(rf'<tr data-job="{failed.id}".*?</tr>', page, re.S).group(0)
    assert "test_reorder" in row and "RuntimeError: the supplier's server answered 503" in row
    assert "1 / 1" in row and "Run again" in row

    token = actions.csrf("/admin/jobs")
    answer = client.post(f"/admin/jobs/{done.id}/retry", data={"csrf_token": token},
                         follow_redirects=True)
    assert answer.status_code == 200
    page = html.unescape(answer.get_data(as_text=True))
    assert (f"Job {done.id} (test_reorder) is handed over again with a fresh set of "
            "attempts." in notices(page))
    assert _count(page, "failed") == 1 and _count(page, "done") == 1
    assert f'data-job="{done.id}"' not in page  # done: no longer among the unfinished
    finished = _page(client, "/admin/jobs?status=done")
    assert f'data-job="{done.id}"' in finished and "Run again" not in finished


def test_running_again_a_job_that_did_not_fail_is_refused_on_the_page(client, actions, db):
    SUPPLIER["answering"] = True
    job = enqueue(db, "test_reorder", {}, max_attempts=1)
    db.commit()  # runs and is done
    actions.login_as("admin")
    answer = client.post(f"/admin/jobs/{job.id}/retry",
                         data={"csrf_token": actions.csrf("/admin/jobs")},
                         follow_redirects=True)
    page = answer.get_data(as_text=True)
    assert errors(page) == [f"Job {job.id} is done; only a failed job can be run again."]
    wrong = client.get("/admin/jobs?status=stuck")
    assert wrong.status_code == 422
    assert "There is no job state “stuck”" in wrong.get_data(as_text=True)


def test_a_viewer_gets_no_jobs_page(client, actions, db):
    job = enqueue(db, "test_reorder", {}, max_attempts=1)
    db.commit()
    actions.login_as("viewer")
    assert client.get("/admin/jobs").status_code == 403
    assert client.post(f"/admin/jobs/{job.id}/retry",
                       data={"csrf_token": actions.csrf()}).status_code == 403
    assert "/admin/jobs" not in client.get("/").get_data(as_text=True)


def test_the_jobs_page_speaks_chinese(client, actions, db):
    SUPPLIER["answering"] = False
    enqueue(db, "test_reorder", {}, max_attempts=1)
    db.commit()
    actions.login_as("admin")
    page = _page(client, "/admin/jobs?lang=zh")
    assert "<h1>后台任务</h1>" in page and ">重新运行</button>" in page
    assert re.search(r'data-status="failed"[^>]*>失败: <strong>1</strong>', page)
