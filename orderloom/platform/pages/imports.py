"""Order imports for people: upload a spreadsheet to a file channel, then watch its
progress bar fill while the import runs in the background."""
from __future__ import annotations

from flask import abort, render_template
from sqlalchemy import select

from orderloom.platform.auth import requires
from orderloom.platform.database import db_session
from orderloom.platform.pages import pages
from orderloom.runtime.channels import import_runs
from orderloom.runtime.channels.import_runs import ImportRun
from orderloom.runtime.channels.models import Channel

RECENT = 20


@pages.get("/imports")
@requires("orders.create")
def imports_page():
    session = db_session()
    channels = session.scalars(select(Channel).where(Channel.kind == "file",
                                                     Channel.active.is_(True))
                               .order_by(Channel.name))
    runs = session.scalars(select(ImportRun).order_by(ImportRun.id.desc()).limit(RECENT))
    return render_template("imports/list.html", channels=list(channels), runs=list(runs))


@pages.get("/imports/<int:run_id>")
@requires("orders.create")
def import_run_page(run_id: int):
    run = import_runs.find(db_session(), run_id)
    if run is None:
        abort(404)
    return render_template("imports/run.html", run=run)
