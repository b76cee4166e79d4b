"""Order imports that run in the background, and how far each has got.

A large file is not imported inside the request that uploads it: the upload
stores the file in an ``ImportRun`` and writes an ``order_import`` job. The
job imports the orders a batch at a time, each batch committed together with
the run's counters, so a progress bar reading the run sees the figures grow
and a job that stopped half-way (a worker killed) picks up after the last
batch it committed. Orders already imported are recognised by their external
id, so no batch makes an order twice.
"""
from __future__ import annotations

import logging
import time
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from orderloom.db import Base, JSONDocument, UTCDateTime, utcnow
from orderloom.runtime.audit import Actor
from orderloom.runtime.channels import ingestion, order_files
from orderloom.runtime.jobs.models import Job, register_handler
from orderloom.runtime.jobs.outbox import enqueue

log = logging.getLogger(__name__)

JOB_KIND = "order_import"
QUEUED = "queued"    # stored, waiting for a runner
RUNNING = "running"  # orders are being created
DONE = "done"        # every row was looked at; see the counters for what became of it
FAILED = "failed"    # the run itself broke off (e.g. the order type was withdrawn)
STATUSES = (QUEUED, RUNNING, DONE, FAILED)
BATCH_ORDERS = 25
SQLITE_PAUSE_SECONDS = 0.1
# Enough failed rows to fix a file by; the counters still count them all.
KEPT_ERRORS = 1000


class ImportRun(Base):
    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_type_key: Mapped[str] = mapped_column(String(63))
    channel_id: Mapped[int | None] = mapped_column(
        ForeignKey("channels.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(120))
    mapping: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    filename: Mapped[str] = mapped_column(String(255), default="")
    # The uploaded file, kept until the run is over so any worker can read it.
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(12), default=QUEUED)
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    rows_done: Mapped[int] = mapped_column(Integer, default=0)
    orders_created: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    rows_failed: Mapped[int] = mapped_column(Integer, default=0)
    # Orders done so far, in file order: where a resumed run starts.
    groups_done: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument, default=list)
    created: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument, default=list)
    failure: Mapped[str | None] = mapped_column(String(500))
    created_by_id: Mapped[int | None] = mapped_column(Integer)
    created_by_name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def percent(self) -> int:
        if self.status == DONE:
            return 100
        return int(100 * self.rows_done / self.rows_total) if self.rows_total else 0

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "status": self.status, "order_type": self.order_type_key,
                "filename": self.filename, "rows_total": self.rows_total,
                "rows_done": self.rows_done, "percent": self.percent,
                "orders_created": self.orders_created, "duplicates": self.duplicates,
                "rows_failed": self.rows_failed, "errors": self.errors,
                "created": self.created, "failure": self.failure,
                "created_by": self.created_by_name,
                "created_at": self.created_at.isoformat(),
                "started_at": self.started_at and self.started_at.isoformat(),
                "finished_at": self.finished_at and self.finished_at.isoformat()}


def start(session: Session, actor: Actor, *, order_type_key: str, mapping: dict[str, Any],
          source: str, channel_id: int | None, filename: str, content: bytes,
          rows_total: int, run_after: datetime | None = None) -> tuple[ImportRun, Job]:
    """Store the file as a queued run and write the job that imports it; the caller
    commits."""
    now = utcnow()
    run = ImportRun(order_type_key=order_type_key, mapping=mapping, source=source,
                    channel_id=channel_id, filename=filename[:255], content=content,
                    status=QUEUED, rows_total=rows_total, rows_done=0, orders_created=0,
                    duplicates=0, rows_failed=0, groups_done=0, errors=[], created=[],
                    created_by_id=actor.user_id, created_by_name=actor.name[:200],
                    created_at=now)
    session.add(run)
    session.flush()
    job = enqueue(session, JOB_KIND, {"run": run.id}, max_attempts=3, run_after=run_after)
    return run, job


def run_import(sessions: sessionmaker[Session], run_id: int) -> None:
    """Import a run's orders a batch at a time, committing progress after each."""
    with sessions() as session:
        run = session.get(ImportRun, run_id)
        if run is None or run.status in (DONE, FAILED):
            return
        actor = Actor(run.created_by_id, run.created_by_name or "import", "job")
        try:
            columns, rows = order_files.read_sheet(run.content or b"", run.filename)
            order_files.check_columns(columns, run.mapping, run.filename)
            definition = ingestion.published_definition(session, run.order_type_key)
        except Exception as error:  # the file or the order type is no longer usable
            _finish(session, run, FAILED, str(getattr(error, "message", error)))
            return
        groups = order_files.group_rows(rows, run.mapping)
        sqlite = session.get_bind().dialect.name == "sqlite"
        run.status, run.started_at = RUNNING, run.started_at or utcnow()
        session.commit()
        while run.groups_done < len(groups):
            batch = groups[run.groups_done:run.groups_done + BATCH_ORDERS]
            batch_rows = [row for group in batch for row in group.rows]
            report = order_files.import_rows(
                session, actor, batch_rows, run.order_type_key, definition, run.mapping,
                source=run.source, channel_id=run.channel_id, columns=columns)
            run.groups_done += len(batch)
            run.rows_done += len(batch_rows)
            run.orders_created += len(report.created)
            run.duplicates += len(report.duplicates)
            run.rows_failed += sum(len(f["rows"]) for f in report.failed)
            run.errors = [*run.errors, *report.failed][:KEPT_ERRORS]
            run.created = [*run.created, *report.created][:KEPT_ERRORS]
            session.commit()
            if sqlite:
                # SQLite has one write lock, and every transaction here takes it: a
                # loop that commits and begins again at once would starve the
                # requests waiting for it (the progress page among them).
                time.sleep(SQLITE_PAUSE_SECONDS)
        _finish(session, run, DONE)


def _finish(session: Session, run: ImportRun, status: str, failure: str | None = None) -> None:
    run.status, run.finished_at, run.failure = status, utcnow(), failure and failure[:500]
    if status == DONE:
        run.rows_done = run.rows_total
    run.content = None  # the orders hold what was in it; the file is not kept
    session.commit()
    log.info("import run %s %s: %s rows, %s created, %s duplicates, %s failed", run.id,
             status, run.rows_total, run.orders_created, run.duplicates, run.rows_failed)


def find(session: Session, run_id: int) -> ImportRun | None:
    return session.scalar(select(ImportRun).where(ImportRun.id == run_id))


def run_order_import(session: Session, job: Job, runner: Any) -> None:
    # The batches commit in sessions of their own (progress must be visible while
    # the job runs); the job's own transaction only records that it is done.
    try:
        run_import(runner.sessions, job.payload["run"])
    except Exception as error:
        if job.attempts >= job.max_attempts:
            # No runner will resume it: say so on the run, not only in the jobs list.
            with runner.sessions() as own:
                run = own.get(ImportRun, job.payload["run"])
                if run is not None and run.status not in (DONE, FAILED):
                    _finish(own, run, FAILED, f"the import stopped: {error}")
        raise


register_handler(JOB_KIND, run_order_import)
