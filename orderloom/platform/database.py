"""The database as the web app sees it: one engine per app, one session per request."""
from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from orderloom.db import make_engine, make_session_factory

EXTENSION = "orderloom.db"


class Database:
    def __init__(self, url: str) -> None:
        self.engine: Engine = make_engine(url)
        self.sessions: sessionmaker[Session] = make_session_factory(self.engine)


def init_app(app: Flask, url: str) -> Database:
    database = Database(url)
    app.extensions[EXTENSION] = database

    @app.teardown_appcontext
    def _close(_exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()  # rolls back whatever the request did not commit

    return database


def database() -> Database:
    return current_app.extensions[EXTENSION]


def db_session() -> Session:
    if "db_session" not in g:
        g.db_session = database().sessions()
    return g.db_session
