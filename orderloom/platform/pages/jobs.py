"""The jobs page for administrators: how many background jobs are in each state, the
waiting, running and failed ones with their last error, and a failed one run again."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext
from sqlalchemy import func, select

from orderloom.platform.api.jobs import STATUSES, run_again
from orderloom.platform.auth import requires
from orderloom.platform.database import db_session
from orderloom.platform.pages import pages
from orderloom.platform.problems import Problem
from orderloom.runtime.jobs.models import ACTIVE, DONE, FAILED, PENDING, QUEUED, RUNNING, Job

PAGE = 100
STATUS_WORDS = {PENDING: lazy_gettext("waiting to be handed over"),
                QUEUED: lazy_gettext("queued"), RUNNING: lazy_gettext("running"),
                DONE: lazy_gettext("done"), FAILED: lazy_gettext("failed")}
# What the page lists when no state is chosen: the jobs someone may need to look at.
UNFINISHED = (FAILED, *sorted(ACTIVE))


@pages.get("/admin/jobs")
@requires("jobs.manage")
def jobs_page():
    session = db_session()
    counts = dict(session.execute(select(Job.status, func.count()).group_by(Job.status)).all())
    chosen = request.args.get("status", "")
    error = None
    if chosen and chosen not in STATUSES:
        error = gettext("There is no job state “%(state)s”; choose one of the states above.",
                        state=chosen)
    shown = (chosen,) if chosen in STATUSES else UNFINISHED
    jobs = list(session.scalars(select(Job).where(Job.status.in_(shown))
                                .order_by(Job.id.desc()).limit(PAGE)))
    return render_template("admin/jobs.html", jobs=jobs, counts=counts, statuses=STATUSES,
                           words=STATUS_WORDS, chosen=chosen, error=error, failed=FAILED,
                           page_size=PAGE), 422 if error else 200


@pages.post("/admin/jobs/<int:job_id>/retry")
@requires("jobs.manage")
def retry_job_page(job_id: int):
    job = db_session().get(Job, job_id)
    back = redirect(url_for("pages.jobs_page", **request.args))
    if job is None:
        flash(gettext("There is no job %(id)s.", id=job_id), "error")
        return back
    try:
        run_again(job)
    except Problem:
        flash(gettext("Job %(id)s is %(state)s; only a failed job can be run again.",
                      id=job_id, state=STATUS_WORDS.get(job.status, job.status)), "error")
        return back
    flash(gettext("Job %(id)s (%(kind)s) is handed over again with a fresh set of attempts.",
                  id=job_id, kind=job.kind))
    return back
