"""The database as the web app sees it: one engine per app, one session per request."""
from __future__ import annotations

import logging

from flask import Flask, current_app, g
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from orderloom.db import make_engine, make_session_factory
from orderloom.runtime import remembered

EXTENSION = "orderloom.db"
log = logging.getLogger(__name__)


class Database:
    def __init__(self, url: str) -> None:
        self.engine: Engine = make_engine(url)
        self.sessions: sessionmaker[Session] = make_session_factory(self.engine)
        remembered.install(self.sessions)


def init_app(app: Flask, url: str) -> Database:
    database = Database(url)
    app.extensions[EXTENSION] = database

    @app.teardown_appcontext
    def _close(_exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is None:
            return
        try:
            session.close()  # rolls back whatever the request did not commit
        except SQLAlchemyError as exc:
            # The connection died under the request (a database restart): the
            # answer, a 503 with Retry-After, is already made and must reach the
            # client; the dead connection is dropped from the pool.
            log.warning("closing the request's database session failed (%s); its "
                        "connection is discarded", type(exc).__name__)
            session.invalidate()

    return database


def database() -> Database:
    return current_app.extensions[EXTENSION]


def db_session() -> Session:
    if "db_session" not in g:
        g.db_session = database().sessions()
    return g.db_session


def drop_uncommitted() -> None:
    """Roll back what the request changed and did not commit, now rather than at
    its teardown. A connection that died under the request is left to the teardown."""
    session = g.get("db_session")
    if session is None:
        return
    try:
        session.rollback()
    except SQLAlchemyError:
        pass
