"""Background jobs over the API: list them (failed ones above all) and run a failed
one again."""
from __future__ import annotations

from typing import Any

from flask import request, url_for
from sqlalchemy import select

from orderloom.db import utcnow
from orderloom.platform import query_args
from orderloom.platform.api import api
from orderloom.platform.auth import requires
from orderloom.platform.database import db_session
from orderloom.platform.lookups import get_or_404
from orderloom.platform.openapi import documented
from orderloom.platform.problems import Problem
from orderloom.platform.query_args import ParameterError
from orderloom.runtime.jobs.models import DONE, FAILED, PENDING, QUEUED, RUNNING, Job

STATUSES = (PENDING, QUEUED, RUNNING, DONE, FAILED)
MAX_PAGE = 200
TIMESTAMP = {"type": ["string", "null"], "format": "date-time"}
JOB = {"type": "object", "properties": {
    "id": {"type": "integer"}, "kind": {"type": "string"},
    "status": {"enum": list(STATUSES)}, "order_id": {"type": ["integer", "null"]},
    "attempts": {"type": "integer"}, "max_attempts": {"type": "integer"},
    "run_after": TIMESTAMP, "claimed_at": TIMESTAMP, "finished_at": TIMESTAMP,
    "created_at": TIMESTAMP, "last_error": {"type": ["string", "null"]},
    "payload": {"type": "object"}}}


def _time(value) -> str | None:
    return value.isoformat() if value else None


def job_json(job: Job) -> dict[str, Any]:
    return {"id": job.id, "kind": job.kind, "status": job.status, "order_id": job.order_id,
            "attempts": job.attempts, "max_attempts": job.max_attempts,
            "run_after": _time(job.run_after), "claimed_at": _time(job.claimed_at),
            "finished_at": _time(job.finished_at), "created_at": _time(job.created_at),
            "last_error": job.last_error, "payload": job.payload}


@api.get("/jobs")
@requires("jobs.manage")
@documented("Background jobs, newest first (?status=failed, ?kind=, ?limit=, ?before= for the "
            "next page)", tags=("jobs",),
            responses={200: ("A page of jobs", {"type": "object", "properties": {
                "jobs": {"type": "array", "items": JOB},
                "next": {"type": ["string", "null"]}}})})
def list_jobs():
    query = select(Job).order_by(Job.id.desc())
    status = request.args.get("status")
    if status is not None:
        if status not in STATUSES:
            raise ParameterError("status", f"must be one of {', '.join(STATUSES)}")
        query = query.where(Job.status == status)
    if "kind" in request.args:
        query = query.where(Job.kind == request.args["kind"])
    limit = query_args.whole(request.args, "limit", 50, low=1, high=MAX_PAGE)
    before = query_args.cursor(request.args)
    if before is not None:
        query = query.where(Job.id < before)
    jobs = list(db_session().scalars(query.limit(limit + 1)))
    page = jobs[:limit]
    return {"jobs": [job_json(j) for j in page],
            "next": (url_for("api.list_jobs", **{**request.args, "before": page[-1].id})
                     if len(jobs) > limit else None)}


def _job(job_id: int) -> Job:
    return get_or_404(Job, job_id, "job")


@api.get("/jobs/<int:job_id>")
@requires("jobs.manage")
@documented("One background job", tags=("jobs",), responses={200: ("The job", JOB)})
def get_job(job_id: int):
    return job_json(_job(job_id))


@api.post("/jobs/<int:job_id>/retry")
@requires("jobs.manage")
@documented("Run a failed job again, with a fresh set of attempts", tags=("jobs",),
            responses={200: ("The job as it is after being handed over", JOB)})
def retry_job(job_id: int):
    session = db_session()
    job = _job(job_id)
    run_again(job)
    session.refresh(job)
    answer = job_json(job)
    session.rollback()  # end the read: on SQLite every transaction holds the write lock
    return answer


def run_again(job: Job) -> None:
    """Hand a failed job over again with a fresh set of attempts (409 for any other
    job) and commit: the dispatcher hands it over (or runs it) right after that."""
    if job.status != FAILED:
        raise Problem(409, f"job {job.id} is {job.status}; only a failed job can be retried",
                      extra={"current": {"status": job.status}})
    job.status = PENDING
    job.attempts = 0
    job.run_after = utcnow()
    job.claimed_at = job.claimed_by = job.finished_at = None
    db_session().commit()
